"""Housing and drinking water per household over HTTP: a dangerous house's renovation from its appraisal to
its acceptance, a drinking-water problem to its fix, each within the caller's scope; acceptance and a fix
done put the household's flag back to secure on its registry record through the outbox."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from tests.monitoring.conftest import ASIER, BANNER, BAYIN, Services
from tests.monitoring.test_cases import eventually
from tests.monitoring.test_discovery import visit_body

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")
RENOVATIONS = "/api/v1/monitoring/renovations"
WATER_FIXES = "/api/v1/monitoring/water-fixes"


async def unsafe_visit(services: Services, household_id: str, **flags: bool) -> None:
    """A visit that finds the household's housing or water unsafe, delivered to the registry."""
    body = visit_body(household_id, services.clock.now.date().isoformat(), **flags)
    team = services.headers("work_team", ASIER)
    assert (
        await services.monitoring.post("/api/v1/monitoring/visits", json=body, headers=team)
    ).status_code == 201
    await services.app.state.dispatcher.dispatch_due()

    async def shown() -> bool:  # the app's own dispatcher may have claimed the message first
        return all([await flag(services, household_id, name) is value for name, value in flags.items()])

    await eventually(shown)


async def flag(services: Services, household_id: str, name: str) -> Any:
    village = services.headers("village_official", ASIER)
    return (await services.registry.get(f"/api/v1/households/{household_id}", headers=village)).json()[name]


