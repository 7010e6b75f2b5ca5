"""The demo's insurance, renovations and water fixes: every list of them has rows on first start, one
renovation accepted and one fix done among open ones; twice adds nothing."""

from datetime import date

import pytest
from sqlmodel import select

from deploy.manage import seed_demo_assistance
from services.monitoring import guarantee_rules
from services.monitoring.models import DropoutFollowUp, HousingRenovation, InsuranceRecord, WaterFix
from shared.db import Database
from shared.settings import Settings
from tests.monitoring.test_demo import _registry

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_the_demo_fills_the_insurance_renovation_and_water_lists_once(settings: Settings) -> None:
    await _registry(settings)
    monitoring = Database.from_url(settings.database_url("monitoring"))
    try:
        async with monitoring.session_scope() as session:
            assert await seed_demo_assistance(session, settings=settings) > 0
        async with monitoring.session_scope() as session:
            assert await seed_demo_assistance(session, settings=settings) == 0
            insurance = (await session.exec(select(InsuranceRecord))).all()
            renovations = (await session.exec(select(HousingRenovation))).all()
            fixes = (await session.exec(select(WaterFix))).all()
            follow_ups = (await session.exec(select(DropoutFollowUp))).all()
    finally:
        await monitoring.dispose()
    assert insurance and all(r.paid_on_behalf_fen <= r.premium_fen for r in insurance)
    assert any(r.paid_on_behalf_fen for r in insurance)
    statuses = sorted(
        guarantee_rules.renovation_status(r.started_on, r.completed_on, r.accepted_on) for r in renovations
    )
    assert statuses == ["accepted", "planned", "under_way"]
    for r in renovations:
        steps = [
            ("assessed_on", r.assessed_on),
            ("started_on", r.started_on),
            ("completed_on", r.completed_on),
        ]
        assert guarantee_rules.steps_refusal([*steps, ("accepted_on", r.accepted_on)], date.max) is None
    assert sorted(f.done_on is not None for f in fixes) == [False, True]
    # a 送学上门 for the village's first child out of school, when the demo's 600 households have one
    assert [f.action for f in follow_ups] in ([], ["home_schooling_delivered"])
