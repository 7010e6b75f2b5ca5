"""Dividend plans over the API, on both databases: the exact split from real registry households listed by
household number and head, the income limit quoted in yuan, the income a plan is made from, the notice to
the village before approval, maker-checker, concurrent approvals, the posts' and collective's parts
recorded for the village, and the handover to a real HTTP payments peer that is down at first — handed
over exactly once."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from services.assets.models import DividendPlan, outbox
from shared.db import Database
from shared.outbox import replay
from shared.settings import Settings
from tests.assets.conftest import ASIER, BAYIN, XINI, Payments, asset_body, create, register_household

pytestmark = pytest.mark.usefixtures("clean_databases")
PLANS = "/api/v1/assets/distributions"
MAKER = ("township_official", XINI, "xini-maker")
CHECKER = ("banner_official", "150625", "banner-checker")


@pytest.fixture
async def village(assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role) -> dict[str, Any]:
    """阿斯尔嘎查 with an operating asset earning 10,000.00 yuan in 2025, and households: two lifted-out
    supported, one marginal, one ordinary (who does not share)."""
    households = [
        await register_household(registry, as_role(), category=category)
        for category in ("lifted_supported", "lifted_supported", "lifted_supported", "ordinary")
    ]
    confirmed = {"category": "marginal", "reason": "经监测程序确认", "effective_date": "2026-01-05"}
    moved = await registry.post(  # only monitoring's own client moves a household into `marginal`
        f"/api/v1/households/{households[2]['id']}/category-changes",
        json=confirmed,
        headers=as_role("service", "150625", "svc-monitoring"),
    )
    assert moved.status_code == 201, moved.text
    asset = await create(assets, "/api/v1/assets", asset_body(), as_role())
    income = await create(
        assets, f"/api/v1/assets/{asset['id']}/incomes", {"year": 2025, "amount_fen": 1_000_000}, as_role()
    )
    return {"households": households, "asset": asset, "income": income}


def plan_body(**fields: Any) -> dict[str, Any]:
    return {
        "year": 2025,
        "region": ASIER,
        "total_fen": 10_001,
        "shares": {"households": 60, "public_posts": 20, "collective": 20},
        "categories": ["lifted_supported", "marginal", "monitored"],
        **fields,
    }


async def make_plan(assets: httpx.AsyncClient, as_role, **fields: Any) -> dict[str, Any]:
    return await create(assets, PLANS, plan_body(**fields), as_role(*MAKER))


async def noticed_plan(assets: httpx.AsyncClient, as_role, **fields: Any) -> dict[str, Any]:
    """A plan published to its village whose notice has run (PAYMENT_NOTICE_DAYS is 0 in tests)."""
    plan = await make_plan(assets, as_role, **fields)
    published = await assets.post(f"{PLANS}/{plan['id']}/publish", headers=as_role())
    assert published.status_code == 200, published.text
    return dict(published.json())


async def test_a_plan_splits_exactly_among_the_sharing_households(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    plan = await make_plan(assets, as_role)
    assert plan["status"] == "draft"
    assert (plan["households_fen"], plan["public_posts_fen"], plan["collective_fen"]) == (6001, 2000, 2000)
    # Listed by household number with the head, as officials read it; the odd fen to the first number.
    sharing = sorted(
        (h for h in village["households"] if h["category"] != "ordinary"), key=lambda h: h["number"]
    )
    assert [
        (x["household_no"], x["payee_name"], x["household_id"], x["amount_fen"]) for x in plan["lines"]
    ] == [
        (h["number"], h["head_name"], h["id"], fen)
        for h, fen in zip(sharing, (2001, 2000, 2000), strict=True)
    ]
    fetched = (await assets.get(f"{PLANS}/{plan['id']}", headers=as_role())).json()
    assert fetched["lines"] == plan["lines"] and fetched["payment_status"] is None
    listed = (await assets.get(PLANS, params={"year": 2025}, headers=as_role())).json()
    assert [(p["id"], p["line_count"]) for p in listed["items"]] == [(plan["id"], 3)]


async def test_shares_must_sum_to_100(assets: httpx.AsyncClient, as_role, village: dict[str, Any]) -> None:
    body = plan_body(shares={"households": 60, "public_posts": 20, "collective": 19})
    response = await assets.post(PLANS, json=body, headers=as_role(*MAKER))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["shares"]


async def test_plans_never_exceed_the_years_operating_income(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    too_much = await assets.post(PLANS, json=plan_body(total_fen=1_000_001), headers=as_role(*MAKER))
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "total_fen"
    # quoted as officials count money: yuan with the fen exact
    assert "收益 10,000.00 元，已分配 0.00 元，剩余 10,000.00 元" in too_much.json()["errors"][0]["reason"]
    first = await make_plan(assets, as_role, total_fen=600_000)
    rest = await assets.post(PLANS, json=plan_body(total_fen=400_001), headers=as_role(*MAKER))
    assert rest.status_code == 422 and rest.json()["errors"][0]["field"] == "total_fen"
    left = await assets.get(
        f"{PLANS}/distributable", params={"region": ASIER, "year": 2025}, headers=as_role()
    )
    assert left.json() == {
        "region": ASIER,
        "year": 2025,
        "income_fen": 1_000_000,
        "planned_fen": 600_000,
        "left_fen": 400_000,
    }
    cancelled = await assets.post(f"{PLANS}/{first['id']}/cancel", headers=as_role(*MAKER))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    await make_plan(assets, as_role, total_fen=1_000_000)
    other_year = await assets.post(PLANS, json=plan_body(year=2024), headers=as_role(*MAKER))
    assert other_year.status_code == 422


async def test_a_plan_outside_scope_is_refused_and_hidden(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    response = await assets.post(PLANS, json=plan_body(region=BAYIN), headers=as_role())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "region"
    plan = await make_plan(assets, as_role)
    assert (await assets.get(f"{PLANS}/{plan['id']}", headers=as_role(region=BAYIN))).status_code == 404
    listed = (await assets.get(PLANS, headers=as_role(region=BAYIN))).json()
    assert listed["total"] == 0


async def test_the_maker_cannot_approve_and_a_village_official_may_not(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    plan = await noticed_plan(assets, as_role)
    own = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*MAKER))
    assert own.status_code == 409 and own.headers["content-type"] == "application/problem+json"
    village_official = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role())
    assert village_official.status_code == 403
    assert (await assets.get(f"{PLANS}/{plan['id']}", headers=as_role())).json()["status"] == "in_notice"


async def test_a_plan_is_approved_only_after_its_notice_to_the_village(
    app_and_client: tuple[Any, httpx.AsyncClient], as_role, village: dict[str, Any], settings: Settings
) -> None:
    app, assets = app_and_client
    plan = await make_plan(assets, as_role)
    draft = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))
    assert draft.status_code == 409 and "须先在嘎查村公示" in draft.json()["detail"]

    app.state.settings = settings.model_copy(update={"payment_notice_days": 1})
    published = await assets.post(f"{PLANS}/{plan['id']}/publish", headers=as_role())
    assert published.status_code == 200
    shown = published.json()
    assert shown["status"] == "in_notice" and shown["published_by"]
    posted = datetime.fromisoformat(shown["notice_posted_at"])
    assert datetime.fromisoformat(shown["notice_until"]) - posted == timedelta(days=1)
    again = await assets.post(f"{PLANS}/{plan['id']}/publish", headers=as_role())
    assert again.status_code == 409
    early = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))
    assert early.status_code == 409 and "公示期至" in early.json()["detail"]
    assert (await assets.get(f"{PLANS}/{plan['id']}", headers=as_role())).json()["village_funds"] == []

    db = Database.from_url(settings.database_url("assets"))  # the week has passed
    async with db.session_scope() as session:
        await session.execute(
            update(DividendPlan).values(notice_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    await db.dispose()
    approved = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_an_approved_plan_records_the_posts_and_collective_parts_for_the_village(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    plan = await noticed_plan(assets, as_role, total_fen=10_003)  # 6002 / 2001 / 2000
    approved = (await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))).json()
    assert [(e["fund"], e["amount_fen"], e["year"], e["region"]) for e in approved["village_funds"]] == [
        ("public_posts", 2001, 2025, ASIER),
        ("collective", 2000, 2025, ASIER),
    ]
    funds = (
        await assets.get("/api/v1/assets/village-funds", params={"year": 2025}, headers=as_role())
    ).json()
    assert funds["total"] == 2 and funds["totals_fen"] == {"public_posts": 2001, "collective": 2000}
    assert {e["plan_id"] for e in funds["items"]} == {plan["id"]}
    posts = await assets.get(
        "/api/v1/assets/village-funds", params={"fund": "public_posts"}, headers=as_role()
    )
    assert posts.json()["totals_fen"] == {"public_posts": 2001, "collective": 0}
    elsewhere = await assets.get("/api/v1/assets/village-funds", headers=as_role(region=BAYIN))
    assert elsewhere.json()["total"] == 0 and elsewhere.json()["totals_fen"]["collective"] == 0


async def test_a_plan_made_from_a_recorded_income_names_it(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    income = village["income"]
    plan = await make_plan(assets, as_role, income_id=income["id"])
    assert plan["income_id"] == income["id"]
    assert plan["source"] == {
        "income_id": income["id"],
        "asset_id": village["asset"]["id"],
        "asset_name": village["asset"]["name"],
        "year": 2025,
        "amount_fen": 1_000_000,
    }
    other_year = await assets.post(
        PLANS, json=plan_body(year=2024, income_id=income["id"]), headers=as_role(*MAKER)
    )
    assert other_year.status_code == 422 and other_year.json()["errors"][0]["field"] == "income_id"
    elsewhere = await assets.post(
        PLANS, json=plan_body(region=BAYIN, income_id=income["id"]), headers=as_role(*CHECKER)
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "income_id"


async def test_a_plan_in_its_notice_may_be_withdrawn(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    plan = await noticed_plan(assets, as_role, total_fen=1_000_000)
    cancelled = await assets.post(f"{PLANS}/{plan['id']}/cancel", headers=as_role())
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    await make_plan(assets, as_role, total_fen=1_000_000)  # its income is free again


async def test_concurrent_approvals_one_wins(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any], settings: Settings
) -> None:
    plan = await noticed_plan(assets, as_role)
    checkers = [
        ("banner_official", "150625", "b1"),
        ("banner_official", "150625", "b2"),
        ("township_official", XINI, "t2"),
    ]
    responses = await asyncio.gather(
        *(assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*c)) for c in checkers)
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        keys = (await session.execute(select(outbox.c.idempotency_key))).scalars().all()
    await db.dispose()
    assert keys == [f"assets-plan-{plan['id']}"]


async def wait_for(condition, seconds: float = 20.0) -> Any:  # type: ignore[no-untyped-def]
    """Poll `condition` (an HTTP read or a query) until it is truthy."""
    async with asyncio.timeout(seconds):
        while not (result := await condition()):  # noqa: ASYNC110 - polling another process's state
            await asyncio.sleep(0.1)
    return result


async def test_a_plan_approved_while_payments_is_down_is_handed_over_exactly_once(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any], payments: Payments, settings: Settings
) -> None:
    payments.failures = 1  # the first delivery meets a 503
    plan = await noticed_plan(assets, as_role)
    approved = await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    url = f"{PLANS}/{plan['id']}"

    async def handed_over() -> dict[str, Any] | None:
        body = (await assets.get(url, headers=as_role())).json()
        return body if body["payment_batch_id"] else None

    shown = await wait_for(handed_over)
    key = f"assets-plan-{plan['id']}"
    assert shown["status"] == "handed_over" and shown["payment_batch_id"] == payments.batches[key]
    assert shown["payment_status"] == "approved"  # as payments reports it now
    assert len(payments.keys) >= 2 and set(payments.keys) == {key}
    assert payments.authorizations[0] == f"Bearer {payments.token}"
    body = payments.bodies[-1]
    assert body["plan_id"] == plan["id"] and body["purpose"] == "资产收益分红"
    assert (body["year"], body["region"]) == (2025, ASIER)
    # the payees are not sent: payments takes them from the registry
    assert body["lines"] == [
        {"household_id": x["household_id"], "amount_fen": x["amount_fen"]} for x in plan["lines"]
    ]
    assert sum(x["amount_fen"] for x in body["lines"]) == 6001

    # Delivered again (a replay, a dispatcher that crashed after sending): still one batch. The plan
    # shows the batch before the dispatcher records the delivery, so the replay waits for that record.
    db = Database.from_url(settings.database_url("assets"))
    await wait_for(lambda: _delivered(db, 0, payments))
    async with db.session_scope() as session:
        message_id = (await session.execute(select(outbox.c.id))).scalar_one()
        assert await replay(session, outbox, message_id)
    deliveries = len(payments.keys)
    await wait_for(lambda: _delivered(db, deliveries, payments))
    await db.dispose()
    assert len(payments.batches) == 1
    again = (await assets.get(url, headers=as_role())).json()
    assert again["payment_batch_id"] == shown["payment_batch_id"]

    payments.down = True
    down = await assets.get(url, headers=as_role())
    assert down.status_code == 200 and down.json()["payment_status"] == "unknown"


async def _delivered(db: Database, deliveries: int, payments: Payments) -> bool:
    async with db.session_scope() as session:
        status = (await session.execute(select(outbox.c.status))).scalar_one()
    return status == "delivered" and len(payments.keys) > deliveries


async def test_a_batch_payments_refuses_shows_the_error_on_the_plan(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any], payments: Payments
) -> None:
    payments.refuse = True
    plan = await noticed_plan(assets, as_role)
    await assets.post(f"{PLANS}/{plan['id']}/approve", headers=as_role(*CHECKER))

    async def failed() -> dict[str, Any] | None:
        body = (await assets.get(f"{PLANS}/{plan['id']}", headers=as_role())).json()
        return body if body["status"] == "handover_failed" else None

    shown = await wait_for(failed)
    assert "422" in shown["handover_error"] and shown["payment_batch_id"] is None
    assert len(payments.keys) == 1
