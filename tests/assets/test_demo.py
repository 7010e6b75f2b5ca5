"""The demo seed loads assets, entities, products, investments and a dividend plan once, and they read back
through the API."""

import uuid

import httpx
import pytest

from services.assets.demo import DemoHousehold, seed_assets, seed_plan
from shared.db import Database
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_demo_assets_load_once_and_leave_the_fund_consistent(
    settings: Settings, assets: httpx.AsyncClient, as_role
) -> None:
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        assert await seed_assets(session) > 0
    async with db.session_scope() as session:
        assert await seed_assets(session) == 0
    await db.dispose()
    headers = as_role("banner_official", "150625")
    assert (await assets.get("/api/v1/assets", headers=headers)).json()["total"] == 6
    fund = (await assets.get("/api/v1/assets/fund", headers=headers)).json()
    assert fund["invested_fen"] == 500_000_000 + 60_000_000
    assert fund["available_fen"] + fund["invested_fen"] == fund["capital_fen"] and fund["capital_preserved"]


async def test_demo_fills_the_new_lists_and_the_special_funds_check_passes_honestly(
    settings: Settings, assets: httpx.AsyncClient, as_role
) -> None:
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        await seed_assets(session)
    await db.dispose()
    headers = as_role("banner_official", "150625")
    special = (
        await assets.get("/api/v1/assets/reports/special-funds", params={"year": 2026}, headers=headers)
    ).json()
    assert (special["this_year_fen"], special["last_year_fen"], special["not_lower"]) == (
        300_000_000,
        255_000_000,
        True,
    )
    report = (await assets.get("/api/v1/assets/performance", params={"year": 2025}, headers=headers)).json()
    assert (report["met"], report["missed"]) == (7, 1)
    ranking = (await assets.get("/api/v1/assets/partnerships/ranking", headers=headers)).json()["items"]
    assert [r["delivered_bp"] for r in ranking] == [10_000, 7_500, 7_000, 833]
    products = (await assets.get("/api/v1/assets/products", headers=headers)).json()["items"]
    assert sorted(p["certified"] for p in products) == [False, True, True]
    mutton = next(p for p in products if p["certificate_no"] == "HJQ-FP-2025-002")
    sales = (await assets.get(f"/api/v1/assets/products/{mutton['id']}/sales", headers=headers)).json()
    assert len(sales["by_channel"]) == 5
    notices = (await assets.get("/api/v1/assets/notices", headers=headers)).json()["items"]
    assert {n["allocation_year"] for n in notices} == {2025} and len(notices) == 6


async def test_the_demo_plan_waits_for_approval_with_its_notice_run(
    settings: Settings, assets: httpx.AsyncClient, as_role
) -> None:
    homes = [DemoHousehold(uuid.uuid4(), f"15062510020100{n}", f"户主{n}") for n in (3, 1, 2)]
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        await seed_assets(session)
    async with db.session_scope() as session:
        assert await seed_plan(session, homes) == 4
    async with db.session_scope() as session:
        assert await seed_plan(session, homes) == 0
    await db.dispose()
    headers = as_role("banner_official", "150625")
    [plan] = (await assets.get("/api/v1/assets/distributions", headers=headers)).json()["items"]
    assert (plan["status"], plan["total_fen"], plan["made_by"]) == ("in_notice", 19_200_000, "asier")
    shown = (await assets.get(f"/api/v1/assets/distributions/{plan['id']}", headers=headers)).json()
    assert shown["source"]["asset_name"] == "阿斯尔嘎查村级光伏电站"
    assert [line["household_no"] for line in shown["lines"]] == sorted(h.number for h in homes)
    assert sum(line["amount_fen"] for line in shown["lines"]) == shown["households_fen"] == 11_520_000
    approved = await assets.post(f"/api/v1/assets/distributions/{plan['id']}/approve", headers=headers)
    assert approved.status_code == 200 and len(approved.json()["village_funds"]) == 2