async def test_an_accepted_renovation_makes_the_house_secure_again(services: Services) -> None:
    home = await services.register()
    await unsafe_visit(services, home["id"], housing_secure=False)
    assert await flag(services, home["id"], "housing_secure") is False
    village = services.headers("village_official", ASIER)
    today = services.clock.now.date()
    body = {
        "household_id": home["id"],
        "grade": "d",
        "assessed_on": str(today - timedelta(days=90)),
        "kind": "rebuild",
        "subsidy_fen": 4_000_000,
    }
    made = await services.monitoring.post(RENOVATIONS, json=body, headers=village)
    assert made.status_code == 201, made.text
    renovation = made.json()
    assert (renovation["status"], renovation["head_name"]) == ("planned", home["head_name"])
    twice = await services.monitoring.post(RENOVATIONS, json=body, headers=village)
    assert twice.status_code == 409  # one unaccepted renovation per household
    url = f"{RENOVATIONS}/{renovation['id']}"
    skipped = await services.monitoring.patch(url, json={"completed_on": str(today)}, headers=village)
    assert skipped.status_code == 422 and skipped.json()["errors"][0]["field"] == "completed_on"
    early = await services.monitoring.patch(
        url, json={"started_on": str(today - timedelta(days=91))}, headers=village
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "started_on"
    started = await services.monitoring.patch(
        url, json={"started_on": str(today - timedelta(days=60))}, headers=village
    )
    assert started.json()["status"] == "under_way"
    completed = await services.monitoring.patch(
        url, json={"completed_on": str(today - timedelta(days=5))}, headers=village
    )
    assert completed.json()["status"] == "completed"
    await services.app.state.dispatcher.dispatch_due()
    assert await flag(services, home["id"], "housing_secure") is False  # completed is not accepted
    nameless = await services.monitoring.patch(url, json={"accepted_on": str(today)}, headers=village)
    assert nameless.status_code == 422 and nameless.json()["errors"][0]["field"] == "accepted_by"
    bayin = services.headers("village_official", BAYIN)
    hidden = await services.monitoring.patch(
        url, json={"accepted_on": str(today), "accepted_by": "旗住建局"}, headers=bayin
    )
    assert hidden.status_code == 404
    accepted = await services.monitoring.patch(
        url,
        json={"accepted_on": str(today), "accepted_by": "旗住建局 王工"},
        headers=services.headers("department_officer", BANNER),
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["accepted_by"]) == ("accepted", "旗住建局 王工")

    async def housing_secure() -> bool:
        await services.app.state.dispatcher.dispatch_due()
        return await flag(services, home["id"], "housing_secure") is True

    await eventually(housing_secure)
    assert await flag(services, home["id"], "water_secure") is True  # the other flags as they were
    closed = await services.monitoring.patch(url, json={"accepted_by": "别人"}, headers=village)
    assert closed.status_code == 409
    listed = await services.monitoring.get(
        RENOVATIONS, params={"household_id": home["id"], "accepted": "true"}, headers=village
    )
    assert [r["id"] for r in listed.json()["items"]] == [renovation["id"]]
    assert (await services.monitoring.get(RENOVATIONS, params={"accepted": "false"}, headers=village)).json()[
        "total"
    ] == 0
    assert (await services.monitoring.get(RENOVATIONS, headers=bayin)).json()["total"] == 0
    again = await services.monitoring.post(RENOVATIONS, json=body, headers=village)
    assert again.status_code == 201  # the first accepted, a new one may be recorded


async def test_a_renovation_is_recorded_only_for_a_household_in_scope(services: Services) -> None:
    home = await services.register()
    today = services.clock.now.date()
    body = {
        "household_id": home["id"],
        "grade": "c",
        "assessed_on": str(today),
        "kind": "reinforce",
        "subsidy_fen": 1_500_000,
    }
    elsewhere = await services.monitoring.post(
        RENOVATIONS, json=body, headers=services.headers("village_official", BAYIN)
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "household_id"
    graded_b = await services.monitoring.post(
        RENOVATIONS, json={**body, "grade": "b"}, headers=services.headers("village_official", ASIER)
    )
    assert graded_b.status_code == 422 and graded_b.json()["errors"][0]["field"] == "grade"
    tomorrow = await services.monitoring.post(
        RENOVATIONS,
        json={**body, "assessed_on": str(today + timedelta(days=1))},
        headers=services.headers("village_official", ASIER),
    )
    assert tomorrow.status_code == 422 and tomorrow.json()["errors"][0]["field"] == "assessed_on"


async def test_a_water_fix_done_makes_the_water_secure_again(services: Services) -> None:
    home = await services.register()
    await unsafe_visit(services, home["id"], water_secure=False)
    assert await flag(services, home["id"], "water_secure") is False
    team = services.headers("work_team", ASIER)
    today = services.clock.now.date()
    body = {
        "household_id": home["id"],
        "problem": "quality",
        "fix": "purifier",
        "found_on": str(today - timedelta(days=30)),
        "note": "井水氟超标",
    }
    made = await services.monitoring.post(WATER_FIXES, json=body, headers=team)
    assert made.status_code == 201, made.text
    assert made.json()["done"] is False
    same_problem = await services.monitoring.post(WATER_FIXES, json=body, headers=team)
    assert same_problem.status_code == 409
    other_problem = await services.monitoring.post(
        WATER_FIXES, json={**body, "problem": "quantity", "fix": "well"}, headers=team
    )
    assert other_problem.status_code == 201
    url = f"{WATER_FIXES}/{made.json()['id']}"
    done = await services.monitoring.patch(
        url, json={"started_on": str(today - timedelta(days=10)), "done_on": str(today)}, headers=team
    )
    assert done.status_code == 200 and done.json()["done"] is True

    async def water_secure() -> bool:
        await services.app.state.dispatcher.dispatch_due()
        return await flag(services, home["id"], "water_secure") is True

    await eventually(water_secure)
    assert await flag(services, home["id"], "housing_secure") is True
    page = await services.monitoring.get(WATER_FIXES, params={"done": "false"}, headers=team)
    assert [f["problem"] for f in page.json()["items"]] == ["quantity"]
    assert (
        await services.monitoring.patch(url, json={"done_on": str(today)}, headers=team)
    ).status_code == 409


async def test_renovations_recorded_at_once_leave_one(services: Services) -> None:
    home = await services.register()
    village = services.headers("village_official", ASIER)
    body = {
        "household_id": home["id"],
        "grade": "d",
        "assessed_on": str(services.clock.now.date()),
        "kind": "rebuild",
        "subsidy_fen": 4_000_000,
    }
    answers = await asyncio.gather(
        *(services.monitoring.post(RENOVATIONS, json=body, headers=village) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "尚未验收的危房改造" in refused.json()["detail"]  # the service's own conflict, not a bare one
    listed = await services.monitoring.get(RENOVATIONS, params={"household_id": home["id"]}, headers=village)
    assert listed.json()["total"] == 1


async def test_fixes_of_one_problem_recorded_at_once_leave_one(services: Services) -> None:
    home = await services.register()
    team = services.headers("work_team", ASIER)
    body = {
        "household_id": home["id"],
        "problem": "quantity",
        "fix": "well",
        "found_on": str(services.clock.now.date()),
    }
    answers = await asyncio.gather(
        *(services.monitoring.post(WATER_FIXES, json=body, headers=team) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    assert "尚未完成的整改" in next(a for a in answers if a.status_code == 409).json()["detail"]
    listed = await services.monitoring.get(WATER_FIXES, params={"household_id": home["id"]}, headers=team)
    assert listed.json()["total"] == 1


async def test_renovations_and_fixes_left_waiting_past_their_days_are_listed_as_overdue(
    services: Services,
) -> None:
    village = services.headers("village_official", ASIER)
    today = services.clock.now.date()

    def ago(days: int) -> str:
        return str(today - timedelta(days=days))

    async def renovation(**dates: str) -> str:
        home = await services.register()
        body = {"household_id": home["id"], "grade": "c", "kind": "reinforce", "subsidy_fen": 1_500_000}
        made = await services.monitoring.post(RENOVATIONS, json=body | dates, headers=village)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    not_started = await renovation(assessed_on=ago(31))  # due to start 30 days after the appraisal
    starting = await renovation(assessed_on=ago(30))
    not_accepted = await renovation(assessed_on=ago(200), started_on=ago(181))  # 180 days to acceptance
    building = await renovation(assessed_on=ago(200), started_on=ago(180))
    overdue = (await services.monitoring.get(RENOVATIONS, params={"overdue": "true"}, headers=village)).json()
    assert sorted(r["id"] for r in overdue["items"]) == sorted([not_started, not_accepted])
    assert {r["id"]: r["due_on"] for r in overdue["items"]} == {not_started: ago(1), not_accepted: ago(1)}
    in_time = (
        await services.monitoring.get(RENOVATIONS, params={"overdue": "false"}, headers=village)
    ).json()
    assert sorted(r["id"] for r in in_time["items"]) == sorted([starting, building])
    assert {r["overdue"] for r in in_time["items"]} == {False}

    team = services.headers("work_team", ASIER)
    for found in (31, 30):
        home = await services.register()
        body = {"household_id": home["id"], "problem": "access", "fix": "pipe_extension"}
        body["found_on"] = ago(found)
        assert (await services.monitoring.post(WATER_FIXES, json=body, headers=team)).status_code == 201
    late = (await services.monitoring.get(WATER_FIXES, params={"overdue": "true"}, headers=team)).json()
    assert [(f["found_on"], f["due_on"], f["overdue"]) for f in late["items"]] == [(ago(31), ago(1), True)]
    assert (await services.monitoring.get(WATER_FIXES, params={"overdue": "false"}, headers=team)).json()[
        "total"
    ] == 1
