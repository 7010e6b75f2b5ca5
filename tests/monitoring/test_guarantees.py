"""The three guarantees per member over HTTP: the 控辍保学 list read from the registry in one bulk stream,
follow-ups that take a child off it only on a return; a member's insurance per year; reimbursements kept
and checked against the year's floors, a shortfall raising an alert."""

from datetime import date, timedelta
from typing import Any

from tests.monitoring.conftest import ASIER, BANNER, BAYIN, XINI, Services
from tests.support.households import id_number, member

DROPOUTS = "/api/v1/monitoring/dropouts"
FOLLOW_UPS = "/api/v1/monitoring/dropouts/follow-ups"
INSURANCE = "/api/v1/monitoring/insurance"
REIMBURSEMENTS = "/api/v1/monitoring/reimbursements"


def child(name: str, born: date, stage: str = "none") -> dict[str, Any]:
    return member(name, "child", id_number=id_number(birth=born), school_stage=stage)


def ref(home: dict[str, Any], index: int = 0) -> dict[str, str]:
    return {"household_id": home["id"], "member_id": home["members"][index]["id"]}


def listed(page: dict[str, Any]) -> list[str]:
    return [c["member_name"] for c in page["items"]]


async def test_school_age_children_out_of_school_are_listed_until_they_return(services: Services) -> None:
    year = services.clock.now.year
    village = services.headers("village_official", ASIER)
    home = await services.register(
        members=[
            member("巴特尔", "head", id_number=id_number(birth=date(1980, 1, 1))),
            child("乌云", date(year - 10, 3, 1)),  # ten on 1 September, not enrolled
            child("苏和", date(year - 10, 5, 1), "primary"),
            child("阿拉坦", date(year - 17, 1, 1)),  # past compulsory schooling
            child("娜仁", date(year - 3, 1, 1)),
        ]
    )
    services.transport.calls.clear()
    page = (await services.monitoring.get(DROPOUTS, headers=village)).json()
    assert listed(page) == ["乌云"] and page["year"] == year
    assert services.calls("/households/stream") == 1 and services.calls("/households/lookup") == 0
    work_team = (await services.monitoring.get(DROPOUTS, headers=services.headers("work_team", ASIER))).json()
    assert listed(work_team) == ["乌云"]  # ages only, no birth dates: the same child
    elsewhere = await services.monitoring.get(DROPOUTS, headers=services.headers("village_official", BAYIN))
    assert elsewhere.json()["total"] == 0
    before_they_were_born = await services.monitoring.get(DROPOUTS, params={"year": 2013}, headers=village)
    assert before_they_were_born.json()["total"] == 0

    uyun = ref(home, 1)
    today = services.clock.now.date()
    tomorrow = {
        **uyun,
        "action": "returned_to_school",
        "note": "已返校",
        "on": str(today + timedelta(days=1)),
    }
    refused = await services.monitoring.post(FOLLOW_UPS, json=tomorrow, headers=village)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "on"
    delivered = {
        **uyun,
        "action": "home_schooling_delivered",
        "note": "老师每周送教上门两次",
        "on": str(today),
    }
    made = await services.monitoring.post(FOLLOW_UPS, json=delivered, headers=village)
    assert made.status_code == 201, made.text
    page = (await services.monitoring.get(DROPOUTS, headers=village)).json()
    assert [f["action"] for f in page["items"][0]["follow_ups"]] == ["home_schooling_delivered"]
    returned = {**uyun, "action": "returned_to_school", "note": "九月返校就读五年级", "on": str(today)}
    made = await services.monitoring.post(
        FOLLOW_UPS, json=returned, headers=services.headers("department_officer", BANNER)
    )
    assert made.status_code == 201, made.text
    assert (await services.monitoring.get(DROPOUTS, headers=village)).json()["total"] == 0


async def test_every_role_gets_the_same_children_for_the_same_scope(services: Services) -> None:
    """School age is decided from birth dates, which the roles that see only ages cannot: a child a day
    too young or sixteen that morning is listed for nobody, so every role counts the same."""
    year = services.clock.now.year
    await services.register(
        members=[
            member("巴特尔", "head", id_number=id_number(birth=date(1980, 1, 1))),
            child("乌云", date(year - 6, 9, 1)),  # six on the first day of school
            child("苏和", date(year - 6, 9, 2)),  # six a day late: next year
            child("其其格", date(year - 16, 9, 2)),  # still fifteen
            child("阿拉坦", date(year - 16, 9, 1)),  # sixteen that morning
        ]
    )
    for role, region in (
        ("village_official", ASIER),
        ("work_team", ASIER),
        ("township_official", XINI),
        ("banner_official", BANNER),
        ("department_officer", BANNER),
        ("auditor", BANNER),
    ):
        response = await services.monitoring.get(
            DROPOUTS, params={"region": ASIER}, headers=services.headers(role, region)
        )
        page = response.json()
        assert sorted(listed(page)) == ["乌云", "其其格"] and page["total"] == 2, role
        assert all("birth_date" not in child for child in page["items"])


