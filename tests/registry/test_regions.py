"""The region tree: scoped to the caller on every read, focus-village flag, new villages, audit."""

import httpx
import pytest

from services.registry.models import audit_log
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer

pytestmark = pytest.mark.usefixtures("clean_databases")

TOWNSHIPS = {"150625100", "150625101", "150625102", "150625103", "150625104", "150625200"}
ASIER, BAYIN = "150625100201", "150625100202"


def codes(nodes: list[dict]) -> set[str]:
    return {n["code"] for n in nodes} | {c for n in nodes for c in codes(n["children"])}


async def test_banner_sees_the_six_townships_and_their_villages(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    [banner] = (
        await registry.get("/api/v1/regions", headers=bearer(token_for("banner_official", "150625")))
    ).json()
    assert banner["code"] == "150625" and banner["name"] == "杭锦旗"
    assert {t["code"] for t in banner["children"]} == TOWNSHIPS
    assert all(len(t["children"]) >= 4 for t in banner["children"])
    assert all(v["code"].startswith(t["code"]) for t in banner["children"] for v in t["children"])


async def test_a_village_official_sees_only_its_village(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("village_official", ASIER))
    tree = (await registry.get("/api/v1/regions", headers=headers)).json()
    assert codes(tree) == {ASIER}
    assert (await registry.get(f"/api/v1/regions/{ASIER}", headers=headers)).status_code == 200
    for elsewhere in (BAYIN, "150625100", "150625", "150625101201"):
        response = await registry.get(f"/api/v1/regions/{elsewhere}", headers=headers)
        assert response.status_code == 404, elsewhere
    assert (await registry.get("/api/v1/regions", params={"under": BAYIN}, headers=headers)).json() == []


async def test_a_township_official_sees_its_township_only(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("township_official", "150625100"))
    tree = (await registry.get("/api/v1/regions", headers=headers)).json()
    assert [n["code"] for n in tree] == ["150625100"]
    assert all(c.startswith("150625100") for c in codes(tree))
    assert (await registry.get("/api/v1/regions/150625101", headers=headers)).status_code == 404


async def test_get_region_returns_its_children(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    response = await registry.get("/api/v1/regions/150625200", headers=bearer(token_for("auditor", "150625")))
    body = response.json()
    assert body["name"] == "伊和乌素苏木" and body["tier"] == "township"
    assert {v["tier"] for v in body["children"]} == {"village"}


async def test_banner_flags_a_focus_village_and_the_change_is_audited(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    response = await registry.patch(
        f"/api/v1/regions/{BAYIN}",
        json={"is_focus": True},
        headers=bearer(token_for("banner_official", "150625")),
    )
    assert response.status_code == 200 and response.json()["is_focus"] is True
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        rows = (await session.execute(audit_log.select())).mappings().all()
        assert [
            (r["action"], r["entity_id"], r["before"]["is_focus"], r["after"]["is_focus"]) for r in rows
        ] == [("region.update", BAYIN, False, True)]
        assert await verify_chain(session, audit_log) is None
    await db.dispose()


async def test_only_villages_can_be_focus_villages(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await registry.patch(
        "/api/v1/regions/150625100",
        json={"is_focus": True},
        headers=bearer(token_for("banner_admin", "150625")),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "is_focus"


async def test_village_and_township_officials_cannot_flag(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    for role, region in (("village_official", ASIER), ("township_official", "150625100")):
        response = await registry.patch(
            f"/api/v1/regions/{ASIER}", json={"is_focus": True}, headers=bearer(token_for(role, region))
        )
        assert response.status_code == 403


async def test_banner_admin_adds_a_village_under_a_township(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("banner_admin", "150625"))
    created = await registry.post(
        "/api/v1/regions", json={"code": "150625104299", "name": "新村"}, headers=headers
    )
    assert created.status_code == 201
    assert created.json() | {"children": []} == {
        "code": "150625104299",
        "name": "新村",
        "tier": "village",
        "parent_code": "150625104",
        "is_focus": False,
        "children": [],
    }
    again = await registry.post(
        "/api/v1/regions", json={"code": "150625104299", "name": "新村"}, headers=headers
    )
    assert again.status_code == 409
    orphan = await registry.post(
        "/api/v1/regions", json={"code": "150625999201", "name": "无"}, headers=headers
    )
    assert orphan.status_code == 422 and orphan.json()["errors"][0]["field"] == "code"
    short = await registry.post("/api/v1/regions", json={"code": "150625104", "name": "镇"}, headers=headers)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "code"


async def test_malformed_codes_are_422_not_500(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    headers = bearer(token_for("banner_admin", "150625"))
    for bad in ("abc", "15062510", "1506251002011"):
        assert (await registry.get(f"/api/v1/regions/{bad}", headers=headers)).status_code == 422
    assert (
        await registry.get("/api/v1/regions", params={"under": "15%"}, headers=headers)
    ).status_code == 422
