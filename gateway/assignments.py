"""Assignments of work teams and 第一书记 to villages (seed §六(二)(三)), kept with the accounts they name.

帮扶责任人 are not recorded here: each household's assistance plan (monitoring, 一户一策) names its
responsible cadre, so the plan is the one record of who answers for a household, and the assessment reads it
from there rather than keeping a second list that could disagree.
"""

from typing import Any

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import Assignment, User, audit_log
from gateway.people_schemas import AssignmentCreate, AssignmentPublic
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.regions import is_within
from shared.roles import Role
from shared.scope import narrowed
from shared.vocabulary.people import AssignmentKind


def _public(assignment: Assignment, display_name: str | None) -> AssignmentPublic:
    return AssignmentPublic.model_validate({**assignment.model_dump(), "display_name": display_name})


async def create_assignment(
    session: AsyncSession, *, principal: Principal, data: AssignmentCreate
) -> AssignmentPublic:
    """Send a work team account to its village for a term; one 第一书记 per village at a time."""
    if data.kind == AssignmentKind.responsible:
        raise Invalid.field("kind", "帮扶责任人由各户帮扶计划（一户一策）确定，不在此登记")
    if not is_within(data.village_code, principal.region):
        raise Invalid.field("village_code", "该嘎查村不在本账号的辖区内")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise Invalid.field("ends_on", "结束日期不能早于开始日期")
    user = (await session.exec(select(User).where(User.username == data.username))).first()
    if user is None or not user.is_active or user.role != Role.work_team or user.region != data.village_code:
        raise Invalid.field("username", f"{data.username} 不是该嘎查村在用的驻村工作队账号")
    if data.kind == AssignmentKind.first_secretary:
        overlapping = (
            select(User)
            .join(Assignment, col(Assignment.username) == User.username)
            .where(
                Assignment.village_code == data.village_code,
                Assignment.kind == AssignmentKind.first_secretary,
                or_(col(Assignment.ends_on).is_(None), col(Assignment.ends_on) >= data.starts_on),
            )
        )
        if data.ends_on is not None:
            overlapping = overlapping.where(col(Assignment.starts_on) <= data.ends_on)
        if (sitting := (await session.exec(overlapping)).first()) is not None:
            raise Conflict(f"该嘎查村在这一任期内已有第一书记{sitting.display_name or sitting.username}")
    assignment = Assignment(**data.model_dump(), created_by=principal.subject)
    session.add(assignment)
    await session.flush()
    public = _public(assignment, user.display_name)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=assignment.village_code,
        action="assignment.create",
        entity="assignment",
        entity_id=str(assignment.id),
        after=public.model_dump(mode="json"),
    )
    return public


def _in_scope(principal: Principal, region: str | None) -> Any:
    """Assignments to villages in scope (and under `region`) with their officials' names, in order."""
    statement = narrowed(select(Assignment, User.display_name), Assignment.village_code, principal, region)
    return statement.join(User, col(User.username) == Assignment.username).order_by(
        col(Assignment.village_code), col(Assignment.starts_on)
    )


async def list_assignments(
    session: AsyncSession, *, principal: Principal, region: str | None, page: int, page_size: int
) -> tuple[list[AssignmentPublic], int]:
    statement = _in_scope(principal, region)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.offset((page - 1) * page_size).limit(page_size))
    return [_public(a, name) for a, name in rows], total


async def assignments_in(
    session: AsyncSession, *, principal: Principal, region: str | None
) -> list[AssignmentPublic]:
    """Every assignment in scope: the officials the assessment lists."""
    return [_public(a, name) for a, name in await session.exec(_in_scope(principal, region))]
