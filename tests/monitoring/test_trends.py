"""Cases per month for the dashboard's chart: a case opened counts in its month, a rejection closes it, and
the days from discovery to the township's decision give the month's median; only the caller's scope counts."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.monitoring.conftest import ASIER, BALAGONG, BANNER, XINI, Services

TREND = "/api/v1/monitoring/stats/cases"
YEAR = datetime.now(UTC).year - 1  # a whole past year, so the months asked for are fixed


@pytest.fixture(autouse=True)
def in_june(services: Services) -> None:
    services.clock.now = datetime(YEAR, 6, 3, 2, tzinfo=UTC)


async def months(services: Services, role: str = "township_official", region: str = XINI) -> dict[str, Any]:
    response = await services.monitoring.get(
        TREND, params={"months": 3}, headers=services.headers(role, region)
    )
    assert response.status_code == 200, response.text
    return {m["month"]: m for m in response.json()["months"]}


async def test_opened_decided_and_closed_cases_count_in_their_months(services: Services) -> None:
    await services.confirmed((await services.register())["id"])  # decided within days of discovery
    rejected = await services.open_case((await services.register())["id"])
    services.clock.advance(days=30)
    assert (await services.step(rejected["id"], "reject", "village_official", ASIER)).status_code == 200

    by_month = await months(services)
    assert list(by_month) == [f"{YEAR}-05", f"{YEAR}-06", f"{YEAR}-07"]
    june, july = by_month[f"{YEAR}-06"], by_month[f"{YEAR}-07"]
    assert (june["opened"], june["decided"], june["closed"]) == (2, 1, 0)
    assert june["median_days_to_decision"] is not None and 0 <= june["median_days_to_decision"] < 15
    assert (july["opened"], july["closed"]) == (0, 1)
    assert by_month[f"{YEAR}-05"]["median_days_to_decision"] is None


async def test_only_the_callers_scope_counts(services: Services) -> None:
    await services.open_case((await services.register())["id"])
    assert (await months(services, "township_official", BALAGONG))[f"{YEAR}-06"]["opened"] == 0
    assert (await months(services, "banner_official", BANNER))[f"{YEAR}-06"]["opened"] == 1
    too_many = await services.monitoring.get(
        TREND, params={"months": 37}, headers=services.headers("banner_official", BANNER)
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "months"
