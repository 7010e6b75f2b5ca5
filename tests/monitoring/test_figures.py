"""The year's figures officials are assessed on, counted from monitoring's records: a visit recorded, a case
decided late or left past its date, a notice published after the decision date — each moves its figure."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.monitoring.conftest import ASIER, BALAGONG, BANNER, XINI, Services
from tests.security.objects import visit

YEAR = datetime.now(UTC).year
FIGURES = "/api/v1/monitoring/figures"


@pytest.fixture(autouse=True)
def midyear(services: Services) -> None:
    """Cases opened on 1 June, so a late decision still falls in the year."""
    services.clock.now = datetime(YEAR, 6, 1, 2, tzinfo=UTC)


async def figures(services: Services, role: str = "township_official", region: str = XINI) -> dict[str, Any]:
    response = await services.monitoring.get(
        FIGURES, params={"year": YEAR}, headers=services.headers(role, region)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def village(body: dict[str, Any], code: str = ASIER) -> dict[str, Any]:
    return next(v for v in body["villages"] if v["village_code"] == code)


async def test_decisions_within_the_time_limit_are_counted_apart_from_late_ones(services: Services) -> None:
    await services.confirmed((await services.register())["id"])
    on_time = village(await figures(services))
    assert (on_time["cases_decided"], on_time["cases_decided_on_time"], on_time["followed_households"]) == (
        1,
        1,
        1,
    )
    assert (on_time["notices_published"], on_time["notices_on_time"]) == (1, 1)

    late = await services.open_case((await services.register())["id"])
    services.clock.advance(days=16)
    await services.to_notice(late["id"])
    services.clock.advance(days=5, seconds=1)
    assert (await services.step(late["id"], "confirm", "banner_official", BANNER)).status_code == 200
    after = village(await figures(services))
    assert (after["cases_decided"], after["cases_decided_on_time"]) == (2, 1)
    assert (after["notices_published"], after["notices_on_time"]) == (2, 1)
    assert after["followed_households"] == 2 and after["cases_past_due"] == 0


async def test_an_undecided_case_past_its_date_is_counted(services: Services) -> None:
    await services.open_case((await services.register())["id"])
    assert village(await figures(services))["cases_past_due"] == 0
    services.clock.advance(days=15, hours=1)
    assert village(await figures(services))["cases_past_due"] == 1


async def test_a_recorded_visit_counts_for_the_village_and_its_visitor(services: Services) -> None:
    home = await services.register()
    assert (await figures(services))["villages"] == []
    response = await services.monitoring.post(
        "/api/v1/monitoring/visits",
        json=visit(home["id"]) | {"visited_on": f"{YEAR}-05-20"},
        headers=services.headers("work_team", ASIER, "asier-team"),
    )
    assert response.status_code == 201, response.text
    body = await figures(services)
    assert village(body)["visits"] == 1
    assert [(p["username"], p["visits"]) for p in body["people"]] == [("asier-team", 1)]


async def test_a_cadres_visits_count_only_the_households_in_their_charge(services: Services) -> None:
    mine, other = await services.register(), await services.register()
    plan = await services.monitoring.post(
        "/api/v1/monitoring/plans",
        json={"household_id": mine["id"], "responsible": {"username": "zhang.min", "display_name": "张敏"}},
        headers=services.headers("village_official", ASIER),
    )
    assert plan.status_code == 201, plan.text
    cadre = services.headers("village_official", ASIER, "zhang.min")

    async def visit_by_cadre(home: dict[str, Any], day: int) -> dict[str, Any]:
        response = await services.monitoring.post(
            "/api/v1/monitoring/visits",
            json=visit(home["id"]) | {"visited_on": f"{YEAR}-05-{day:02}"},
            headers=cadre,
        )
        assert response.status_code == 201, response.text
        body = await figures(services)
        return next(p for p in body["people"] if p["username"] == "zhang.min")

    in_charge = await visit_by_cadre(mine, 10)
    assert (in_charge["visits"], in_charge["responsible_visits"], in_charge["households_responsible"]) == (
        1,
        1,
        1,
    )
    elsewhere = await visit_by_cadre(other, 11)
    assert (elsewhere["visits"], elsewhere["responsible_visits"]) == (2, 1)  # not a household in their charge


async def test_figures_are_counted_in_the_callers_scope_for_assessors_only(services: Services) -> None:
    await services.open_case((await services.register())["id"])
    assert (await figures(services, "township_official", BALAGONG))["villages"] == []
    assert [v["village_code"] for v in (await figures(services, "auditor", BANNER))["villages"]] == [ASIER]
    refused = await services.monitoring.get(
        FIGURES, params={"year": YEAR}, headers=services.headers("village_official", ASIER)
    )
    assert refused.status_code == 403
