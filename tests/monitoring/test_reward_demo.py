"""The demo's industry results (以奖代补): verified ones by the demo's own visits to the same household, one
still waiting for a visit; twice adds nothing."""

import pytest
from sqlmodel import select

from deploy.manage import seed_demo_cases
from services.monitoring.models import IndustryResult, Visit
from services.monitoring.reward_demo import seed_industry_results
from shared.db import Database
from shared.settings import Settings
from tests.monitoring.test_demo import _registry

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_the_demo_records_results_verified_at_its_visits_and_one_waiting(settings: Settings) -> None:
    await _registry(settings)
    monitoring = Database.from_url(settings.database_url("monitoring"))
    try:
        async with monitoring.session_scope() as session:
            await seed_demo_cases(session, settings=settings)
            assert await seed_industry_results(session) == 4
        async with monitoring.session_scope() as session:
            assert await seed_industry_results(session) == 0
            results = (await session.exec(select(IndustryResult))).all()
            visits = {v.id: v for v in (await session.exec(select(Visit))).all()}
    finally:
        await monitoring.dispose()
    verified = [r for r in results if r.visit_id is not None]
    assert (len(verified), len(results)) == (3, 4)
    for result in verified:
        seen = visits[result.visit_id]  # type: ignore[index]
        assert (seen.household_id, seen.visitor, seen.visited_on) == (
            result.household_id,
            result.verified_by,
            result.verified_on,
        )
        assert result.achieved_on <= seen.visited_on
    assert len({r.household_id for r in results}) == 4
