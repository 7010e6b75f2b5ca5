"""Discovery and follow-up over the monitoring API, on both databases: visits and department data raise
alerts by the year's thresholds, alerts become cases, self-reports, thresholds, and risk elimination."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.monitoring.models import Alert, outbox
from shared.idnumber import Sex, make_id_number
from shared.settings import Settings
from tests.monitoring.conftest import (
    ASIER,
    BALAGONG,
    BANNER,
    BAYIN,
    XINI,
    Services,
    lifted_household,
    no_labour_members,
)
from tests.monitoring.test_cases import eventually, rows
from tests.support.households import id_number, member

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")

LINE = 700_000


async def set_thresholds(services: Services, year: int, **fields: int) -> dict[str, Any]:
    body = {"income_line_fen": LINE, "rigid_expenditure_fen": 1_000_000, **fields}
    response = await services.monitoring.put(
        f"/api/v1/monitoring/thresholds/{year}",
        json=body,
        headers=services.headers("banner_official", BANNER),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def visit_body(household_id: str, visited_on: str, **fields: Any) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "visited_on": visited_on,
        "education_secure": True,
        "medical_secure": True,
        "housing_secure": True,
        "water_secure": True,
        "income_per_capita_fen": 900_000,
        "rigid_expenditure_fen": 0,
        "note": "入户走访",
        **fields,
    }


async def visit(services: Services, household_id: str, visited_on: str, **fields: Any) -> dict[str, Any]:
    response = await services.monitoring.post(
        "/api/v1/monitoring/visits",
        json=visit_body(household_id, visited_on, **fields),
        headers=services.headers("work_team", ASIER),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- thresholds ---------------------------------------------------------------------------------------


async def test_thresholds_default_set_and_carry_over(services: Services) -> None:
    reader = services.headers("village_official", ASIER)
    default = (await services.monitoring.get("/api/v1/monitoring/thresholds/2025", headers=reader)).json()
    assert default["income_line_fen"] == 600_000 and default["is_set"] is False
    assert (default["notice_days"], default["decision_days"]) == (5, 15)
    await set_thresholds(services, 2025)
    later = (await services.monitoring.get("/api/v1/monitoring/thresholds/2027", headers=reader)).json()
    assert (later["income_line_fen"], later["is_set"], later["source_year"]) == (LINE, False, 2025)
    refused = await services.monitoring.put(
        "/api/v1/monitoring/thresholds/2025",
        json={"income_line_fen": 1, "rigid_expenditure_fen": 1},
        headers=services.headers("township_official", XINI),
    )
    assert refused.status_code == 403
    short = await services.monitoring.put(
        "/api/v1/monitoring/thresholds/2025",
        json={"income_line_fen": LINE, "rigid_expenditure_fen": 1, "notice_days": 3},
        headers=services.headers("banner_admin", BANNER),
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "notice_days"


# --- visits -------------------------------------------------------------------------------------------


async def test_a_visit_raises_alerts_once_per_risk(services: Services) -> None:
    year = services.clock.now.year
    await set_thresholds(services, year)
    home = await services.register()
    today = services.clock.now.date().isoformat()
    result = await visit(
        services,
        home["id"],
        today,
        income_per_capita_fen=650_000,
        water_secure=False,
        rigid_expenditure_fen=2_000_000,
    )
    assert sorted(a["kind"] for a in result["alerts"]) == [
        "income_below_line",
        "rigid_expenditure",
        "water_unsecured",
    ]
    assert all(a["origin"] == "household_visit" and a["status"] == "open" for a in result["alerts"])
    again = await visit(services, home["id"], today, income_per_capita_fen=650_000)
    assert again["alerts"] == []  # still open from the first visit
    sound = await visit(services, home["id"], today)
    assert sound["alerts"] == []
    visits = await services.monitoring.get(
        "/api/v1/monitoring/visits",
        params={"household_id": home["id"]},
        headers=services.headers("work_team", ASIER),
    )
    assert visits.json()["total"] == 3


async def test_only_the_household_s_own_village_visits(services: Services) -> None:
    neighbours = await services.register(BAYIN)
    response = await services.monitoring.post(
        "/api/v1/monitoring/visits",
        json=visit_body(neighbours["id"], services.clock.now.date().isoformat()),
        headers=services.headers("work_team", ASIER),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "household_id"
    township = await services.monitoring.post(
        "/api/v1/monitoring/visits",
        json=visit_body(neighbours["id"], services.clock.now.date().isoformat()),
        headers=services.headers("township_official", XINI),
    )
    assert township.status_code == 403
    future = (services.clock.now + timedelta(days=2)).date().isoformat()
    ahead = await services.monitoring.post(
        "/api/v1/monitoring/visits",
        json=visit_body(neighbours["id"], future),
        headers=services.headers("work_team", BAYIN),
    )
    assert ahead.status_code == 422


# --- department data ----------------------------------------------------------------------------------


async def test_a_department_batch_matches_in_bulk_and_reports_the_rest(services: Services) -> None:
    await set_thresholds(services, 2026)
    poor_head, sick_head = member("苏和", "head"), member("额尔登", "head")
    poor = await services.register(members=[poor_head])
    sick = await services.register(BAYIN, members=[sick_head, member("其木格", "spouse")])
    strangers = [
        make_id_number("150699", date(1970, 1, 1) + timedelta(days=n), 7, Sex.male) for n in range(1099)
    ]
    records = [
        {"id_number": poor_head["id_number"], "kind": "dibao", "detail": "2026年3月新纳入低保"},
        {"id_number": sick_head["id_number"], "kind": "medical_expense", "amount_fen": 3_500_000},
        {"id_number": sick_head["id_number"], "kind": "income", "amount_fen": 900_000},
        *({"id_number": n, "kind": "income", "amount_fen": 100} for n in strangers),
    ]
    before = services.calls("/api/v1/households/lookup")
    response = await services.monitoring.post(
        "/api/v1/monitoring/department-records",
        json={"source": "civil_affairs", "year": 2026, "records": records},
        headers=services.headers("department_officer", BANNER),
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert services.calls("/api/v1/households/lookup") - before == 2  # 1102 ID numbers, 1000 per call
    assert (result["received"], result["matched"], len(result["unmatched"])) == (1102, 3, 1099)
    assert result["unmatched"][0]["index"] == 3 and "*" in result["unmatched"][0]["id_masked"]
    assert sorted((a["household_id"], a["kind"]) for a in result["alerts"]) == sorted(
        [(poor["id"], "dibao"), (sick["id"], "rigid_expenditure")]
    )
    assert {a["origin"] for a in result["alerts"]} == {"civil_affairs"}

    village = services.headers("village_official", ASIER)
    mine = (await services.monitoring.get("/api/v1/monitoring/alerts", headers=village)).json()
    assert [(a["household_id"], a["kind"]) for a in mine["items"]] == [(poor["id"], "dibao")]
    other = services.headers("township_official", BALAGONG)
    assert (await services.monitoring.get("/api/v1/monitoring/alerts", headers=other)).json()["total"] == 0


async def test_bad_department_records_are_422(services: Services) -> None:
    good = id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")  # a wrong check character
    response = await services.monitoring.post(
        "/api/v1/monitoring/department-records",
        json={"source": "tax", "year": 2026, "records": [{"id_number": bad, "kind": "dibao"}]},
        headers=services.headers("department_officer", BANNER),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} >= {"source", "records.0.id_number"}
    village = await services.monitoring.post(
        "/api/v1/monitoring/department-records",
        json={"source": "education", "year": 2026, "records": [{"id_number": id_number(), "kind": "dibao"}]},
        headers=services.headers("village_official", ASIER),
    )
    assert village.status_code == 403


async def test_an_alert_becomes_a_case_in_one_step(services: Services, settings: Settings) -> None:
    head = member("满都拉", "head")
    await services.register(**lifted_household(members=[head]))
    batch = await services.monitoring.post(
        "/api/v1/monitoring/department-records",
        json={
            "source": "education",
            "year": 2026,
            "records": [{"id_number": head["id_number"], "kind": "school_dropout"}],
        },
        headers=services.headers("department_officer", BANNER),
    )
    [alert] = batch.json()["alerts"]
    services.clock.advance(days=3)
    village = services.headers("village_official", ASIER)
    opened = await services.monitoring.post(
        f"/api/v1/monitoring/alerts/{alert['id']}/open-case", headers=village
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["source"], case["risk_types"], case["alert_id"]) == (
        "department_alert",
        ["education"],
        alert["id"],
    )
    assert case["clock"]["age_days"] == 3  # the clock starts at discovery
    assert case["status"] == "applied" and case["description"] == alert["reason"]
    [(status, case_id)] = await rows(settings, select(Alert.status, Alert.case_id))
    assert (status, str(case_id)) == ("converted", case["id"])
    twice = await services.monitoring.post(
        f"/api/v1/monitoring/alerts/{alert['id']}/open-case", headers=village
    )
    assert twice.status_code == 409
    hidden = await services.monitoring.post(
        f"/api/v1/monitoring/alerts/{alert['id']}/open-case",
        headers=services.headers("village_official", BAYIN),
    )
    assert hidden.status_code == 404


async def test_an_alert_from_a_visit_can_be_dismissed(services: Services) -> None:
    home = await services.register()
    [alert] = (
        await visit(services, home["id"], services.clock.now.date().isoformat(), housing_secure=False)
    )["alerts"]
    village = services.headers("village_official", ASIER)
    url = f"/api/v1/monitoring/alerts/{alert['id']}"
    assert (await services.monitoring.post(url + "/dismiss", json={}, headers=village)).status_code == 422
    dismissed = await services.monitoring.post(
        url + "/dismiss", json={"reason": "已完成危房改造"}, headers=village
    )
    assert (
        dismissed.json()["status"] == "dismissed" and dismissed.json()["dismissed_reason"] == "已完成危房改造"
    )
    assert (await services.monitoring.post(url + "/open-case", headers=village)).status_code == 409
    listed = await services.monitoring.get("/api/v1/monitoring/alerts?status=open", headers=village)
    assert listed.json()["total"] == 0


# --- self-reports -------------------------------------------------------------------------------------


def report(number: str, village: str = ASIER, **fields: Any) -> dict[str, Any]:
    return {
        "village_code": village,
        "name": "巴图",
        "phone": "13800001111",
        "id_number": number,
        "description": "孩子住院花费较大，家里困难",
        "risk_types": ["illness"],
        **fields,
    }


async def test_a_self_report_opens_a_case_for_the_village(services: Services) -> None:
    head = member("巴图", "head")
    home = await services.register(members=[head])
    relay = services.headers("banner_official", BANNER, "svc-gateway")
    response = await services.monitoring.post(
        "/api/v1/monitoring/self-reports",
        json=report(head["id_number"], authorisation_signed=True),
        headers=relay,
    )
    assert response.status_code == 201, response.text
    received = response.json()
    assert (received["status"], received["household_id"], received["region_code"]) == (
        "case_opened",
        home["id"],
        ASIER,
    )
    assert head["id_number"] not in response.text
    village = services.headers("village_official", ASIER)
    case = (
        await services.monitoring.get(f"/api/v1/monitoring/cases/{received['case_id']}", headers=village)
    ).json()
    assert (case["source"], case["status"], case["authorisation"]["signed"]) == (
        "self_application",
        "applied",
        True,
    )
    again = await services.monitoring.post(
        "/api/v1/monitoring/self-reports", json=report(head["id_number"]), headers=relay
    )
    assert (again.json()["status"], again.json()["case_id"]) == ("existing_case", received["case_id"])


async def test_an_unmatched_self_report_waits_for_the_village(services: Services) -> None:
    relay = services.headers("banner_official", BANNER, "svc-gateway")
    stranger = id_number()
    response = await services.monitoring.post(
        "/api/v1/monitoring/self-reports", json=report(stranger), headers=relay
    )
    assert response.status_code == 201 and response.json()["status"] == "unmatched"
    listed = await services.monitoring.get(
        "/api/v1/monitoring/self-reports", headers=services.headers("village_official", ASIER)
    )
    [item] = listed.json()["items"]
    assert (item["name"], item["phone"], item["id_masked"]) == (
        "巴图",
        "13800001111",
        stranger[:6] + "********" + stranger[-4:],
    )
    neighbours = await services.monitoring.get(
        "/api/v1/monitoring/self-reports", headers=services.headers("village_official", BAYIN)
    )
    assert neighbours.json()["total"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"village_code": "150625100"}, "village_code"),
        ({"village_code": "150625100999"}, "village_code"),
        ({"phone": "12345"}, "phone"),
        ({"name": "   "}, "name"),
        ({"risk_types": []}, "risk_types"),
        ({"description": ""}, "description"),
        ({"id_number": "15062519900101123"}, "id_number"),
    ],
)
async def test_self_reports_are_validated_strictly(
    services: Services, change: dict[str, Any], field: str
) -> None:
    body = {**report(id_number()), **change}
    response = await services.monitoring.post(
        "/api/v1/monitoring/self-reports", json=body, headers=services.headers("banner_official", BANNER)
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_only_the_relay_submits_self_reports(services: Services) -> None:
    response = await services.monitoring.post(
        "/api/v1/monitoring/self-reports",
        json=report(id_number()),
        headers=services.headers("village_official", ASIER),
    )
    assert response.status_code == 403


# --- risk elimination ---------------------------------------------------------------------------------


async def propose(services: Services, case_id: str, role: str = "village_official") -> Any:
    return await services.step(case_id, "propose_elimination", role, ASIER, comment="收入稳定，建议风险消除")


async def test_risk_elimination_follows_the_village_township_banner_path(
    services: Services, settings: Settings
) -> None:
    start = services.clock.now
    for year in {start.year, start.year + 1}:
        await set_thresholds(services, year)
    home = await services.register(**lifted_household())
    case = await services.confirmed(home["id"])
    await services.step(case["id"], "start_assistance", "township_official", XINI)

    refused = await propose(services, case["id"])
    assert refused.status_code == 409, refused.text
    problems = refused.json()["errors"]
    assert [p["field"] for p in problems] == [
        "income",
        "rigid_expenditure",
        "guarantees",
        "measures",
        "case_age",
    ]
    assert all(p["reason"] for p in problems) and "帮扶措施" in refused.json()["detail"]

    await services.monitoring.post(
        f"/api/v1/monitoring/cases/{case['id']}/measures",
        json={
            "kind": "industry",
            "description": "补栏基础母羊 20 只",
            "cadre_name": "王海",
            "started_on": start.date().isoformat(),
        },
        headers=services.headers("village_official", ASIER),
    )
    await visit(services, home["id"], start.date().isoformat(), income_per_capita_fen=800_000)
    village = services.headers("village_official", ASIER)
    inbox = "/api/v1/monitoring/cases?awaiting_me=true"
    assert (await services.monitoring.get(inbox, headers=village)).json()["total"] == 0
    services.clock.advance(days=185)
    assert [c["id"] for c in (await services.monitoring.get(inbox, headers=village)).json()["items"]] == [
        case["id"]
    ]
    await visit(services, home["id"], services.clock.now.date().isoformat(), income_per_capita_fen=820_000)

    # Out of order (409) and by the wrong role or tier (403) changes nothing.
    assert (await services.step(case["id"], "eliminate_risk", "banner_official", BANNER)).status_code == 409
    assert (
        await services.step(case["id"], "review_elimination", "township_official", XINI)
    ).status_code == 409
    assert (
        await services.step(case["id"], "propose_elimination", "township_official", XINI)
    ).status_code == 403
    proposed = await propose(services, case["id"], "work_team")
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "elimination_proposed"
    assert (await services.step(case["id"], "eliminate_risk", "banner_official", BANNER)).status_code == 409
    assert (
        await services.step(case["id"], "review_elimination", "village_official", ASIER)
    ).status_code == 403
    township = services.headers("township_official", XINI)
    assert [c["id"] for c in (await services.monitoring.get(inbox, headers=township)).json()["items"]] == [
        case["id"]
    ]
    reviewed = await services.step(case["id"], "review_elimination", "township_official", XINI)
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "elimination_reviewed"
    decided = await services.step(case["id"], "eliminate_risk", "banner_official", BANNER, comment="风险消除")
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "risk_eliminated" and body["eliminated_at"]
    assert (body["category_at_opening"], body["return_category"]) == ("lifted_supported", "lifted_supported")
    assert [s["action"] for s in body["steps"]][-3:] == [
        "propose_elimination",
        "review_elimination",
        "eliminate_risk",
    ]
    assert [s["role"] for s in body["steps"]][-3:] == ["work_team", "township_official", "banner_official"]

    url = f"/api/v1/monitoring/cases/{case['id']}"

    async def returned() -> bool:
        detail = await services.monitoring.get(url, headers=village)
        return bool(detail.json()["return_change"] == "delivered")

    await eventually(returned)
    history_url = f"/api/v1/households/{home['id']}/history"
    history = (await services.registry.get(history_url, headers=village)).json()
    assert [h["to_category"] for h in history] == ["lifted_supported", "monitored", "lifted_supported"]
    assert history[-1]["actor"] == "svc-monitoring" and "风险消除" in history[-1]["reason"]
    # Exactly once: a replay of the return changes nothing more.
    [(message_id,)] = await rows(
        settings,
        select(outbox.c.id).where(outbox.c.idempotency_key == f"monitoring-case-{case['id']}-eliminate"),
    )
    replay = f"/api/v1/monitoring/deliveries/{message_id}/replay"
    assert (
        await services.monitoring.post(replay, headers=services.headers("banner_official", BANNER))
    ).is_success
    await eventually(returned)
    await services.app.state.dispatcher.dispatch_due()
    assert len((await services.registry.get(history_url, headers=village)).json()) == 3
    assert (await services.open_case(home["id"]))["status"] == "applied"  # no longer an open case


async def test_an_ordinary_household_returns_to_ordinary(services: Services) -> None:
    for year in {services.clock.now.year, services.clock.now.year + 1}:
        await set_thresholds(services, year)
    home = await services.register(category="ordinary", income_per_capita_fen=400_000)
    case = await services.confirmed(home["id"])
    assert case["confirmed_category"] == "marginal"
    await services.step(case["id"], "start_assistance", "village_official", ASIER)
    await services.monitoring.post(
        f"/api/v1/monitoring/cases/{case['id']}/measures",
        json={
            "kind": "employment",
            "description": "公益性岗位",
            "cadre_name": "王海",
            "started_on": "2026-01-05",
        },
        headers=services.headers("village_official", ASIER),
    )
    await visit(services, home["id"], services.clock.now.date().isoformat(), income_per_capita_fen=800_000)
    services.clock.advance(days=190)
    await visit(services, home["id"], services.clock.now.date().isoformat(), income_per_capita_fen=800_000)
    for action, role, region in (
        ("propose_elimination", "village_official", ASIER),
        ("review_elimination", "township_official", XINI),
        ("eliminate_risk", "banner_official", BANNER),
    ):
        response = await services.step(case["id"], action, role, region)
        assert response.status_code == 200, response.text
    assert response.json()["return_category"] == "ordinary"


async def test_a_household_without_labour_is_not_eliminated(services: Services) -> None:
    await set_thresholds(services, services.clock.now.year)
    await set_thresholds(services, services.clock.now.year + 1)
    home = await services.register(**lifted_household(members=no_labour_members()))
    case = await services.confirmed(home["id"])
    await services.step(case["id"], "start_assistance", "banner_official", BANNER)
    await services.monitoring.post(
        f"/api/v1/monitoring/cases/{case['id']}/measures",
        json={
            "kind": "social_assistance",
            "description": "纳入低保兜底",
            "cadre_name": "王海",
            "started_on": services.clock.now.date().isoformat(),
        },
        headers=services.headers("village_official", ASIER),
    )
    await visit(services, home["id"], services.clock.now.date().isoformat())
    services.clock.advance(days=190)
    await visit(services, home["id"], services.clock.now.date().isoformat())
    refused = await propose(services, case["id"])
    assert refused.status_code == 409
    assert [p["field"] for p in refused.json()["errors"]] == ["labour_ability"]
    assert refused.json()["errors"][0]["reason"] == "家庭无劳动能力成员，不能标注风险消除"
    assert uuid.UUID(case["id"])
