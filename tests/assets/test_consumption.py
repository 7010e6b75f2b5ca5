"""Consumption assistance over the API, on both databases: a product is certified only when its four checks
pass, sales are recorded by channel for certified products, and income reaches only the producer's
supplying households, never more than the sale."""

from typing import Any

import httpx
import pytest

from tests.assets.conftest import ASIER, BAYIN, create, register_household

pytestmark = pytest.mark.usefixtures("clean_databases")
TOWNSHIP = ("township_official", ASIER[:9])
CHECKS = ("quality", "price", "integrity", "benefit")


async def producer_and_product(
    assets: httpx.AsyncClient, headers: dict[str, str], suppliers: list[str]
) -> dict[str, Any]:
    body = {
        "name": "阿斯尔绒山羊合作社",
        "kind": "cooperative",
        "region_code": ASIER,
        "supplier_household_ids": suppliers,
    }
    entity = await create(assets, "/api/v1/assets/entities", body, headers)
    assert entity["supplier_household_ids"] == sorted(suppliers)
    product = {
        "name": "阿尔巴斯白绒山羊羊绒",
        "entity_id": entity["id"],
        "category": "畜牧产品",
        "certified_on": "2025-06-01",
        "certificate_no": "HJQ-FP-2025-101",
        "valid_until": "2028-05-31",
    }
    return await create(assets, "/api/v1/assets/products", product, headers)


async def test_certified_only_when_all_four_checks_pass_and_sales_reach_suppliers(
    assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role
) -> None:
    township = as_role(*TOWNSHIP)
    supplier = await register_household(registry, as_role())
    outsider = await register_household(registry, as_role())
    product = await producer_and_product(assets, township, [supplier["id"]])
    assert (product["certified"], product["checks"]) == (False, [])
    checks = f"/api/v1/assets/products/{product['id']}/checks"
    sales = f"/api/v1/assets/products/{product['id']}/sales"
    sale = {
        "channel": "counter",
        "sold_on": "2026-03-08",
        "amount_fen": 100_000,
        "household_incomes": [{"household_id": supplier["id"], "amount_fen": 60_000}],
    }
    for check in CHECKS[:3]:
        product = await create(assets, checks, {"check": check, "passed": True, "note": "合格"}, township)
    failed = await create(
        assets, checks, {"check": "benefit", "passed": False, "note": "联结户不足"}, township
    )
    assert failed["certified"] is False and {c["check"] for c in failed["checks"]} == set(CHECKS)
    village = as_role()
    assert (await assets.post(sales, json=sale, headers=village)).status_code == 409

    passed = await create(assets, checks, {"check": "benefit", "passed": True, "note": "复核达标"}, township)
    assert passed["certified"] is True
    benefit = next(c for c in passed["checks"] if c["check"] == "benefit")
    assert (benefit["passed"], benefit["note"], benefit["decided_role"]) == (
        True,
        "复核达标",
        "township_official",
    )

    recorded = await create(assets, sales, sale, village)
    assert recorded["household_incomes"] == sale["household_incomes"]
    await create(
        assets,
        sales,
        {**sale, "channel": "ecommerce", "amount_fen": 50_000, "household_incomes": []},
        village,
    )
    listed = (await assets.get(sales, headers=village)).json()
    assert (listed["total"], listed["amount_fen"], listed["household_income_fen"]) == (2, 150_000, 60_000)
    assert {c["channel"]: c["amount_fen"] for c in listed["by_channel"]} == {
        "counter": 100_000,
        "ecommerce": 50_000,
    }
    catalogue = (await assets.get("/api/v1/assets/products", headers=village)).json()["items"][0]
    assert (catalogue["sales_fen"], catalogue["household_income_fen"]) == (150_000, 60_000)
    one = (await assets.get(f"/api/v1/assets/products/{product['id']}", headers=village)).json()
    assert (one["certified"], one["sales_fen"], one["household_income_fen"]) == (True, 150_000, 60_000)
    assert [(d["check"], d["passed"]) for d in one["decisions"]] == [
        *((check, True) for check in CHECKS[:3]),
        ("benefit", False),
        ("benefit", True),
    ]
    assert len(one["checks"]) == 4 and one["by_channel"] == listed["by_channel"]

    refused = [
        (
            {"household_incomes": [{"household_id": outsider["id"], "amount_fen": 1}]},
            "household_incomes.0.household_id",
        ),
        (
            {"household_incomes": [{"household_id": supplier["id"], "amount_fen": 100_001}]},
            "household_incomes",
        ),
        ({"channel": "market_stall"}, "channel"),
    ]
    for fields, field in refused:
        response = await assets.post(sales, json={**sale, **fields}, headers=village)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert (await assets.get(sales, headers=village)).json()["amount_fen"] == 150_000

    elsewhere = as_role(region=BAYIN)
    assert (await assets.get(sales, headers=elsewhere)).status_code == 404
    one = f"/api/v1/assets/products/{product['id']}"
    assert (await assets.get(one, headers=elsewhere)).status_code == 404
    assert (await assets.post(sales, json=sale, headers=elsewhere)).status_code == 404
    assert (
        await assets.post(checks, json={"check": "price", "passed": True, "note": "x"}, headers=village)
    ).status_code == 403


async def test_supplying_households_must_be_in_the_registry_and_in_scope(
    assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role
) -> None:
    township = as_role(*TOWNSHIP)
    far = await register_household(registry, as_role(region="150625101201"), region="150625101201")
    body = {
        "name": "合作社",
        "kind": "cooperative",
        "region_code": ASIER,
        "supplier_household_ids": [far["id"]],
    }
    response = await assets.post("/api/v1/assets/entities", json=body, headers=township)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "supplier_household_ids"
    assert (await assets.get("/api/v1/assets/entities", headers=township)).json()["total"] == 0
