"""A visit recorded once however often a phone sends it (`Idempotency-Key`), and its 三保障 and water answers
reaching the household's registry record through the outbox, on both databases."""

import asyncio

import pytest

from tests.monitoring.conftest import ASIER, Services
from tests.monitoring.test_cases import eventually
from tests.monitoring.test_discovery import set_thresholds, visit_body

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")
VISITS = "/api/v1/monitoring/visits"


async def test_a_visit_sent_twice_with_its_key_is_recorded_once(services: Services) -> None:
    await set_thresholds(services, services.clock.now.year)
    home = await services.register()
    team = services.headers("work_team", ASIER)
    body = visit_body(home["id"], services.clock.now.date().isoformat(), water_secure=False)
    keyed = {**team, "Idempotency-Key": "device-7f3a-0001"}
    first = await services.monitoring.post(VISITS, json=body, headers=keyed)
    again = await services.monitoring.post(VISITS, json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json()["visit"]["id"] == first.json()["visit"]["id"]
    assert [a["kind"] for a in again.json()["alerts"]] == ["water_unsecured"]  # the first answer's alerts
    other = await services.monitoring.post(VISITS, json={**body, "note": "另一次走访"}, headers=keyed)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    listed = await services.monitoring.get(VISITS, params={"household_id": home["id"]}, headers=team)
    assert listed.json()["total"] == 1
    unkeyed = await services.monitoring.post(VISITS, json=body, headers=team)
    assert unkeyed.status_code == 201 and unkeyed.json()["visit"]["id"] != first.json()["visit"]["id"]


async def test_twins_sent_at_once_with_one_key_answer_the_one_visit(services: Services) -> None:
    """A phone that resends before the first answer arrives: every twin gets the visit recorded once."""
    home = await services.register()
    team = services.headers("work_team", ASIER)
    body = visit_body(home["id"], services.clock.now.date().isoformat())
    keyed = {**team, "Idempotency-Key": "device-7f3a-0002"}
    twins = (services.monitoring.post(VISITS, json=body, headers=keyed) for _ in range(4))
    answers = await asyncio.gather(*twins)
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["visit"]["id"] for a in answers}) == 1
    listed = await services.monitoring.get(VISITS, params={"household_id": home["id"]}, headers=team)
    assert listed.json()["total"] == 1


async def test_a_visit_s_findings_set_the_registry_flags_once(services: Services) -> None:
    home = await services.register()
    assert home["water_secure"] is True and home["medical_secure"] is True
    team = services.headers("work_team", ASIER)
    body = visit_body(home["id"], services.clock.now.date().isoformat(), water_secure=False)
    assert (await services.monitoring.post(VISITS, json=body, headers=team)).status_code == 201
    village = services.headers("village_official", ASIER)
    url = f"/api/v1/households/{home['id']}"

    async def water_flag_off() -> bool:
        await services.app.state.dispatcher.dispatch_due()
        return (await services.registry.get(url, headers=village)).json()["water_secure"] is False

    await eventually(water_flag_off)
    trail = (await services.registry.get(f"{url}/changes", headers=village)).json()
    [change] = [c for c in trail if c["field"] == "water_secure"]
    assert (change["before"], change["after"], change["actor"]) == (True, False, "svc-monitoring")
    # The same findings again change nothing and leave no second entry in the trail.
    assert (await services.monitoring.post(VISITS, json=body, headers=team)).status_code == 201
    await services.app.state.dispatcher.dispatch_due()
    trail = (await services.registry.get(f"{url}/changes", headers=village)).json()
    assert [c["field"] for c in trail].count("water_secure") == 1


async def test_only_monitoring_sets_the_flags(services: Services) -> None:
    home = await services.register()
    findings = {
        "education_secure": True,
        "medical_secure": True,
        "housing_secure": True,
        "water_secure": False,
        "visit_id": home["id"],
        "visited_on": services.clock.now.date().isoformat(),
    }
    url = f"/api/v1/households/{home['id']}/guarantees"
    refused = await services.registry.put(
        url, json=findings, headers=services.headers("village_official", ASIER)
    )
    assert refused.status_code == 403
    after = await services.registry.get(
        f"/api/v1/households/{home['id']}", headers=services.headers("village_official", ASIER)
    )
    assert after.json()["water_secure"] is True
