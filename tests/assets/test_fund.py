"""The industry development fund, entities, products and notices over the API, on both databases:
arithmetic to the fen, the available balance, preserved capital, scope."""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.assets.models import INDUSTRY_FUND_ID, Fund
from shared.db import Database
from shared.migrations import upgrade
from tests.assets.conftest import ASIER, BALAGONG_VILLAGE, BAYIN, XINI, create, register_household

pytestmark = pytest.mark.usefixtures("clean_databases")
CAPITAL = 1_500_000_000
INVESTMENTS = "/api/v1/assets/fund/investments"
BANNER = ("banner_official", "150625")


def entity_body(**fields: Any) -> dict[str, Any]:
    return {"name": "杭锦旗绒山羊养殖专业合作社", "kind": "cooperative", "region_code": ASIER, **fields}


def investment_body(entity_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "amount_fen": 1_000_000,
        "self_raised_fen": 600_000,
        "term_months": 36,
        "expected_return_bp": 450,
        "start_date": "2025-03-01",
        **fields,
    }


async def test_migration_configures_the_fund(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'assets.db'}"
    await asyncio.to_thread(upgrade, "assets", url)
    db = Database.from_url(url)
    async with db.session_scope() as session:
        fund = (await session.execute(select(Fund))).scalar_one()
    await db.dispose()
    assert (fund.id, fund.region_code, fund.capital_fen) == (INDUSTRY_FUND_ID, XINI, 1_500_000_000)


async def test_the_fund_is_configured_and_hidden_from_other_townships(
    assets: httpx.AsyncClient, as_role
) -> None:
    fund = (await assets.get("/api/v1/assets/fund", headers=as_role(*BANNER))).json()
    assert (fund["capital_fen"], fund["available_fen"], fund["invested_fen"]) == (CAPITAL, CAPITAL, 0)
    assert fund["region_code"] == XINI and fund["capital_preserved"] is True
    assert (
        await assets.get("/api/v1/assets/fund", headers=as_role("township_official", XINI))
    ).status_code == 200
    other = await assets.get("/api/v1/assets/fund", headers=as_role("township_official", "150625101"))
    assert other.status_code == 404


