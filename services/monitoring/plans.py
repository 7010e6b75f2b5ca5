"""Household assistance plans (一户一策): one per household, with its responsible cadre and typed measures,
always read within the caller's scope."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import assistance_rules
from services.monitoring.clients import RegistryClient
from services.monitoring.models import AssistancePlan, PlanMeasure, audit_log, aware
from services.monitoring.schemas import (
    PlanCreate,
    PlanMeasureIn,
    PlanMeasurePublic,
    PlanMeasureUpdate,
    PlanPublic,
    PlanUpdate,
    Responsible,
)
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.monitoring import MeasureStatus


def scoped_plans(principal: Principal) -> Any:
    """The only way this module reads plans: inside the caller's region."""
    return scoped(select(AssistancePlan), AssistancePlan.region_code, principal)


async def get_plan(session: AsyncSession, *, principal: Principal, plan_id: uuid.UUID) -> AssistancePlan:
    statement = scoped_plans(principal).where(AssistancePlan.id == plan_id)
    return await fetch_in_scope(session, statement, what="plan")


async def plan_of(
    session: AsyncSession, *, principal: Principal, household_id: uuid.UUID, today: date
) -> PlanPublic:
    """A household's plan, or 404 when it has none (or lies outside the caller's scope)."""
    statement = scoped_plans(principal).where(AssistancePlan.household_id == household_id)
    plan = await fetch_in_scope(session, statement, what="plan")
    return await public(session, plan, today=today)


async def public(session: AsyncSession, plan: AssistancePlan, *, today: date) -> PlanPublic:
    return (await _public(session, [plan], today=today))[0]


def _measure_public(m: PlanMeasure, today: date) -> PlanMeasurePublic:
    return PlanMeasurePublic.model_validate(
        {
            **m.model_dump(),
            "overdue": assistance_rules.measure_overdue(m.status, m.due_on, today),
            "recorded_at": aware(m.recorded_at),
            "updated_at": aware(m.updated_at),
        }
    )


async def _public(session: AsyncSession, plans: Sequence[AssistancePlan], *, today: date) -> list[PlanPublic]:
    """Plans with their measures, read in one query."""
    ids = [p.id for p in plans]
    rows = await session.exec(
        select(PlanMeasure)
        .where(col(PlanMeasure.plan_id).in_(ids))
        .order_by(col(PlanMeasure.due_on), col(PlanMeasure.recorded_at))
    )
    measures: dict[uuid.UUID, list[PlanMeasurePublic]] = {i: [] for i in ids}
    for m in rows:
        measures[m.plan_id].append(_measure_public(m, today))
    return [
        PlanPublic(
            **p.model_dump(exclude={"responsible_username", "responsible_display_name"}),
            responsible=Responsible(username=p.responsible_username, display_name=p.responsible_display_name),
            measures=measures[p.id],
            overdue_measures=sum(m.overdue for m in measures[p.id]),
        ).model_copy(update={"created_at": aware(p.created_at), "updated_at": aware(p.updated_at)})
        for p in plans
    ]


