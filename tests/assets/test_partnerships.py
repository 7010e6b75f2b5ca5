"""百企兴百村 over the API, on both databases: the enterprise's credit code is checked, deliveries move the
partnership's share and its rank, delivered jobs name members of the registry, and scope holds."""

from typing import Any

import httpx
import pytest

from tests.assets.conftest import ASIER, BALAGONG_VILLAGE, BAYIN, XINI, create, register_household

pytestmark = pytest.mark.usefixtures("clean_databases")
BANNER = ("banner_official", "150625")
PARTNERSHIPS = "/api/v1/assets/partnerships"
CREDIT_CODE = "91150625MA0HJ0003Q"


async def enterprise(assets: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {
        "name": "杭锦旗恒源牧业有限公司",
        "kind": "enterprise",
        "region_code": XINI,
        "credit_code": CREDIT_CODE,
    }
    return await create(assets, "/api/v1/assets/entities", {**body, **fields}, headers)


def partnership_body(enterprise_id: str, region_code: str = ASIER) -> dict[str, Any]:
    return {
        "enterprise_id": enterprise_id,
        "region_code": region_code,
        "signed_on": "2025-03-01",
        "commitments": [
            {"kind": "investment", "amount": 50_000_000, "due_on": "2025-12-31"},
            {"kind": "jobs", "amount": 4, "due_on": "2025-12-31"},
        ],
    }


async def test_a_mistyped_credit_code_is_refused_naming_the_field(assets: httpx.AsyncClient, as_role) -> None:
    body = {"name": "某企业", "kind": "enterprise", "region_code": XINI, "credit_code": "91150625MA0HJ0003R"}
    response = await assets.post("/api/v1/assets/entities", json=body, headers=as_role(*BANNER))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "credit_code"
    listed = (await assets.get("/api/v1/assets/entities", headers=as_role(*BANNER))).json()
    assert listed["total"] == 0


async def test_deliveries_move_the_share_and_the_ranking(
    assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role
) -> None:
    banner = as_role(*BANNER)
    firm = await enterprise(assets, banner)
    other = await enterprise(
        assets, banner, name="鄂尔多斯市草原情食品有限公司", credit_code="91150600MA0HJ0004L"
    )
    village = as_role()
    mine = await create(assets, PARTNERSHIPS, partnership_body(firm["id"]), village)
    theirs = await create(assets, PARTNERSHIPS, partnership_body(other["id"], BAYIN), banner)
    assert (mine["delivered_bp"], mine["credit_code"]) == (0, CREDIT_CODE)
    investment, jobs = (
        next(c for c in mine["commitments"] if c["kind"] == k) for k in ("investment", "jobs")
    )

    deliveries = f"{PARTNERSHIPS}/{mine['id']}/deliveries"
    money = {
        "commitment_id": investment["id"],
        "amount": 50_000_000,
        "delivered_on": "2025-09-30",
        "evidence": "转账回单",
    }
    after = await create(assets, deliveries, money, village)
    assert after["delivered_bp"] == 5_000 and investment["id"] in {
        c["id"] for c in after["commitments"] if c["delivered_bp"] == 10_000
    }

    household = await register_household(registry, village)
    member = household["members"][0]
    hired = {
        "commitment_id": jobs["id"],
        "amount": 1,
        "delivered_on": "2025-10-01",
        "evidence": "用工合同",
        "members": [{"household_id": household["id"], "member_id": member["id"]}],
    }
    after = await create(assets, deliveries, hired, village)
    assert after["delivered_bp"] == 6_250 and after["deliveries"][-1]["members"] == hired["members"]

    ranking = (await assets.get(f"{PARTNERSHIPS}/ranking", headers=banner)).json()["items"]
    assert [(r["rank"], r["partnership_id"], r["delivered_bp"]) for r in ranking] == [
        (1, mine["id"], 6_250),
        (2, theirs["id"], 0),
    ]
    in_bayin = (await assets.get(f"{PARTNERSHIPS}/ranking", params={"region": BAYIN}, headers=banner)).json()
    assert [r["partnership_id"] for r in in_bayin["items"]] == [theirs["id"]]


async def test_deliveries_are_checked_and_scoped(
    assets: httpx.AsyncClient, registry: httpx.AsyncClient, as_role
) -> None:
    banner = as_role(*BANNER)
    firm = await enterprise(assets, banner)
    village = as_role()
    mine = await create(assets, PARTNERSHIPS, partnership_body(firm["id"]), village)
    investment, jobs = (
        next(c for c in mine["commitments"] if c["kind"] == k) for k in ("investment", "jobs")
    )
    deliveries = f"{PARTNERSHIPS}/{mine['id']}/deliveries"
    stranger = await register_household(registry, as_role(region=BAYIN), region=BAYIN)
    cases = [
        ({"commitment_id": investment["id"], "members": [{"household_id": stranger["id"]}]}, "members"),
        (
            {"commitment_id": jobs["id"], "members": [{"household_id": stranger["id"]}]},
            "members.0.household_id",
        ),
        (
            {"commitment_id": jobs["id"], "amount": 1, "members": [{"household_id": stranger["id"]}] * 2},
            "members",
        ),
        ({"commitment_id": "00000000-0000-4000-8000-000000000000"}, "commitment_id"),
        ({"commitment_id": jobs["id"], "delivered_on": "2099-01-01"}, "delivered_on"),
    ]
    for fields, field in cases:
        body = {"amount": 2, "delivered_on": "2025-10-01", "evidence": "花名册", **fields}
        response = await assets.post(deliveries, json=body, headers=village)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    assert (await assets.get(f"{PARTNERSHIPS}/{mine['id']}", headers=banner)).json()["deliveries"] == []

    elsewhere = as_role(region=BAYIN)
    assert (await assets.get(f"{PARTNERSHIPS}/{mine['id']}", headers=elsewhere)).status_code == 404
    assert (await assets.get(PARTNERSHIPS, headers=elsewhere)).json()["total"] == 0
    assert (await assets.get(f"{PARTNERSHIPS}/ranking", headers=elsewhere)).json()["items"] == []
    outside = await assets.post(
        PARTNERSHIPS, json=partnership_body(firm["id"], BALAGONG_VILLAGE), headers=village
    )
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "region_code"
    coop = await create(
        assets,
        "/api/v1/assets/entities",
        {"name": "合作社", "kind": "cooperative", "region_code": ASIER},
        banner,
    )
    not_enterprise = await assets.post(PARTNERSHIPS, json=partnership_body(coop["id"]), headers=village)
    assert (
        not_enterprise.status_code == 422 and not_enterprise.json()["errors"][0]["field"] == "enterprise_id"
    )
