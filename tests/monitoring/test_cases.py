"""Cases over the monitoring API, on both databases, with the real registry and gateway in process: the
procedure step by step and tier by tier, refusals that change nothing, concurrency, the public notice
and its objections, the 15-day clock, the inbox, and the registry category changed exactly once."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.monitoring.models import CaseStep, MonitoringCase, audit_log, outbox
from shared.audit import verify_chain
from shared.db import Database
from shared.settings import Settings
from tests.monitoring.conftest import (
    ASIER,
    BALAGONG,
    BANNER,
    BAYIN,
    XINI,
    Services,
    lifted_household,
)
from tests.support.households import member

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    """Poll `check` until it holds, for at most `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def rows(settings: Settings, statement: Any) -> list[Any]:
    db = Database.from_url(settings.database_url("monitoring"))
    try:
        async with db.session_scope() as session:
            return list((await session.execute(statement)).all())
    finally:
        await db.dispose()


async def test_the_whole_procedure_tier_by_tier(services: Services, settings: Settings) -> None:
    home = await services.register(**lifted_household(members=[member("巴特尔", "head")]))
    case = await services.open_case(home["id"], risk_types=["illness", "rigid_expenditure"])
    assert case["status"] == "applied" and case["pending_action"] == "village_review"
    assert (case["household_number"], case["region_code"]) == (home["number"], ASIER)
    assert (case["head_name"], case["head_name_masked"]) == ("巴特尔", "巴*尔")
    assert case["category_at_opening"] == "lifted_supported"
    assert case["income_per_capita_fen"] == home["income_per_capita_fen"]
    assert case["clock"]["age_days"] == 0 and not case["clock"]["overdue"]

    noticed = await services.to_notice(case["id"])
    assert noticed["status"] == "in_public_notice"
    assert noticed["notice_ends_at"] > noticed["notice_starts_at"]
    early = await services.step(case["id"], "confirm", "banner_official", BANNER)
    assert early.status_code == 409 and "公示期未满" in early.json()["detail"]

    services.clock.advance(days=5, seconds=1)
    confirmed = (await services.step(case["id"], "confirm", "banner_official", BANNER)).json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["confirmed_category"] == "monitored"
    assert confirmed["registry_change"] in ("pending", "delivered")
    assert [(s["action"], s["from_status"], s["to_status"], s["role"]) for s in confirmed["steps"]] == [
        ("open", None, "applied", "village_official"),
        ("village_review", "applied", "applied", "work_team"),
        ("village_review", "applied", "village_reviewed", "village_official"),
        ("data_comparison", "village_reviewed", "data_compared", "department_officer"),
        ("township_review", "data_compared", "township_reviewed", "township_official"),
        ("publish_notice", "township_reviewed", "in_public_notice", "township_official"),
        ("confirm", "in_public_notice", "confirmed", "banner_official"),
    ]
    assert all(s["actor"] and s["at"] and s["comment"] for s in confirmed["steps"][1:])
    spans = confirmed["clock"]["steps"]
    assert [s["status"] for s in spans][-2:] == ["in_public_notice", "confirmed"]
    assert spans[-2]["days"] >= 5 and spans[-1]["left_at"] is None
    assert confirmed["clock"]["decided_at"] and not confirmed["clock"]["overdue"]

    history_url = f"/api/v1/households/{home['id']}/history"
    village = services.headers("village_official", ASIER)

    async def delivered() -> bool:
        detail = await services.monitoring.get(f"/api/v1/monitoring/cases/{case['id']}", headers=village)
        return bool(detail.json()["registry_change"] == "delivered")

    await eventually(delivered)
    history = (await services.registry.get(history_url, headers=village)).json()
    assert [h["to_category"] for h in history] == ["lifted_supported", "monitored"]
    assert history[-1]["actor"] == "svc-monitoring"

    # A repeat of the delivery (a replay, a crash after sending) changes nothing.
    [(message_id,)] = await rows(settings, select(outbox.c.id))
    replayed = await services.monitoring.post(
        f"/api/v1/monitoring/deliveries/{message_id}/replay",
        headers=services.headers("banner_official", BANNER),
    )
    assert replayed.status_code == 200
    await eventually(delivered)
    await services.app.state.dispatcher.dispatch_due()
    assert len((await services.registry.get(history_url, headers=village)).json()) == 2

    started = await services.step(case["id"], "start_assistance", "village_official", ASIER)
    assert started.json()["status"] == "assisting"


async def test_deliveries_are_listed_for_the_banner(services: Services) -> None:
    home = await services.register(category="ordinary", income_per_capita_fen=400_000)
    case = await services.confirmed(home["id"])
    assert case["confirmed_category"] == "marginal"
    banner = services.headers("banner_official", BANNER)

    async def delivered() -> bool:
        page = (await services.monitoring.get("/api/v1/monitoring/deliveries", headers=banner)).json()
        return bool(page["items"] and page["items"][0]["status"] == "delivered")

    await eventually(delivered)
    [item] = (await services.monitoring.get("/api/v1/monitoring/deliveries", headers=banner)).json()["items"]
    assert item["idempotency_key"] == f"monitoring-case-{case['id']}-confirm"
    assert (item["household_id"], item["category"]) == (home["id"], "marginal")
    refused = await services.monitoring.get(
        "/api/v1/monitoring/deliveries", headers=services.headers("village_official", ASIER)
    )
    assert refused.status_code == 403


async def test_sudden_hardship_above_the_line(services: Services) -> None:
    home = await services.register(category="ordinary", income_per_capita_fen=900_000)
    case = await services.confirmed(home["id"])
    assert case["confirmed_category"] == "sudden_hardship"


async def test_a_household_already_in_the_target_category_needs_no_change(services: Services) -> None:
    home = await services.register(category="lifted_supported", lifted_year=2019)
    earlier = {"category": "monitored", "reason": "此前已纳入监测", "effective_date": "2026-01-05"}
    moved = await services.registry.post(  # only monitoring's own client puts a household under monitoring
        f"/api/v1/households/{home['id']}/category-changes",
        json=earlier,
        headers=services.headers("service", "150625", "svc-monitoring"),
    )
    assert moved.status_code == 201, moved.text
    case = await services.confirmed(home["id"])
    assert (case["confirmed_category"], case["registry_change"]) == ("monitored", "not_needed")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "self_application"}, "authorisation"),
        ({"source": "self_application", "authorisation": {"signed": False}}, "authorisation"),
        ({"risk_types": []}, "risk_types"),
        ({"risk_types": ["bad_luck"]}, "risk_types.0"),
        ({"source": "rumour"}, "source"),
        ({"description": ""}, "description"),
        ({"household_id": "not-a-uuid"}, "household_id"),
    ],
)
async def test_bad_applications_are_422_naming_the_field(
    services: Services, settings: Settings, body: dict[str, Any], field: str
) -> None:
    home = await services.register()
    payload = {
        "household_id": home["id"],
        "source": "village_screening",
        "risk_types": ["illness"],
        "description": "因病",
        **body,
    }
    response = await services.monitoring.post(
        "/api/v1/monitoring/cases", json=payload, headers=services.headers("village_official", ASIER)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await rows(settings, select(MonitoringCase.id)) == []


async def test_a_signed_self_application_is_recorded(services: Services) -> None:
    home = await services.register()
    case = await services.open_case(
        home["id"], source="self_application", authorisation={"signed": True, "signed_on": "2026-01-05"}
    )
    assert case["authorisation"] == {"signed": True, "signed_on": "2026-01-05"}


async def test_the_household_must_be_visible_to_the_caller(services: Services) -> None:
    neighbours = await services.register(BAYIN)
    response = await services.monitoring.post(
        "/api/v1/monitoring/cases",
        json={
            "household_id": neighbours["id"],
            "source": "village_screening",
            "risk_types": ["illness"],
            "description": "看不到的户",
        },
        headers=services.headers("village_official", ASIER),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "household_id"


async def test_one_open_case_per_household(services: Services) -> None:
    home = await services.register()
    first = await services.open_case(home["id"])
    again = await services.monitoring.post(
        "/api/v1/monitoring/cases",
        json={
            "household_id": home["id"],
            "source": "household_visit",
            "risk_types": ["other"],
            "description": "重复",
        },
        headers=services.headers("work_team", ASIER),
    )
    assert again.status_code == 409
    rejected = await services.step(first["id"], "reject", "village_official", ASIER, comment="核实后收入稳定")
    assert rejected.json()["status"] == "rejected"
    assert (await services.open_case(home["id"]))["status"] == "applied"


async def test_refusals_change_nothing(services: Services, settings: Settings) -> None:
    home = await services.register()
    case = await services.open_case(home["id"])
    cases = [
        (services.step(case["id"], "confirm", "village_official", ASIER), 403),
        (services.step(case["id"], "village_review", "township_official", XINI), 403),
        (services.step(case["id"], "township_review", "township_official", XINI), 409),
        (services.step(case["id"], "village_review", "village_official", BAYIN), 404),
        (services.step(case["id"], "village_review", "township_official", BALAGONG), 404),
        (services.step(case["id"], "eliminate_risk", "banner_official", BANNER), 409),
        (services.step(case["id"], "reject", "village_official", ASIER, comment=None), 422),
        (services.step(case["id"], "reject", "township_official", XINI, comment="不同意"), 403),
    ]
    for call, status in cases:
        response = await call
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
    steps = await rows(settings, select(CaseStep.action).where(CaseStep.case_id == uuid.UUID(case["id"])))
    assert steps == [("open",)]
    [(status,)] = await rows(settings, select(MonitoringCase.status))
    assert status == "applied"


async def test_each_caller_is_offered_the_steps_it_may_take_now(services: Services) -> None:
    case = await services.open_case((await services.register(**lifted_household()))["id"])
    url = f"/api/v1/monitoring/cases/{case['id']}"

    async def offered(role: str, region: str) -> list[str]:
        response = await services.monitoring.get(url, headers=services.headers(role, region))
        assert response.status_code == 200, response.text
        return list(response.json()["allowed_actions"])

    assert case["allowed_actions"] == ["village_review", "reject"]  # the opener's own answer
    applied = {
        ("village_official", ASIER): ["village_review", "reject"],
        ("work_team", ASIER): ["village_review", "reject"],
        ("township_official", XINI): [],
        ("department_officer", BANNER): [],
        ("banner_official", BANNER): [],
        ("auditor", BANNER): [],
        ("banner_admin", BANNER): [],
    }
    for (role, region), actions in applied.items():
        assert await offered(role, region) == actions, role
    noticed = await services.to_notice(case["id"])
    assert noticed["allowed_actions"] == ["reject"]  # the township that published it
    assert await offered("banner_official", BANNER) == ["reject"]  # the notice is still open
    assert await offered("village_official", ASIER) == []
    services.clock.advance(days=5, seconds=1)
    assert await offered("banner_official", BANNER) == ["confirm", "reject"]
    confirmed = (await services.step(case["id"], "confirm", "banner_official", BANNER)).json()
    assert confirmed["allowed_actions"] == ["start_assistance"]
    assert await offered("department_officer", BANNER) == []


async def test_another_village_cannot_see_the_case(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    neighbour = services.headers("village_official", BAYIN)
    assert (
        await services.monitoring.get(f"/api/v1/monitoring/cases/{case['id']}", headers=neighbour)
    ).status_code == 404
    listed = (await services.monitoring.get("/api/v1/monitoring/cases", headers=neighbour)).json()
    assert listed["total"] == 0
    other_township = services.headers("township_official", BALAGONG)
    assert (await services.monitoring.get("/api/v1/monitoring/cases", headers=other_township)).json()[
        "total"
    ] == 0
    mine = (
        await services.monitoring.get(
            "/api/v1/monitoring/cases", headers=services.headers("township_official", XINI)
        )
    ).json()
    assert [c["id"] for c in mine["items"]] == [case["id"]]


async def test_two_concurrent_identical_steps_one_wins(services: Services, settings: Settings) -> None:
    case = await services.open_case((await services.register())["id"])
    url = f"/api/v1/monitoring/cases/{case['id']}/transitions"
    body = {"action": "village_review", "comment": "同意"}
    first, second = await asyncio.gather(
        *(
            services.monitoring.post(url, json=body, headers=services.headers("village_official", ASIER, who))
            for who in ("asier", "asier2")
        )
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    steps = await rows(settings, select(CaseStep.action).where(CaseStep.case_id == uuid.UUID(case["id"])))
    assert sorted(steps) == [("open",), ("village_review",)]


async def test_two_concurrent_signers_of_the_village_review_move_it_on(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    await services.monitoring.put(
        f"/api/v1/monitoring/work-teams/{ASIER}",
        json={"leader_name": "王海", "dispatched_on": "2021-06-01"},
        headers=services.headers("banner_official", BANNER),
    )
    answers = await asyncio.gather(
        services.step(case["id"], "village_review", "village_official", ASIER),
        services.step(case["id"], "village_review", "work_team", ASIER),
    )
    assert [a.status_code for a in answers] == [200, 200]
    detail = await services.monitoring.get(
        f"/api/v1/monitoring/cases/{case['id']}", headers=services.headers("village_official", ASIER)
    )
    assert detail.json()["status"] == "village_reviewed"
    assert sorted(s["role"] for s in detail.json()["signatures"]) == ["village_official", "work_team"]


async def test_the_village_review_is_signed_by_the_committee_and_the_work_team(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    banner = services.headers("banner_official", BANNER)
    team = {"leader_name": "王海", "dispatched_on": "2021-06-01"}
    put = await services.monitoring.put(f"/api/v1/monitoring/work-teams/{ASIER}", json=team, headers=banner)
    assert put.status_code == 200, put.text
    refused = await services.monitoring.put(
        f"/api/v1/monitoring/work-teams/{ASIER}",
        json=team,
        headers=services.headers("village_official", ASIER),
    )
    assert refused.status_code == 403

    first = await services.step(case["id"], "village_review", "village_official", ASIER, comment="两委同意")
    assert first.status_code == 200, first.text
    signed = first.json()
    assert (signed["status"], signed["pending_action"]) == ("applied", "village_review")
    assert [(s["actor"], s["role"], s["comment"]) for s in signed["signatures"]] == [
        (f"village_official-{ASIER}", "village_official", "两委同意")
    ]
    assert signed["allowed_actions"] == ["reject"]  # the committee has signed; the team has not
    again = await services.step(case["id"], "village_review", "village_official", ASIER)
    assert again.status_code == 409  # the same person twice
    same_role = await services.monitoring.post(
        f"/api/v1/monitoring/cases/{case['id']}/transitions",
        json={"action": "village_review", "comment": "另一位两委成员"},
        headers=services.headers("village_official", ASIER, "asier2"),
    )
    assert same_role.status_code == 409  # the same side twice
    early = await services.step(case["id"], "data_comparison", "department_officer", BANNER)
    assert early.status_code == 409
    inbox = await services.monitoring.get(
        "/api/v1/monitoring/cases?awaiting_me=true", headers=services.headers("village_official", ASIER)
    )
    assert inbox.json()["total"] == 0

    second = await services.step(case["id"], "village_review", "work_team", ASIER, comment="工作队同意")
    assert second.status_code == 200, second.text
    reviewed = second.json()
    assert reviewed["status"] == "village_reviewed" and len(reviewed["signatures"]) == 2
    assert [(s["to_status"], s["role"]) for s in reviewed["steps"][1:]] == [
        ("applied", "village_official"),
        ("village_reviewed", "work_team"),
    ]


async def test_a_village_without_a_work_team_on_record_is_reviewed_by_its_committee(
    services: Services,
) -> None:
    case = await services.open_case((await services.register())["id"])
    withdrawn = {"leader_name": "王海", "dispatched_on": "2021-06-01", "withdrawn_on": "2024-06-01"}
    await services.monitoring.put(
        f"/api/v1/monitoring/work-teams/{ASIER}",
        json=withdrawn,
        headers=services.headers("banner_official", BANNER),
    )
    reviewed = await services.step(case["id"], "village_review", "village_official", ASIER)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "village_reviewed"
    last = reviewed.json()["steps"][-1]
    assert last["role"] == "village_official" and "无驻村工作队在册" in last["note"]
    listed = await services.monitoring.get(
        "/api/v1/monitoring/work-teams", headers=services.headers("township_official", XINI)
    )
    assert [(t["village_code"], t["withdrawn_on"]) for t in listed.json()] == [(ASIER, "2024-06-01")]
    bad = await services.monitoring.put(
        "/api/v1/monitoring/work-teams/150625100299",
        json={"leader_name": "王海", "dispatched_on": "2021-06-01"},
        headers=services.headers("banner_official", BANNER),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "village_code"


async def test_two_concurrent_confirmations_enqueue_once(services: Services, settings: Settings) -> None:
    case = await services.open_case((await services.register(**lifted_household()))["id"])
    await services.to_notice(case["id"])
    services.clock.advance(days=6)
    first, second = await asyncio.gather(
        services.monitoring.post(
            f"/api/v1/monitoring/cases/{case['id']}/transitions",
            json={"action": "confirm", "comment": "确认"},
            headers=services.headers("banner_official", BANNER, "banner"),
        ),
        services.monitoring.post(
            f"/api/v1/monitoring/cases/{case['id']}/transitions",
            json={"action": "confirm", "comment": "确认"},
            headers=services.headers("banner_official", BANNER, "banner2"),
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    assert len(await rows(settings, select(outbox.c.id))) == 1


# --- the public notice --------------------------------------------------------------------------------


async def test_objections_hold_the_confirmation(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    await services.to_notice(case["id"])
    url = f"/api/v1/monitoring/cases/{case['id']}"
    objection = await services.monitoring.post(
        url + "/objections",
        json={"content": "该户有经营性货车一辆，收入不低", "raised_by_name": "邻居"},
        headers=services.headers("village_official", ASIER),
    )
    assert objection.status_code == 201, objection.text
    services.clock.advance(days=6)
    held = await services.step(case["id"], "confirm", "banner_official", BANNER)
    assert held.status_code == 409 and "异议尚未处理" in held.json()["detail"]
    too_late = await services.monitoring.post(
        url + "/objections", json={"content": "过期异议"}, headers=services.headers("village_official", ASIER)
    )
    assert too_late.status_code == 409

    resolve = url + f"/objections/{objection.json()['id']}/resolve"
    by_village = await services.monitoring.post(
        resolve,
        json={"resolution": "经核实", "upheld": False},
        headers=services.headers("village_official", ASIER),
    )
    assert by_village.status_code == 403
    resolved = await services.monitoring.post(
        resolve,
        json={"resolution": "经核实，货车已报废，异议不成立", "upheld": False},
        headers=services.headers("township_official", XINI),
    )
    assert resolved.status_code == 200 and resolved.json()["upheld"] is False
    again = await services.monitoring.post(
        resolve,
        json={"resolution": "再次", "upheld": True},
        headers=services.headers("township_official", XINI),
    )
    assert again.status_code == 409
    confirmed = await services.step(case["id"], "confirm", "banner_official", BANNER)
    assert confirmed.status_code == 200
    assert confirmed.json()["objections"][0]["resolution"].startswith("经核实")


async def test_an_upheld_objection_leads_the_township_to_reject(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    await services.to_notice(case["id"])
    url = f"/api/v1/monitoring/cases/{case['id']}"
    objection = (
        await services.monitoring.post(
            url + "/objections",
            json={"content": "家中有人在外务工收入高"},
            headers=services.headers("work_team", ASIER),
        )
    ).json()
    township = services.headers("township_official", XINI)
    inbox = (
        await services.monitoring.get("/api/v1/monitoring/cases?awaiting_me=true", headers=township)
    ).json()
    assert [c["id"] for c in inbox["items"]] == [case["id"]]
    await services.monitoring.post(
        url + f"/objections/{objection['id']}/resolve",
        json={"resolution": "异议成立", "upheld": True},
        headers=township,
    )
    services.clock.advance(days=6)
    refused = await services.step(case["id"], "confirm", "banner_official", BANNER)
    assert refused.status_code == 409 and "异议成立" in refused.json()["detail"]
    rejected = await services.step(case["id"], "reject", "township_official", XINI, comment="公示异议成立")
    assert rejected.json()["status"] == "rejected"


async def test_notices_name_the_household_and_show_nothing_else_personal(services: Services) -> None:
    head = member("巴特尔", "head", chronic_disease=True, serious_illness=True)
    home = await services.register(members=[head, member("乌日娜", "spouse")], phone="13912345678")
    case = await services.open_case(home["id"])
    await services.to_notice(case["id"])
    other = await services.open_case((await services.register())["id"])  # not in notice yet
    page = await services.monitoring.get(
        "/api/v1/monitoring/notices",
        params={"region": ASIER},
        headers=services.headers("village_official", ASIER),
    )
    assert page.status_code == 200
    body = page.text
    [item] = page.json()["items"]
    assert item["case_id"] == case["id"] and item["case_id"] != other["id"]
    assert (item["household_number"], item["head_name"]) == (home["number"], "巴特尔")
    assert item["objection_deadline"] == item["notice_ends_at"] > item["notice_starts_at"]
    assert "乌日娜" not in body and "13912345678" not in body and home["phone"] not in body
    for person in home["members"]:
        assert person["id_number"] not in body and person["id_number"][-4:] + '"' not in body
    for word in ("id_number", "phone", "bank", "disease", "illness_", "serious", "chronic", "medical"):
        assert word not in body
    township = await services.monitoring.get(
        "/api/v1/monitoring/notices", headers=services.headers("township_official", XINI)
    )
    assert township.json()["total"] == 1
    neighbours = await services.monitoring.get(
        "/api/v1/monitoring/notices", headers=services.headers("village_official", BAYIN)
    )
    assert neighbours.json()["total"] == 0


# --- the clock and the inbox --------------------------------------------------------------------------


async def test_the_fifteen_day_clock(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    village = services.headers("village_official", ASIER)
    services.clock.advance(days=15, hours=1)
    detail = (await services.monitoring.get(f"/api/v1/monitoring/cases/{case['id']}", headers=village)).json()
    assert detail["clock"]["age_days"] == 15 and detail["clock"]["overdue"] is True
    overdue = (await services.monitoring.get("/api/v1/monitoring/cases?overdue=true", headers=village)).json()
    assert [c["id"] for c in overdue["items"]] == [case["id"]]
    on_time = (
        await services.monitoring.get("/api/v1/monitoring/cases?overdue=false", headers=village)
    ).json()
    assert on_time["total"] == 0


async def test_thresholds_set_the_deadline(services: Services) -> None:
    year = services.clock.now.year
    put = await services.monitoring.put(
        f"/api/v1/monitoring/thresholds/{year}",
        json={
            "income_line_fen": 700_000,
            "rigid_expenditure_fen": 1_000_000,
            "notice_days": 7,
            "decision_days": 10,
        },
        headers=services.headers("banner_official", BANNER),
    )
    assert put.status_code == 200, put.text
    case = await services.open_case((await services.register())["id"])
    due = services.clock.now + timedelta(days=10)
    assert case["clock"]["decision_due_at"][:10] == due.date().isoformat()
    noticed = await services.to_notice(case["id"])
    services.clock.advance(days=6)
    assert (await services.step(case["id"], "confirm", "banner_official", BANNER)).status_code == 409
    services.clock.advance(days=1, seconds=1)
    assert (await services.step(case["id"], "confirm", "banner_official", BANNER)).status_code == 200
    assert noticed["notice_ends_at"] > noticed["notice_starts_at"]


async def test_the_inbox_follows_the_pending_step(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    await services.open_case((await services.register(BAYIN))["id"], BAYIN)

    async def inbox(role: str, region: str) -> list[str]:
        page = await services.monitoring.get(
            "/api/v1/monitoring/cases", params={"awaiting_me": "true"}, headers=services.headers(role, region)
        )
        assert page.status_code == 200, page.text
        return [c["id"] for c in page.json()["items"] if c["id"] == case["id"]]

    mine = [case["id"]]
    assert await inbox("work_team", ASIER) == mine
    assert await inbox("department_officer", BANNER) == []
    await services.step(case["id"], "village_review", "work_team", ASIER)
    assert await inbox("work_team", ASIER) == []
    assert await inbox("village_official", ASIER) == mine  # the committee has yet to sign
    await services.step(case["id"], "village_review", "village_official", ASIER)
    assert await inbox("department_officer", BANNER) == mine
    await services.step(case["id"], "data_comparison", "department_officer", BANNER)
    assert await inbox("township_official", XINI) == mine
    assert await inbox("township_official", BALAGONG) == []
    await services.step(case["id"], "township_review", "township_official", XINI)
    await services.step(case["id"], "publish_notice", "township_official", XINI)
    assert await inbox("banner_official", BANNER) == []  # the notice is still open
    services.clock.advance(days=5, seconds=1)
    assert await inbox("banner_official", BANNER) == mine
    await services.step(case["id"], "confirm", "banner_official", BANNER)
    assert await inbox("village_official", ASIER) == mine
    assert await inbox("village_official", BAYIN) == []


# --- reliefs and measures -----------------------------------------------------------------------------


async def test_relief_first_measures_after_confirmation(services: Services) -> None:
    case = await services.open_case((await services.register())["id"])
    url = f"/api/v1/monitoring/cases/{case['id']}"
    village = services.headers("village_official", ASIER)
    relief = await services.monitoring.post(
        url + "/reliefs",
        json={
            "kind": "illness",
            "amount_fen": 300_000,
            "description": "临时救助",
            "granted_on": "2026-01-10",
        },
        headers=village,
    )
    assert relief.status_code == 201, relief.text
    measure = {
        "kind": "medical",
        "description": "落实大病保险",
        "cadre_name": "张建国",
        "started_on": "2026-01-15",
    }
    early = await services.monitoring.post(url + "/measures", json=measure, headers=village)
    assert early.status_code == 409
    bad = await services.monitoring.post(
        url + "/reliefs",
        json={"kind": "flood", "amount_fen": -5, "description": "x", "granted_on": "soon"},
        headers=village,
    )
    assert {e["field"] for e in bad.json()["errors"]} >= {"kind", "amount_fen", "granted_on"}

    await services.to_notice(case["id"])
    services.clock.advance(days=6)
    await services.step(case["id"], "confirm", "banner_official", BANNER)
    added = await services.monitoring.post(url + "/measures", json=measure, headers=village)
    assert added.status_code == 201, added.text
    patched = await services.monitoring.patch(
        url + f"/measures/{added.json()['id']}",
        json={"outcome": "报销比例达 90%", "completed_on": "2026-02-01"},
        headers=services.headers("work_team", ASIER),
    )
    assert patched.status_code == 200 and patched.json()["completed_on"] == "2026-02-01"
    detail = (await services.monitoring.get(url, headers=village)).json()
    assert [r["amount_fen"] for r in detail["reliefs"]] == [300_000]
    assert [m["outcome"] for m in detail["measures"]] == ["报销比例达 90%"]
    unknown = await services.monitoring.patch(
        url + "/measures/00000000-0000-0000-0000-000000000000", json={"outcome": "x"}, headers=village
    )
    assert unknown.status_code == 404


# --- audit --------------------------------------------------------------------------------------------


async def test_every_change_is_audited_in_the_case_village(services: Services, settings: Settings) -> None:
    case = await services.open_case((await services.register())["id"])
    await services.step(case["id"], "village_review", "work_team", ASIER)
    await services.step(case["id"], "village_review", "village_official", ASIER)
    await services.step(case["id"], "reject", "department_officer", BANNER, comment="比对发现有财政供养人员")
    entries = await rows(
        settings, select(audit_log.c.action, audit_log.c.region, audit_log.c.role).order_by(audit_log.c.seq)
    )
    assert entries == [
        ("case.open", ASIER, "village_official"),
        ("case.village_review", ASIER, "work_team"),
        ("case.village_review", ASIER, "village_official"),
        ("case.reject", ASIER, "department_officer"),
    ]
    db = Database.from_url(settings.database_url("monitoring"))
    async with db.session_scope() as session:
        assert await verify_chain(session, audit_log) is None
        assert (await session.execute(select(func.count()).select_from(audit_log))).scalar_one() == 4
    await db.dispose()


async def test_the_openapi_documents_every_route_with_models(services: Services) -> None:
    spec = (await services.monitoring.get("/openapi.json")).json()
    paths = spec["paths"]
    for path, method in (
        ("/api/v1/monitoring/cases", "post"),
        ("/api/v1/monitoring/cases", "get"),
        ("/api/v1/monitoring/cases/{case_id}", "get"),
        ("/api/v1/monitoring/cases/{case_id}/transitions", "post"),
        ("/api/v1/monitoring/cases/{case_id}/objections", "post"),
        ("/api/v1/monitoring/cases/{case_id}/measures", "post"),
        ("/api/v1/monitoring/notices", "get"),
        ("/api/v1/monitoring/visits", "post"),
        ("/api/v1/monitoring/department-records", "post"),
        ("/api/v1/monitoring/alerts", "get"),
        ("/api/v1/monitoring/thresholds/{year}", "get"),
        ("/api/v1/monitoring/thresholds/{year}", "put"),
    ):
        operation = paths[path][method]
        ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
        assert "$ref" in ok["content"]["application/json"]["schema"], (path, method)
