"""Skills trainings, assistance workshops (扶贫车间) and work-relief projects (以工代赈, seed §五(八)), each
with the registry's members engaged in it: trained with a certificate, employed since a day, or paid for a
month's labour — read within the caller's scope."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import employment_rules, members
from services.monitoring.clients import RegistryClient
from services.monitoring.employment_schemas import (
    EngagedMember,
    LabourCreate,
    ProjectCreate,
    ProjectPublic,
    TrainingCreate,
    TrainingPublic,
    WageEntitlement,
    WorkshopCreate,
    WorkshopPublic,
)
from services.monitoring.models import (
    Engagement,
    Training,
    WorkReliefProject,
    Workshop,
    audit_log,
    aware,
)
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.regions import is_within
from shared.scope import fetch_in_scope, narrowed

TRAINING, WORKSHOP, WORK_RELIEF = "training", "workshop", "work_relief"
Source = Training | Workshop | WorkReliefProject


def _in_scope(region: str, principal: Principal, field: str) -> None:
    if not is_within(region, principal.region):
        raise Invalid.field(field, "不在您的管辖范围内")


async def _engaged(
    session: AsyncSession, source_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Engagement]]:
    rows = await session.exec(
        select(Engagement)
        .where(col(Engagement.source_id).in_(source_ids))
        .order_by(col(Engagement.month), col(Engagement.household_number), col(Engagement.member_name))
    )
    engaged: dict[uuid.UUID, list[Engagement]] = {i: [] for i in source_ids}
    for e in rows:
        engaged[e.source_id].append(e)
    return engaged


def _member(e: Engagement) -> EngagedMember:
    return EngagedMember.model_validate({**e.model_dump(), "month": e.month or None})


def _public(source: Source, engaged: list[Engagement]) -> Any:
    fields = {**source.model_dump(), "recorded_at": aware(source.recorded_at)}
    people = [_member(e) for e in engaged]
    if isinstance(source, Training):
        return TrainingPublic(**fields, trainees=people)
    if isinstance(source, Workshop):
        return WorkshopPublic(**fields, employees=people)
    return ProjectPublic(**fields, labour=people, wages_fen=sum(e.amount_fen or 0 for e in engaged))


async def search(
    session: AsyncSession,
    model: type[Source],
    *,
    principal: Principal,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[Any], int]:
    """Trainings, workshops or projects in scope, newest first, each with its members."""
    statement: Any = narrowed(select(model), model.region_code, principal, region)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = list(
        await session.exec(
            statement.order_by(col(model.recorded_at).desc(), col(model.id))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    engaged = await _engaged(session, [r.id for r in rows])
    return [_public(r, engaged[r.id]) for r in rows], int(total)


async def get_project(
    session: AsyncSession, *, principal: Principal, project_id: uuid.UUID
) -> WorkReliefProject:
    statement: Any = narrowed(select(WorkReliefProject), WorkReliefProject.region_code, principal, None)
    return await fetch_in_scope(session, statement.where(WorkReliefProject.id == project_id), what="project")


def _engagement(
    kind: str, source: Source, person: members.Person, principal: Principal, now: datetime, **fields: Any
) -> Engagement:
    return Engagement(
        kind=kind,
        source_id=source.id,
        household_id=person.household.id,
        region_code=person.household.region_code,
        household_number=person.household.number,
        member_id=person.member.id,
        member_name=person.member.name,
        member_id_masked=person.member.id_masked,
        recorded_by=principal.subject,
        recorded_at=now,
        **fields,
    )


def _once_each(refs: Sequence[tuple[uuid.UUID, uuid.UUID]], field: str) -> None:
    seen: set[uuid.UUID] = set()
    for index, (_, member_id) in enumerate(refs):
        if member_id in seen:
            raise Invalid.field(field.format(index), "同一成员重复列出")
        seen.add(member_id)


async def _record(
    session: AsyncSession, principal: Principal, source: Source, engaged: list[Engagement], action: str
) -> Any:
    session.add(source)
    await session.flush()
    session.add_all(engaged)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=source.region_code,
        action=action,
        entity=type(source).__tablename__,
        entity_id=str(source.id),
        after={"members": len(engaged)},
    )
    return _public(source, (await _engaged(session, [source.id]))[source.id])


async def create_training(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: TrainingCreate,
    now: datetime,
) -> TrainingPublic:
    """A course held, with the members it trained and their certificates."""
    _in_scope(data.region, principal, "region")
    refs = [(t.household_id, t.member_id) for t in data.trainees]
    _once_each(refs, "trainees.{}.member_id")
    people = await members.people(registry, principal, refs, field="trainees.{}.member_id")
    training = Training(
        **data.model_dump(exclude={"region", "trainees"}),
        region_code=data.region,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    engaged = [
        _engagement(
            TRAINING, training, p, principal, now, certificate=t.certificate, started_on=data.starts_on
        )
        for p, t in zip(people, data.trainees, strict=True)
    ]
    public: TrainingPublic = await _record(session, principal, training, engaged, "training.create")
    return public


async def create_workshop(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: WorkshopCreate,
    now: datetime,
) -> WorkshopPublic:
    """A workshop in a village, with the members it employs."""
    _in_scope(data.village_code, principal, "village_code")
    refs = [(e.household_id, e.member_id) for e in data.employees]
    _once_each(refs, "employees.{}.member_id")
    people = await members.people(registry, principal, refs, field="employees.{}.member_id")
    workshop = Workshop(
        name=data.name,
        operator=data.operator,
        region_code=data.village_code,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    engaged = [
        _engagement(WORKSHOP, workshop, p, principal, now, started_on=e.hired_on)
        for p, e in zip(people, data.employees, strict=True)
    ]
    public: WorkshopPublic = await _record(session, principal, workshop, engaged, "workshop.create")
    return public


async def create_project(
    session: AsyncSession, *, principal: Principal, data: ProjectCreate, now: datetime
) -> ProjectPublic:
    _in_scope(data.village_code, principal, "village_code")
    project = WorkReliefProject(
        name=data.name,
        region_code=data.village_code,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    public: ProjectPublic = await _record(session, principal, project, [], "work_relief.create")
    return public


async def record_labour(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    project: WorkReliefProject,
    data: LabourCreate,
    now: datetime,
) -> ProjectPublic:
    """A month's labour on a project and its wages, each member once a month (its wage is then owed once)."""
    first, last = employment_rules.month_bounds(data.month)
    if last < project.starts_on or first > project.ends_on:
        raise Invalid.field("month", "该月不在项目工期内")
    refs = [(w.household_id, w.member_id) for w in data.labour]
    _once_each(refs, "labour.{}.member_id")
    recorded = await session.exec(
        select(Engagement.member_id).where(
            Engagement.source_id == project.id,
            Engagement.month == data.month,
            col(Engagement.member_id).in_([m for _, m in refs]),
        )
    )
    if already := set(recorded):
        raise Conflict(f"{data.month} 已登记过其中 {len(already)} 名成员的劳务，不能重复登记")
    people = await members.people(registry, principal, refs, field="labour.{}.member_id")
    engaged = [
        _engagement(
            WORK_RELIEF, project, p, principal, now, month=data.month, days=w.days, amount_fen=w.amount_fen
        )
        for p, w in zip(people, data.labour, strict=True)
    ]
    public: ProjectPublic = await _record(session, principal, project, engaged, "work_relief.labour")
    return public


async def work_relief_entitlements(
    session: AsyncSession, *, principal: Principal, region: str, month: str
) -> list[WageEntitlement]:
    """Each member's labour wage for `month` in `region`, one entitlement per recorded month of labour."""
    statement: Any = (
        narrowed(select(Engagement, WorkReliefProject.name), Engagement.region_code, principal, region)
        .join(WorkReliefProject, col(WorkReliefProject.id) == col(Engagement.source_id))
        .where(Engagement.kind == WORK_RELIEF, Engagement.month == month)
        .order_by(col(Engagement.region_code), col(Engagement.household_number), col(Engagement.id))
    )
    return [
        WageEntitlement(
            key=employment_rules.work_relief_key(e.id),
            household_id=e.household_id,
            household_number=e.household_number,
            region_code=e.region_code,
            payee_name=e.member_name,
            payee_id_masked=e.member_id_masked,
            amount_fen=e.amount_fen or 0,
            detail={
                "project_id": str(e.source_id),
                "project": name,
                "month": month,
                "days": str(e.days),
                "member_id": str(e.member_id),  # the labourer beside the account's payee on the batch line
                "name": e.member_name,
            },
        )
        for e, name in await session.exec(statement)
    ]