async def test_a_follow_up_names_a_member_of_the_household_in_the_callers_village(services: Services) -> None:
    home = await services.register()
    other = await services.register(BAYIN)
    today = str(services.clock.now.date())
    body = {**ref(home), "action": "other", "note": "核实情况", "on": today}
    stranger = await services.monitoring.post(
        FOLLOW_UPS,
        json={**body, "member_id": other["members"][0]["id"]},
        headers=services.headers("village_official", ASIER),
    )
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "member_id"
    out_of_village = await services.monitoring.post(
        FOLLOW_UPS, json=body, headers=services.headers("village_official", BAYIN)
    )
    assert out_of_village.status_code == 422


async def test_a_members_insurance_is_one_record_a_year_corrected_in_place(services: Services) -> None:
    village = services.headers("village_official", ASIER)
    home = await services.register()
    body = {**ref(home), "year": 2026, "enrolled": True, "premium_fen": 38_000, "paid_on_behalf_fen": 0}
    too_much = await services.monitoring.post(
        INSURANCE, json={**body, "paid_on_behalf_fen": 38_001}, headers=village
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "paid_on_behalf_fen"
    first = await services.monitoring.post(INSURANCE, json=body, headers=village)
    assert first.status_code == 201, first.text
    corrected = await services.monitoring.post(
        INSURANCE,
        json={**body, "paid_on_behalf_fen": 38_000},
        headers=services.headers("department_officer", BANNER),
    )
    assert corrected.status_code == 200 and corrected.json()["id"] == first.json()["id"]
    await services.monitoring.post(INSURANCE, json={**body, "year": 2025}, headers=village)
    params = {"household_id": home["id"], "year": 2026}
    page = (await services.monitoring.get(INSURANCE, params=params, headers=village)).json()
    assert [(r["year"], r["paid_on_behalf_fen"]) for r in page["items"]] == [(2026, 38_000)]
    assert (
        await services.monitoring.get(INSURANCE, params={"household_id": home["id"]}, headers=village)
    ).json()["total"] == 2
    bayin = services.headers("village_official", BAYIN)
    assert (
        await services.monitoring.get(INSURANCE, params={"household_id": home["id"]}, headers=bayin)
    ).json()["total"] == 0
    refused = await services.monitoring.post(INSURANCE, json=body, headers=bayin)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "member_id"


async def test_a_reimbursement_below_the_years_floor_is_kept_and_raises_one_alert(services: Services) -> None:
    banner = services.headers("banner_official", BANNER)
    figures = {
        "income_line_fen": 700_000,
        "rigid_expenditure_fen": 1_000_000,
        "chronic_reimbursement_floor_bp": 8_500,
    }
    assert (
        await services.monitoring.put("/api/v1/monitoring/thresholds/2026", json=figures, headers=banner)
    ).status_code == 200
    village = services.headers("village_official", ASIER)
    home = await services.register()
    body = {
        **ref(home),
        "year": 2026,
        "kind": "chronic",
        "eligible_cost_fen": 100_000,
        "reimbursed_fen": 82_000,
    }
    short = await services.monitoring.post(REIMBURSEMENTS, json=body, headers=village)
    assert short.status_code == 201, short.text
    check = short.json()
    assert (check["floor_bp"], check["ratio_bp"], check["shortfall_fen"]) == (8_500, 8_200, 3_000)
    alerts = (
        await services.monitoring.get(
            "/api/v1/monitoring/alerts", params={"household_id": home["id"]}, headers=village
        )
    ).json()
    assert [(a["id"], a["kind"], a["amount_fen"]) for a in alerts["items"]] == [
        (check["alert_id"], "reimbursement_shortfall", 3_000)
    ]
    again = await services.monitoring.post(
        REIMBURSEMENTS, json={**body, "reimbursed_fen": 80_000}, headers=village
    )
    assert again.json()["shortfall_fen"] == 5_000 and again.json()["alert_id"] is None  # one open alert
    inpatient = {**body, "kind": "serious_inpatient", "year": 2025, "reimbursed_fen": 90_000}
    met = await services.monitoring.post(
        REIMBURSEMENTS, json=inpatient, headers=services.headers("department_officer", XINI)
    )
    assert (met.json()["floor_bp"], met.json()["shortfall_fen"]) == (9_000, 0)
    over = await services.monitoring.post(
        REIMBURSEMENTS, json={**body, "reimbursed_fen": 100_001}, headers=village
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "reimbursed_fen"
    page = (
        await services.monitoring.get(REIMBURSEMENTS, params={"household_id": home["id"]}, headers=village)
    ).json()
    assert [(r["year"], r["kind"], r["shortfall_fen"]) for r in page["items"]] == [
        (2026, "chronic", 3_000),
        (2026, "chronic", 5_000),
        (2025, "serious_inpatient", 0),
    ]
