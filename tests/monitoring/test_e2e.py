"""Monitoring end to end through the gateway, with the five processes running as real servers: real users
of every tier take the steps; the registry is stopped during a confirmation and the category still
changes exactly once; concurrent confirmations; a department batch turned into a case; tier refusals."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from deploy.stack import Stack
from services.monitoring.models import MonitoringCase
from shared.db import create_engine
from tests.conftest import bearer
from tests.e2e.test_admin import login
from tests.support.households import household, member

USERS = ("asier", "asier-team", "bayin", "minzheng", "xini", "banner", "banner2")


@pytest.fixture
async def gateway(live_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_stack.url("gateway"), timeout=30) as client:
        yield client


@pytest.fixture
def users(live_stack: Stack) -> dict[str, dict[str, str]]:
    return {name: bearer(login(live_stack, name)) for name in USERS}


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def register(
    gateway: httpx.AsyncClient, users: dict[str, dict[str, str]], **fields: Any
) -> dict[str, Any]:
    return await ok(
        await gateway.post("/api/v1/households", json=household(**fields), headers=users["asier"]), 201
    )


async def open_case(
    gateway: httpx.AsyncClient, users: dict[str, dict[str, str]], household_id: str
) -> dict[str, Any]:
    body = {
        "household_id": household_id,
        "source": "self_application",
        "risk_types": ["illness"],
        "description": "户主患重病住院，申请纳入监测",
        "authorisation": {"signed": True},
    }
    return await ok(await gateway.post("/api/v1/monitoring/cases", json=body, headers=users["asier"]), 201)


async def step(
    gateway: httpx.AsyncClient, user: dict[str, str], case_id: str, action: str, comment: str = "同意"
) -> httpx.Response:
    return await gateway.post(
        f"/api/v1/monitoring/cases/{case_id}/transitions",
        json={"action": action, "comment": comment},
        headers=user,
    )


async def to_notice_closed(
    gateway: httpx.AsyncClient, users: dict[str, dict[str, str]], live_stack: Stack, case_id: str
) -> None:
    """Each tier's real user takes its step; then the notice period is back-dated to have ended."""
    for user, action in (
        ("asier-team", "village_review"),  # 阿斯尔嘎查 has its work team on record: both sides sign
        ("asier", "village_review"),
        ("minzheng", "data_comparison"),
        ("xini", "township_review"),
        ("xini", "publish_notice"),
    ):
        await ok(await step(gateway, users[user], case_id, action))
    engine = create_engine(live_stack.env["MONITORING_DATABASE_URL"])
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(MonitoringCase)
                .where(MonitoringCase.id == uuid.UUID(case_id))
                .values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    finally:
        await engine.dispose()


def ensure_running(live_stack: Stack, name: str) -> None:
    process = live_stack.processes.get(name)
    if process is None or process.poll() is not None:
        live_stack.start(name)
    live_stack.wait_ready([name])


async def test_confirmation_reaches_the_registry_once_across_an_outage(
    live_stack: Stack, gateway: httpx.AsyncClient, users: dict[str, dict[str, str]]
) -> None:
    home = await register(gateway, users, category="lifted_supported", lifted_year=2019)
    case = await open_case(gateway, users, home["id"])
    await to_notice_closed(gateway, users, live_stack, case["id"])
    refused = await step(gateway, users["asier"], case["id"], "confirm")
    assert refused.status_code == 403
    try:
        live_stack.stop("registry")
        confirmed = await ok(await step(gateway, users["banner"], case["id"], "confirm"))
        assert (confirmed["status"], confirmed["confirmed_category"]) == ("confirmed", "monitored")
        assert confirmed["registry_change"] == "pending"
        await asyncio.sleep(2)  # the dispatcher meets the outage and backs off
    finally:
        ensure_running(live_stack, "registry")

    deadline = time.monotonic() + 90
    while True:
        detail = await ok(
            await gateway.get(f"/api/v1/monitoring/cases/{case['id']}", headers=users["banner"])
        )
        if detail["registry_change"] == "delivered":
            break
        assert time.monotonic() < deadline, detail["registry_change"]
        await asyncio.sleep(0.5)
    history = await ok(await gateway.get(f"/api/v1/households/{home['id']}/history", headers=users["asier"]))
    assert [(h["to_category"], h["actor"]) for h in history] == [
        ("lifted_supported", "asier"),
        ("monitored", "svc-monitoring"),
    ]
    current = await ok(await gateway.get(f"/api/v1/households/{home['id']}", headers=users["asier"]))
    assert current["category"] == "monitored"
    deliveries = await ok(await gateway.get("/api/v1/monitoring/deliveries", headers=users["banner"]))
    mine = [d for d in deliveries["items"] if d["idempotency_key"] == f"monitoring-case-{case['id']}-confirm"]
    assert [d["status"] for d in mine] == ["delivered"] and mine[0]["attempts"] >= 2

    started = await ok(await step(gateway, users["asier"], case["id"], "start_assistance"))
    assert started["status"] == "assisting"
    assert [s["actor"] for s in started["steps"]] == [
        "asier",
        "asier-team",
        "asier",
        "minzheng",
        "xini",
        "xini",
        "banner",
        "asier",
    ]


