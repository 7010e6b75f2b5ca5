"""The asset register over the API, on both databases: scope, incomes, status history, audit."""

import httpx
import pytest
from sqlalchemy import func, select

from services.assets.models import audit_log
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.assets.conftest import BAYIN, XINI, asset_body, create

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_register_and_read_an_asset_with_its_incomes_and_history(
    assets: httpx.AsyncClient, as_role, settings: Settings
) -> None:
    created = await create(assets, "/api/v1/assets", asset_body(), as_role())
    assert created["status"] == "in_use" and created["value_fen"] == 120_000_000
    url = f"/api/v1/assets/{created['id']}"
    income = await create(assets, f"{url}/incomes", {"year": 2025, "amount_fen": 1_234_567}, as_role())
    assert income["amount_fen"] == 1_234_567
    repeat = await assets.post(f"{url}/incomes", json={"year": 2025, "amount_fen": 1}, headers=as_role())
    assert repeat.status_code == 409 and repeat.headers["content-type"] == "application/problem+json"
    await create(assets, f"{url}/status", {"status": "idle", "reason": "冬季停养"}, as_role())
    detail = (await assets.get(url, headers=as_role())).json()
    assert [i["year"] for i in detail["incomes"]] == [2025]
    assert [(h["from_status"], h["to_status"]) for h in detail["status_history"]] == [
        (None, "in_use"),
        ("in_use", "idle"),
    ]
    assert detail["status"] == "idle"
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        actions = (
            (await session.execute(select(audit_log.c.action).order_by(audit_log.c.seq))).scalars().all()
        )
        assert actions == ["asset.create", "asset.income", "asset.status_change"]
        assert await verify_chain(session, audit_log) is None
    await db.dispose()


async def test_disposal_is_final(assets: httpx.AsyncClient, as_role) -> None:
    asset = await create(assets, "/api/v1/assets", asset_body(), as_role())
    url = f"/api/v1/assets/{asset['id']}/status"
    await create(assets, url, {"status": "disposed", "reason": "棚圈损毁报废"}, as_role())
    again = await assets.post(url, json={"status": "in_use", "reason": "恢复"}, headers=as_role())
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"funding_year": 2013}, "funding_year"),
        ({"asset_class": "factory"}, "asset_class"),
        ({"funding_source": "lottery"}, "funding_source"),
        ({"value_fen": 12.5}, "value_fen"),
        ({"value_fen": -1}, "value_fen"),
        ({"region_code": "150625"}, "region_code"),
        ({"region_code": BAYIN}, "region_code"),
        ({"operator_entity_id": "00000000-0000-4000-8000-000000000000"}, "operator_entity_id"),
    ],
)
async def test_bad_assets_are_422_naming_the_field(
    assets: httpx.AsyncClient, as_role, change, field: str
) -> None:
    response = await assets.post("/api/v1/assets", json=asset_body(**change), headers=as_role())
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_only_operating_assets_record_income(assets: httpx.AsyncClient, as_role) -> None:
    asset = await create(assets, "/api/v1/assets", asset_body(asset_class="public_welfare"), as_role())
    response = await assets.post(
        f"/api/v1/assets/{asset['id']}/incomes", json={"year": 2025, "amount_fen": 100}, headers=as_role()
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "asset_class"


async def test_a_village_sees_only_its_own_assets_by_list_id_and_count(
    assets: httpx.AsyncClient, as_role
) -> None:
    mine = await create(assets, "/api/v1/assets", asset_body(name="阿斯尔光伏电站"), as_role())
    theirs = await create(
        assets, "/api/v1/assets", asset_body(name="巴音乌素棚圈", region_code=BAYIN), as_role(region=BAYIN)
    )
    listed = (await assets.get("/api/v1/assets", headers=as_role())).json()
    assert [a["id"] for a in listed["items"]] == [mine["id"]] and listed["total"] == 1
    asked = (await assets.get("/api/v1/assets", params={"region": BAYIN}, headers=as_role())).json()
    assert asked["total"] == 0 and asked["items"] == []
    for path in (f"/api/v1/assets/{theirs['id']}", f"/api/v1/assets/{theirs['id']}/incomes"):
        response = await (
            assets.get(path, headers=as_role())
            if path.endswith(theirs["id"])
            else assets.post(path, json={"year": 2025, "amount_fen": 1}, headers=as_role())
        )
        assert response.status_code == 404
    township = (await assets.get("/api/v1/assets", headers=as_role("township_official", XINI))).json()
    assert township["total"] == 2
    other_township = (
        await assets.get("/api/v1/assets", headers=as_role("township_official", "150625101"))
    ).json()
    assert other_township["total"] == 0
    response = await assets.get(
        f"/api/v1/assets/{mine['id']}", headers=as_role("township_official", "150625101")
    )
    assert response.status_code == 404


async def test_list_is_filtered_and_paginated(assets: httpx.AsyncClient, as_role) -> None:
    headers = as_role("township_official", XINI)
    for year in (2016, 2019, 2019, 2021):
        await create(assets, "/api/v1/assets", asset_body(funding_year=year), headers)
    await create(
        assets,
        "/api/v1/assets",
        asset_body(asset_class="household", region_code=XINI, funding_year=2014),
        headers,
    )
    page = (await assets.get("/api/v1/assets", params={"page_size": 2, "page": 2}, headers=headers)).json()
    assert (page["total"], len(page["items"]), page["page"]) == (5, 2, 2)
    by_year = (await assets.get("/api/v1/assets", params={"year": 2019}, headers=headers)).json()
    assert by_year["total"] == 2
    by_class = (
        await assets.get("/api/v1/assets", params={"asset_class": "household"}, headers=headers)
    ).json()
    assert [a["region_code"] for a in by_class["items"]] == [XINI]


async def test_roles_and_tokens(assets: httpx.AsyncClient, as_role) -> None:
    assert (await assets.get("/api/v1/assets")).status_code == 401
    assert (await assets.get("/api/v1/assets", headers=as_role("bank", "150625"))).status_code == 403
    auditor = await assets.post("/api/v1/assets", json=asset_body(), headers=as_role("auditor", "150625"))
    assert auditor.status_code == 403


async def test_an_asset_id_in_the_path_is_checked(
    assets: httpx.AsyncClient, as_role, settings: Settings
) -> None:
    assert (await assets.get("/api/v1/assets/not-a-uuid", headers=as_role())).status_code == 422
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        assert (await session.execute(select(func.count()).select_from(audit_log))).scalar_one() == 0
    await db.dispose()
