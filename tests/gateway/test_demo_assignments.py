"""The demo's work teams and 第一书记, on both databases: seeded once however often the seed runs, and none
sent as 第一书记 to 阿斯尔嘎查 or 巴音乌素嘎查, so a new one can be sent there this year; where the demo
has one, a second for the same term is refused."""

from datetime import date

import httpx
import pytest

from gateway.app import create_app
from gateway.seed import DEMO_ASSIGNMENTS, DEMO_PASSWORD, seed_assignments, seed_users
from shared.db import Database
from shared.settings import Settings
from tests.conftest import bearer

pytestmark = pytest.mark.usefixtures("clean_databases")
YEAR = date.today().year


@pytest.fixture
async def gateway(settings: Settings, asgi_client_factory) -> httpx.AsyncClient:
    db = Database.from_url(settings.database_url("gateway"))
    async with db.session_scope() as session:
        await seed_users(session)
        assert await seed_assignments(session) == len(DEMO_ASSIGNMENTS)
        assert await seed_assignments(session) == 0
    await db.dispose()
    return await asgi_client_factory(create_app(settings))


async def test_the_demo_sends_its_teams_and_leaves_the_tested_villages_without_a_first_secretary(
    gateway: httpx.AsyncClient,
) -> None:
    signed = await gateway.post("/auth/token", data={"username": "banner", "password": DEMO_PASSWORD})
    banner = bearer(signed.json()["access_token"])
    listed = (await gateway.get("/api/v1/admin/assignments", headers=banner)).json()
    assert listed["total"] == len(DEMO_ASSIGNMENTS)
    assert all(a["display_name"] for a in listed["items"])
    secretaries = {a["village_code"] for a in listed["items"] if a["kind"] == "first_secretary"}
    assert secretaries and not secretaries & {"150625100201", "150625100202"}
    assert all(a["starts_on"] <= f"{YEAR}-01-01" and a["ends_on"] >= f"{YEAR}-12-31" for a in listed["items"])

    def first_secretary(username: str, village: str) -> dict[str, str]:
        return {
            "username": username,
            "kind": "first_secretary",
            "village_code": village,
            "dispatching_unit": "旗财政局",
            "starts_on": f"{YEAR}-01-01",
        }

    sent = await gateway.post(
        "/api/v1/admin/assignments", headers=banner, json=first_secretary("asier-team", "150625100201")
    )
    assert sent.status_code == 201, sent.text
    taken = await gateway.post(
        "/api/v1/admin/assignments", headers=banner, json=first_secretary("wulan-team", "150625100203")
    )
    assert taken.status_code == 409 and taken.json()["detail"] == "该嘎查村在这一任期内已有第一书记高建华"
