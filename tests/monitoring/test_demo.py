"""The demo's monitoring: every list has rows on first start, true to the registry; twice adds nothing."""

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from deploy.manage import seed_demo_assistance, seed_demo_cases
from gateway.seed import DEMO_USERS
from services.monitoring import assistance_rules, rules
from services.monitoring.case_demo import VILLAGES
from services.monitoring.models import (
    Alert,
    AssistancePlan,
    CaseSignature,
    CaseStep,
    DepartmentFinding,
    Engagement,
    Loan,
    MonitoringCase,
    PlanMeasure,
    Post,
    Training,
    Visit,
    WorkReliefProject,
    Workshop,
    aware,
)
from services.monitoring.work_teams import DEMO_WORK_TEAMS
from services.registry.demo import seed_households
from services.registry.models import Household
from services.registry.seed import seed_villages
from shared.crypto import FieldCipher
from shared.db import Database
from shared.settings import Settings
from shared.vocabulary.monitoring import Action, AlertStatus, CaseStatus

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


async def _registry(settings: Settings) -> dict[uuid.UUID, Household]:
    """The demo villages and 600 households; the demo villages' households by id."""
    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    registry = Database.from_url(settings.database_url("registry"))
    try:
        async with registry.session_scope() as session:
            await seed_villages(session)
            await seed_households(session, cipher=cipher, n=600)
            homes = await session.exec(select(Household).where(col(Household.region_code).in_(VILLAGES)))
            return {h.id: h for h in homes}
    finally:
        await registry.dispose()


def _replays(steps: list[CaseStep], region: str) -> bool:
    """Each step is one the procedure's rules allow its actor, in the account's role and region, and leads
    where the rules lead (the village review's signatures counted as they were given)."""
    accounts = {name: (role, at) for name, role, at, _ in DEMO_USERS}
    signatures: list[rules.Signature] = []
    for before, step in itertools.pairwise(steps):
        role, actor_region = accounts[step.actor]
        if role != step.role or step.from_status != before.to_status:
            return False
        facts = rules.CaseFacts(signatures=tuple(signatures), work_team_on_record=region in DEMO_WORK_TEAMS)
        outcome = rules.next_status(
            CaseStatus(step.from_status),
            Action(step.action),
            role,
            actor_region,
            region,
            facts=facts,
            actor=step.actor,
        )
        if outcome != step.to_status:
            return False
        if step.action == Action.village_review:
            signatures.append(rules.Signature(step.actor, role))
    return True


async def test_the_demo_holds_a_year_of_cases_in_every_status_once(settings: Settings) -> None:
    homes = await _registry(settings)
    monitoring = Database.from_url(settings.database_url("monitoring"))
    now = datetime.now(UTC)
    try:
        async with monitoring.session_scope() as session:
            assert await seed_demo_cases(session, settings=settings) > 0
        async with monitoring.session_scope() as session:
            assert await seed_demo_cases(session, settings=settings) == 0
            cases = (await session.exec(select(MonitoringCase))).all()
            steps = (await session.exec(select(CaseStep).order_by(col(CaseStep.position)))).all()
            signatures = (await session.exec(select(CaseSignature))).all()
            visits = (await session.exec(select(Visit))).all()
            alerts = (await session.exec(select(Alert))).all()
    finally:
        await monitoring.dispose()

    assert {c.status for c in cases} == set(CaseStatus)
    assert {c.region_code for c in cases} == set(VILLAGES)
    for case in cases:
        home = homes[case.household_id]
        assert (case.region_code, case.household_number, case.head_name) == (
            home.region_code,
            home.number,
            home.head_name,
        )
        trail = [s for s in steps if s.case_id == case.id]
        assert [s.position for s in trail] == list(range(len(trail)))
        assert all(a.at < b.at for a, b in itertools.pairwise(trail)) and aware(trail[-1].at) < now
        assert trail[-1].to_status == case.status and _replays(trail, case.region_code)
        # The registry already holds what the case's confirmation or elimination made of the household.
        if case.status == CaseStatus.risk_eliminated:
            assert home.category == case.return_category
        elif case.confirmed_category is not None:
            assert home.category == case.confirmed_category
        elif case.status != CaseStatus.rejected:
            assert home.category not in rules.LIFTED_OUT | {"marginal", "sudden_hardship"}
    applied = [c for c in cases if c.status == CaseStatus.applied and c.region_code == VILLAGES[0]]
    assert sorted(sum(s.case_id == c.id for s in signatures) for c in applied) == [0, 1]
    [notice] = [c for c in cases if c.status == CaseStatus.in_public_notice][:1]
    assert aware(notice.notice_ends_at) > now
    # Visits over the past months, some households past their month; alerts open and turned into cases.
    assert min(v.visited_on for v in visits) < date.today() - timedelta(days=180)
    assert set(homes) >= {v.household_id for v in visits}
    assert any(a.status == AlertStatus.open for a in alerts)
    case_ids = {c.id: c for c in cases}
    converted = [a for a in alerts if a.status == AlertStatus.converted]
    assert converted and all(case_ids[a.case_id].alert_id == a.id for a in converted)