def _overdue_clause(today: date) -> Any:
    return exists().where(
        PlanMeasure.plan_id == AssistancePlan.id,
        PlanMeasure.status != MeasureStatus.done,
        PlanMeasure.due_on < today,
    )


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    overdue: bool | None,
    wants_loan: bool | None,
    page: int,
    page_size: int,
    today: date,
) -> tuple[list[PlanPublic], int]:
    """Plans in scope; `overdue=true` keeps those with a measure past its due date (the inbox's list)."""
    statement = narrowed(select(AssistancePlan), AssistancePlan.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(AssistancePlan.household_id == household_id)
    if overdue is not None:
        clause = _overdue_clause(today)
        statement = statement.where(clause if overdue else ~clause)
    if wants_loan is not None:
        statement = statement.where(AssistancePlan.wants_loan == wants_loan)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    plans = list(
        await session.exec(
            statement.order_by(col(AssistancePlan.region_code), col(AssistancePlan.household_number))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return await _public(session, plans, today=today), int(total)


def _check_measure(status: str, evidence: str | None, field: str) -> None:
    if reason := assistance_rules.measure_refusal(status, evidence):
        raise Invalid.field(field, reason)


def _new_measure(
    plan: AssistancePlan, data: PlanMeasureIn, principal: Principal, now: datetime
) -> PlanMeasure:
    return PlanMeasure(
        plan_id=plan.id,
        **data.model_dump(),
        completed_on=now.date() if data.status == MeasureStatus.done else None,
        recorded_by=principal.subject,
        recorded_at=now,
        updated_at=now,
    )


async def create_plan(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: PlanCreate, now: datetime
) -> PlanPublic:
    """Make a household's plan; 409 if it has one already, 422 if its category has no place for one."""
    for index, measure in enumerate(data.measures):
        _check_measure(measure.status, measure.evidence, f"measures.{index}.evidence")
    household = await registry.household(token=principal.token, household_id=data.household_id)
    if household is None:
        raise Invalid.field("household_id", "该户不存在或不在您的管辖范围内")
    if reason := assistance_rules.plan_refusal(household.category):
        raise Invalid.field("household_id", reason)
    existing = (
        await session.exec(select(AssistancePlan.id).where(AssistancePlan.household_id == household.id))
    ).first()
    if existing is not None:
        raise Conflict("该户已有一户一策帮扶计划，请修改原计划")
    plan = AssistancePlan(
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        head_name=household.head_name,
        category=household.category,
        responsible_username=data.responsible.username,
        responsible_display_name=data.responsible.display_name,
        wants_loan=data.wants_loan,
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    await session.flush()
    session.add_all([_new_measure(plan, m, principal, now) for m in data.measures])
    await session.flush()
    await _audit(
        session,
        principal,
        plan,
        "plan.create",
        after={"responsible": data.responsible.username, "measures": len(data.measures)},
    )
    return await public(session, plan, today=now.date())


async def update_plan(
    session: AsyncSession, *, principal: Principal, plan: AssistancePlan, data: PlanUpdate, now: datetime
) -> PlanPublic:
    """Hand the plan to another cadre, or record the household's wish to borrow."""
    before = {"responsible": plan.responsible_username, "wants_loan": plan.wants_loan}
    if data.responsible is not None:
        plan.responsible_username = data.responsible.username
        plan.responsible_display_name = data.responsible.display_name
    if data.wants_loan is not None:
        plan.wants_loan = data.wants_loan
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    after = {"responsible": plan.responsible_username, "wants_loan": plan.wants_loan}
    await _audit(session, principal, plan, "plan.update", before=before, after=after)
    return await public(session, plan, today=now.date())


async def add_measure(
    session: AsyncSession, *, principal: Principal, plan: AssistancePlan, data: PlanMeasureIn, now: datetime
) -> PlanMeasurePublic:
    _check_measure(data.status, data.evidence, "evidence")
    measure = _new_measure(plan, data, principal, now)
    session.add(measure)
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    await _audit(
        session,
        principal,
        plan,
        "plan.measure.create",
        after={"measure_id": str(measure.id), "kind": data.kind},
    )
    return _measure_public(measure, now.date())


async def update_measure(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: AssistancePlan,
    measure_id: uuid.UUID,
    data: PlanMeasureUpdate,
    now: datetime,
) -> PlanMeasurePublic:
    """Move a measure on (planned → in progress → done with evidence), or change its target or date."""
    statement = select(PlanMeasure).where(PlanMeasure.id == measure_id, PlanMeasure.plan_id == plan.id)
    measure = (await session.exec(statement)).first()
    if measure is None:
        raise NotFound("measure not found")
    changes = data.model_dump(exclude_unset=True)
    status = changes.get("status") or measure.status
    _check_measure(status, changes.get("evidence", measure.evidence), "evidence")
    before = {name: _plain(getattr(measure, name)) for name in changes}
    for name, value in changes.items():
        setattr(measure, name, value)
    measure.status = status
    if status == MeasureStatus.done and measure.completed_on is None:
        measure.completed_on = now.date()
    elif status != MeasureStatus.done:
        measure.completed_on = None
    measure.updated_at = now
    session.add(measure)
    await session.flush()
    after = {name: _plain(getattr(measure, name)) for name in changes}
    await _audit(session, principal, plan, "plan.measure.update", before=before, after=after)
    return _measure_public(measure, now.date())


async def done_measures(session: AsyncSession, household_id: uuid.UUID) -> int:
    """How many of the household's plan measures are done, for risk elimination."""
    statement = (
        select(func.count())
        .select_from(PlanMeasure)
        .join(AssistancePlan, col(AssistancePlan.id) == col(PlanMeasure.plan_id))
        .where(AssistancePlan.household_id == household_id, PlanMeasure.status == MeasureStatus.done)
    )
    return int((await session.exec(statement)).one())


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def _audit(
    session: AsyncSession, principal: Principal, plan: AssistancePlan, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=plan.region_code,
        action=action,
        entity="assistance_plan",
        entity_id=str(plan.id),
        **change,
    )