async def test_two_concurrent_confirmations_one_wins(
    live_stack: Stack, gateway: httpx.AsyncClient, users: dict[str, dict[str, str]]
) -> None:
    home = await register(gateway, users, category="ordinary", income_per_capita_fen=300_000)
    case = await open_case(gateway, users, home["id"])
    await to_notice_closed(gateway, users, live_stack, case["id"])
    first, second = await asyncio.gather(
        step(gateway, users["banner"], case["id"], "confirm"),
        step(gateway, users["banner2"], case["id"], "confirm"),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = first if first.status_code == 200 else second
    assert winner.json()["confirmed_category"] == "marginal"


async def test_a_department_batch_raises_an_alert_that_becomes_a_case(
    gateway: httpx.AsyncClient, users: dict[str, dict[str, str]]
) -> None:
    head = member("查干", "head")
    home = await register(gateway, users, members=[head, member("萨仁", "spouse")])
    batch = await ok(
        await gateway.post(
            "/api/v1/monitoring/department-records",
            json={
                "source": "medical_security",
                "year": datetime.now(UTC).year,
                "records": [
                    {"id_number": head["id_number"], "kind": "medical_expense", "amount_fen": 4_800_000},
                    {"id_number": "11010519491231002X", "kind": "dibao"},
                ],
            },
            headers=users["minzheng"],
        )
    )
    assert (batch["matched"], len(batch["unmatched"])) == (1, 1)
    [alert] = batch["alerts"]
    assert (alert["household_id"], alert["kind"]) == (home["id"], "rigid_expenditure")
    listed = await ok(
        await gateway.get("/api/v1/monitoring/alerts", params={"status": "open"}, headers=users["asier"])
    )
    assert alert["id"] in [a["id"] for a in listed["items"]]
    case = await ok(
        await gateway.post(f"/api/v1/monitoring/alerts/{alert['id']}/open-case", headers=users["asier"]), 201
    )
    assert (case["source"], case["risk_types"], case["household_id"]) == (
        "department_alert",
        ["rigid_expenditure"],
        home["id"],
    )
    inbox = await ok(
        await gateway.get(
            "/api/v1/monitoring/cases", params={"awaiting_me": "true"}, headers=users["asier-team"]
        )
    )
    assert case["id"] in [c["id"] for c in inbox["items"]]


async def test_a_village_official_cannot_confirm_nor_see_another_village(
    gateway: httpx.AsyncClient, users: dict[str, dict[str, str]]
) -> None:
    case = await open_case(gateway, users, (await register(gateway, users))["id"])
    assert (await step(gateway, users["asier"], case["id"], "confirm")).status_code == 403
    neighbour = users["bayin"]
    assert (await gateway.get(f"/api/v1/monitoring/cases/{case['id']}", headers=neighbour)).status_code == 404
    assert (await step(gateway, neighbour, case["id"], "village_review")).status_code == 404
    listed = await ok(await gateway.get("/api/v1/monitoring/cases", headers=neighbour))
    assert case["id"] not in [c["id"] for c in listed["items"]]
    assert (await gateway.get("/api/v1/monitoring/deliveries", headers=users["asier"])).status_code == 403
    assert (await gateway.get("/api/v1/monitoring/cases")).status_code == 401
