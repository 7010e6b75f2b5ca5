"""Money put in (§六(四)) over the API, on both databases: the special-funds check moves with the
allocations (not with the assets formed), the performance report with the values recorded, and the
three-level notices keep the dates they were generated with."""

from typing import Any

import httpx
import pytest

from tests.assets.conftest import ASIER, BALAGONG_VILLAGE, BAYIN, asset_body, create

pytestmark = pytest.mark.usefixtures("clean_databases")
BANNER = ("banner_official", "150625")
SPECIAL = "/api/v1/assets/reports/special-funds"


def project_body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "阿斯尔嘎查肉羊养殖棚圈建设项目",
        "region_code": ASIER,
        "year": 2025,
        "implementer": "阿斯尔嘎查股份经济合作社",
        "content": "新建标准化棚圈 10 座",
        "timeline": "2025年4月至2025年9月",
        "targets": [
            {"kind": "output", "indicator": "新建标准化棚圈", "unit": "座", "target_value": 10},
            {
                "kind": "benefit",
                "indicator": "单位养殖成本",
                "unit": "元/只",
                "comparison": "at_most",
                "target_value": 300,
            },
        ],
        **fields,
    }


async def allocate(
    assets: httpx.AsyncClient,
    headers: dict[str, str],
    project: dict[str, Any],
    year: int,
    fen: int,
    source: str,
) -> dict[str, Any]:
    body = {
        "project_id": project["id"],
        "year": year,
        "source": source,
        "amount_fen": fen,
        "allocated_on": f"{year}-04-01",
    }
    return await create(assets, "/api/v1/assets/allocations", body, headers)


async def test_special_funds_are_checked_from_the_money_put_in(assets: httpx.AsyncClient, as_role) -> None:
    headers = as_role(*BANNER)
    # assets formed say nothing about money put in: a big 2024 asset and a small 2025 one do not flag a fall
    for year, value in ((2024, 9_000_000), (2025, 100)):
        await create(
            assets,
            "/api/v1/assets",
            asset_body(funding_year=year, value_fen=value, funding_source="banner_special"),
            headers,
        )
    old = await create(assets, "/api/v1/assets/projects", project_body(year=2024), headers)
    new = await create(assets, "/api/v1/assets/projects", project_body(), headers)
    await allocate(assets, headers, old, 2024, 500_000, "banner_special")
    await allocate(assets, headers, new, 2025, 300_000, "banner_special")
    await allocate(assets, headers, new, 2025, 9_999_999, "central")

    lower = (await assets.get(SPECIAL, params={"year": 2025}, headers=headers)).json()
    assert (lower["this_year_fen"], lower["last_year_fen"], lower["not_lower"]) == (300_000, 500_000, False)
    assert "减少 2,000.00 元" in lower["flag"]
    central = next(s for s in lower["by_source"] if s["funding_source"] == "central")
    assert (central["this_year_fen"], central["last_year_fen"]) == (9_999_999, 0)

    # the banner tops its special fund up: the same check now passes
    await allocate(assets, headers, new, 2025, 200_000, "banner_special")
    level = (await assets.get(SPECIAL, params={"year": 2025}, headers=headers)).json()
    assert (level["this_year_fen"], level["not_lower"], level["flag"]) == (500_000, True, None)

    listed = (await assets.get("/api/v1/assets/allocations", params={"year": 2025}, headers=headers)).json()
    assert listed["total"] == 3 and listed["amount_fen"] == 10_499_999
    elsewhere = as_role("township_official", "150625101")
    hidden = (await assets.get(SPECIAL, params={"year": 2025}, headers=elsewhere)).json()
    assert (hidden["this_year_fen"], hidden["last_year_fen"]) == (0, 0)
    assert (await assets.get("/api/v1/assets/allocations", headers=elsewhere)).json()["total"] == 0


