"""The demo's assistance and employment: every new list has rows on first start; twice adds nothing."""

from datetime import date

import pytest
from sqlmodel import select

from deploy.manage import seed_demo_assistance
from services.monitoring import assistance_rules
from services.monitoring.models import (
    AssistancePlan,
    DepartmentFinding,
    Engagement,
    Loan,
    PlanMeasure,
    Post,
    Training,
    WorkReliefProject,
    Workshop,
)
from services.registry.demo import seed_households
from services.registry.seed import seed_villages
from shared.crypto import FieldCipher
from shared.db import Database
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_the_demo_fills_every_assistance_and_employment_list_once(settings: Settings) -> None:
    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    registry = Database.from_url(settings.database_url("registry"))
    try:
        async with registry.session_scope() as session:
            await seed_villages(session)
            await seed_households(session, cipher=cipher, n=600)
    finally:
        await registry.dispose()
    monitoring = Database.from_url(settings.database_url("monitoring"))
    today = date.today()
    try:
        async with monitoring.session_scope() as session:
            assert await seed_demo_assistance(session, settings=settings) > 0
        async with monitoring.session_scope() as session:
            assert await seed_demo_assistance(session, settings=settings) == 0
            measures = (await session.exec(select(PlanMeasure))).all()
            assert (await session.exec(select(AssistancePlan))).all()
            assert any(m.status == "done" and m.evidence for m in measures)
            assert any(assistance_rules.measure_overdue(m.status, m.due_on, today) for m in measures)
            assert (await session.exec(select(DepartmentFinding))).all()
            loans = (await session.exec(select(Loan))).all()
            assert sum(loan.status == "active" and loan.due_on < today for loan in loans) == 1
            assert (await session.exec(select(Post))).all()
            for model in (Training, Workshop, WorkReliefProject):
                [source] = (await session.exec(select(model))).all()
                engaged = (
                    await session.exec(select(Engagement).where(Engagement.source_id == source.id))
                ).all()
                assert engaged
    finally:
        await monitoring.dispose()