async def test_investments_repayments_and_preserved_capital_to_the_fen(
    assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role
) -> None:
    household = await register_household(registry, as_role())
    entity = await create(assets, "/api/v1/assets/entities", entity_body(), as_role(*BANNER))
    links = [
        {"household_id": household["id"], "link": "employment"},
        {"household_id": household["id"], "link": "land_transfer"},
    ]
    investment = await create(
        assets, INVESTMENTS, investment_body(entity["id"], linked_households=links), as_role(*BANNER)
    )
    assert (investment["fund_ratio"], investment["fund_ratio_exact"]) == ("1:0.6", "5:3")
    assert investment["expected_income_fen"] == 135_000 and investment["term_end"] == "2028-03-01"
    assert sorted(x["link"] for x in investment["linked_households"]) == ["employment", "land_transfer"]

    repayment = await create(
        assets,
        f"{INVESTMENTS}/{investment['id']}/repayments",
        {"principal_fen": 400_000, "income_fen": 45_001, "paid_on": "2026-03-01"},
        as_role(*BANNER),
    )
    assert repayment["outstanding_fen"] == 600_000
    too_much = await assets.post(
        f"{INVESTMENTS}/{investment['id']}/repayments",
        json={"principal_fen": 600_001, "income_fen": 0, "paid_on": "2026-04-01"},
        headers=as_role(*BANNER),
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "principal_fen"
    assert too_much.json()["errors"][0]["reason"] == "超过未收回本金 6,000.00 元"

    overdue = await create(
        assets,
        INVESTMENTS,
        investment_body(
            entity["id"],
            amount_fen=2_000_000,
            self_raised_fen=500_000,
            start_date="2023-01-01",
            term_months=24,
        ),
        as_role(*BANNER),
    )
    await create(
        assets,
        f"{INVESTMENTS}/{overdue['id']}/repayments",
        {"principal_fen": 1_500_000, "income_fen": 0, "paid_on": "2024-12-31"},
        as_role(*BANNER),
    )
    fund = (await assets.get("/api/v1/assets/fund", headers=as_role(*BANNER))).json()
    assert fund["invested_fen"] == 600_000 + 500_000
    assert fund["repaid_principal_fen"] == 1_900_000 and fund["income_fen"] == 45_001
    assert fund["available_fen"] == CAPITAL - 1_100_000
    assert fund["capital_preserved"] is False and fund["overdue_principal_fen"] == 500_000
    assert [i["investment_id"] for i in fund["overdue_investments"]] == [overdue["id"]]
    assert {i["investment_id"]: i["fund_ratio"] for i in fund["investments"]} == {
        investment["id"]: "1:0.6",
        overdue["id"]: "1:0.25",
    }

    await create(
        assets,
        f"{INVESTMENTS}/{overdue['id']}/repayments",
        {"principal_fen": 500_000, "income_fen": 80_000, "paid_on": "2026-06-01"},
        as_role(*BANNER),
    )
    fund = (await assets.get("/api/v1/assets/fund", headers=as_role(*BANNER))).json()
    assert fund["capital_preserved"] is True and fund["overdue_investments"] == []
    assert fund["available_fen"] + fund["invested_fen"] == CAPITAL


async def test_the_fund_refuses_more_than_its_available_balance(assets: httpx.AsyncClient, as_role) -> None:
    entity = await create(assets, "/api/v1/assets/entities", entity_body(), as_role(*BANNER))
    await create(
        assets, INVESTMENTS, investment_body(entity["id"], amount_fen=CAPITAL - 1_000), as_role(*BANNER)
    )
    over = await assets.post(
        INVESTMENTS, json=investment_body(entity["id"], amount_fen=1_001), headers=as_role(*BANNER)
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "amount_fen"
    assert over.json()["errors"][0]["reason"] == "超过基金可用余额 10.00 元"
    await create(assets, INVESTMENTS, investment_body(entity["id"], amount_fen=1_000), as_role(*BANNER))
    fund = (await assets.get("/api/v1/assets/fund", headers=as_role(*BANNER))).json()
    assert fund["available_fen"] == 0


async def test_the_fund_invests_only_in_its_pilot_region_and_in_known_households(
    assets: httpx.AsyncClient, as_role
) -> None:
    elsewhere = await create(
        assets, "/api/v1/assets/entities", entity_body(region_code=BALAGONG_VILLAGE), as_role(*BANNER)
    )
    response = await assets.post(INVESTMENTS, json=investment_body(elsewhere["id"]), headers=as_role(*BANNER))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "entity_id"
    entity = await create(assets, "/api/v1/assets/entities", entity_body(), as_role(*BANNER))
    unknown = [{"household_id": "00000000-0000-4000-8000-000000000001", "link": "order_purchase"}]
    response = await assets.post(
        INVESTMENTS, json=investment_body(entity["id"], linked_households=unknown), headers=as_role(*BANNER)
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "linked_households"


async def test_entities_and_products_are_scoped_by_region(assets: httpx.AsyncClient, as_role) -> None:
    township = as_role("township_official", XINI)
    mine = await create(
        assets, "/api/v1/assets/entities", entity_body(credit_code="93150625MA0N1X2Y3P"), township
    )
    theirs = await create(
        assets,
        "/api/v1/assets/entities",
        entity_body(name="巴音乌素家庭牧场", kind="family_farm", region_code=BAYIN),
        township,
    )
    duplicate = await assets.post(
        "/api/v1/assets/entities", json=entity_body(credit_code="93150625MA0N1X2Y3P"), headers=township
    )
    assert duplicate.status_code == 409
    product = await create(
        assets,
        "/api/v1/assets/products",
        {
            "name": "阿尔巴斯绒山羊羊绒",
            "entity_id": mine["id"],
            "category": "畜牧产品",
            "certified_on": "2025-06-01",
            "certificate_no": "NMG-FP-2025-0001",
            "valid_until": "2028-05-31",
        },
        township,
    )
    assert product["region_code"] == ASIER and product["entity_name"] == mine["name"]
    await create(
        assets,
        "/api/v1/assets/products",
        {
            "name": "黄河鲤鱼",
            "entity_id": theirs["id"],
            "category": "水产品",
            "certified_on": "2020-06-01",
            "certificate_no": "NMG-FP-2020-0002",
            "valid_until": "2021-05-31",
        },
        township,
    )
    asier = (await assets.get("/api/v1/assets/products", headers=as_role())).json()
    assert [p["name"] for p in asier["items"]] == ["阿尔巴斯绒山羊羊绒"]
    in_force = (
        await assets.get("/api/v1/assets/products", params={"valid_on": "2026-01-01"}, headers=township)
    ).json()
    assert [p["certificate_no"] for p in in_force["items"]] == ["NMG-FP-2025-0001"]
    by_category = (
        await assets.get("/api/v1/assets/products", params={"category": "水产品"}, headers=township)
    ).json()
    assert by_category["total"] == 1 and by_category["items"][0]["valid"] is False
    entities = (await assets.get("/api/v1/assets/entities", headers=as_role(region=BAYIN))).json()
    assert [e["id"] for e in entities["items"]] == [theirs["id"]]
    village_creates = await assets.post("/api/v1/assets/entities", json=entity_body(), headers=as_role())
    assert village_creates.status_code == 403


def notice_body(**fields: Any) -> dict[str, Any]:
    project = {
        "name": "阿斯尔嘎查肉羊养殖棚圈建设项目",
        "place": "锡尼镇阿斯尔嘎查",
        "content": "新建标准化棚圈 10 座",
        "timeline": "2026年4月至2026年9月",
        "implementer": "阿斯尔嘎查股份经济合作社",
        "funding_fen": 150_000_000,
        "funding_source": "banner_special",
        "use": "棚圈建设",
    }
    return {
        "title": "2026年度衔接资金项目公示",
        "region_code": ASIER,
        "projects": [project],
        "posted_on": "2026-03-01",
        **fields,
    }


async def test_notices_stay_up_at_least_ten_days(assets: httpx.AsyncClient, as_role) -> None:
    short = await assets.post(
        "/api/v1/assets/notices", json=notice_body(until="2026-03-10"), headers=as_role()
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "until"
    notice = await create(assets, "/api/v1/assets/notices", notice_body(until="2026-03-11"), as_role())
    assert notice["total_funding_fen"] == 150_000_000
    assert (await assets.get("/api/v1/assets/notices", headers=as_role(region=BAYIN))).json()["total"] == 0
    assert (await assets.get("/api/v1/assets/notices", headers=as_role())).json()["total"] == 1