async def test_only_banner_officials_put_money_in(assets: httpx.AsyncClient, as_role) -> None:
    project = await create(assets, "/api/v1/assets/projects", project_body(), as_role(*BANNER))
    body = {
        "project_id": project["id"],
        "year": 2025,
        "source": "city",
        "amount_fen": 1,
        "allocated_on": "2025-04-01",
    }
    township = await assets.post(
        "/api/v1/assets/allocations", json=body, headers=as_role("township_official", ASIER[:9])
    )
    assert township.status_code == 403
    wrong_year = await assets.post(
        "/api/v1/assets/allocations", json={**body, "allocated_on": "2024-12-31"}, headers=as_role(*BANNER)
    )
    assert wrong_year.status_code == 422 and wrong_year.json()["errors"][0]["field"] == "allocated_on"
    unknown = await assets.post(
        "/api/v1/assets/allocations",
        json={**body, "project_id": "00000000-0000-4000-8000-000000000000"},
        headers=as_role(*BANNER),
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "project_id"
    listed = (await assets.get("/api/v1/assets/allocations", headers=as_role(*BANNER))).json()
    assert listed["total"] == 0


async def test_performance_report_moves_with_recorded_values(assets: httpx.AsyncClient, as_role) -> None:
    headers = as_role(*BANNER)
    project = await create(assets, "/api/v1/assets/projects", project_body(), headers)
    await create(
        assets, "/api/v1/assets/projects", project_body(region_code=BAYIN, name="饲草料基地"), headers
    )
    report = (await assets.get("/api/v1/assets/performance", params={"year": 2025}, headers=headers)).json()
    assert (report["met"], report["missed"], report["unrecorded"]) == (0, 0, 4)

    output, cost = project["targets"]
    township = as_role("township_official", ASIER[:9])
    path = f"/api/v1/assets/projects/{project['id']}/targets"
    reached = await assets.put(
        f"{path}/{output['id']}", json={"actual_value": 9, "recorded_on": "2025-11-30"}, headers=township
    )
    assert reached.status_code == 200 and reached.json()["status"] == "missed"
    await assets.put(
        f"{path}/{cost['id']}", json={"actual_value": 280, "recorded_on": "2025-11-30"}, headers=township
    )
    report = (await assets.get("/api/v1/assets/performance", params={"year": 2025}, headers=headers)).json()
    assert (report["met"], report["missed"], report["unrecorded"]) == (1, 1, 2)
    asier = next(p for p in report["projects"] if p["project_id"] == project["id"])
    assert (asier["met"], asier["missed"]) == (1, 1)

    # the work is finished: recorded again, the target is met and the report says so
    await assets.put(
        f"{path}/{output['id']}", json={"actual_value": 10, "recorded_on": "2025-12-20"}, headers=township
    )
    report = (
        await assets.get(
            "/api/v1/assets/performance", params={"year": 2025, "region": ASIER}, headers=headers
        )
    ).json()
    assert (report["met"], report["missed"], report["unrecorded"]) == (2, 0, 0)

    village = as_role("village_official", ASIER)
    refused = await assets.put(
        f"{path}/{output['id']}", json={"actual_value": 1, "recorded_on": "2025-12-21"}, headers=village
    )
    assert refused.status_code == 403
    other = as_role("township_official", "150625101")
    hidden = await assets.put(
        f"{path}/{output['id']}", json={"actual_value": 1, "recorded_on": "2025-12-21"}, headers=other
    )
    assert hidden.status_code == 404
    assert (await assets.get("/api/v1/assets/performance", params={"year": 2025}, headers=other)).json()[
        "projects"
    ] == []


async def test_three_level_notices_are_generated_once_with_fixed_dates(
    assets: httpx.AsyncClient, as_role
) -> None:
    headers = as_role(*BANNER)
    asier = await create(assets, "/api/v1/assets/projects", project_body(), headers)
    balagong = await create(
        assets,
        "/api/v1/assets/projects",
        project_body(region_code=BALAGONG_VILLAGE, name="人畜饮水工程"),
        headers,
    )
    await allocate(assets, headers, asier, 2025, 1_200_000, "central")
    await allocate(assets, headers, asier, 2025, 300_000, "banner_special")
    await allocate(assets, headers, balagong, 2025, 900_000, "central")

    body = {"year": 2025, "posted_on": "2025-08-01"}
    generated = await create(assets, "/api/v1/assets/allocations/notices", body, headers)
    by_region = {n["region_code"]: n for n in generated["items"]}
    assert sorted(by_region) == ["150625", "150625100", ASIER, "150625101", BALAGONG_VILLAGE]
    assert by_region["150625"]["total_funding_fen"] == 2_400_000
    assert by_region["150625100"]["total_funding_fen"] == by_region[ASIER]["total_funding_fen"] == 1_500_000
    assert {(n["posted_on"], n["until"]) for n in generated["items"]} == {("2025-08-01", "2025-08-11")}

    again = await assets.post(
        "/api/v1/assets/allocations/notices", json={**body, "posted_on": "2026-01-01"}, headers=headers
    )
    assert again.status_code == 409
    reprint = (await assets.get("/api/v1/assets/notices", params={"region": ASIER}, headers=as_role())).json()
    assert [(n["posted_on"], n["until"], n["allocation_year"]) for n in reprint["items"]] == [
        ("2025-08-01", "2025-08-11", 2025)
    ]
    empty = await assets.post(
        "/api/v1/assets/allocations/notices", json={**body, "year": 2024}, headers=headers
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "year"
