"""Industry results (seed §五(五) 以奖代补、先建后补、不干不补): the village records what a household's own
work achieved — animals sold, a shed built — and a household visit verifies it; payments rewards only a
verified result (`industry_reward`), once."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.clients import RegistryClient
from services.monitoring.models import IndustryResult, Visit, audit_log
from services.monitoring.reward_schemas import IndustryResultCreate, IndustryResultPublic
from shared import audit
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.scope import fetch_in_scope, narrowed, scoped


def scoped_results(principal: Principal) -> Any:
    """The only way this module reads results: inside the caller's region."""
    return scoped(select(IndustryResult), IndustryResult.region_code, principal)


async def get_result(session: AsyncSession, *, principal: Principal, result_id: uuid.UUID) -> IndustryResult:
    statement = scoped_results(principal).where(IndustryResult.id == result_id)
    return await fetch_in_scope(session, statement, what="industry result")


def to_public(result: IndustryResult) -> IndustryResultPublic:
    return IndustryResultPublic.model_validate(
        {**result.model_dump(), "verified": result.visit_id is not None}
    )


async def _verifying_visit(
    session: AsyncSession, *, principal: Principal, result: IndustryResult, visit_id: uuid.UUID
) -> Visit:
    """The visit that verifies `result`: one to its household, in the caller's scope, not before it."""
    visit = (
        await session.exec(
            scoped(select(Visit), Visit.region_code, principal).where(
                Visit.id == visit_id, Visit.household_id == result.household_id
            )
        )
    ).first()
    if visit is None:
        raise Invalid.field("visit_id", "须是对该户的入户走访记录（在您的管辖范围内）")
    if visit.visited_on < result.achieved_on:
        problem = f"走访日期{visit.visited_on}早于成果日期{result.achieved_on}，不能核实"
        raise Invalid.field("visit_id", problem)
    return visit


def _verify(result: IndustryResult, visit: Visit) -> None:
    result.visit_id, result.verified_by, result.verified_on = visit.id, visit.visitor, visit.visited_on


async def record(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: IndustryResultCreate,
    now: datetime,
) -> IndustryResultPublic:
    """The village records a result; with a visit that saw it, the result is verified at once."""
    if data.achieved_on > now.date():
        raise Invalid.field("achieved_on", "成果日期不能晚于今天")
    household = await registry.household(token=principal.token, household_id=data.household_id)
    if household is None:
        raise Invalid.field("household_id", "该户不存在或不在您的管辖范围内")
    result = IndustryResult(
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        recorded_by=principal.subject,
        recorded_at=now,
        **data.model_dump(exclude={"household_id", "visit_id"}),
    )
    if data.visit_id is not None:
        visit = await _verifying_visit(session, principal=principal, result=result, visit_id=data.visit_id)
        _verify(result, visit)
    session.add(result)
    await session.flush()
    public = to_public(result)
    await _audit(session, principal, result, "industry_result.create", after=public.model_dump(mode="json"))
    return public


async def verify(
    session: AsyncSession, *, principal: Principal, result: IndustryResult, visit_id: uuid.UUID
) -> IndustryResultPublic:
    """A visit that saw the result verifies it, once."""
    if result.visit_id is not None:
        raise Conflict(f"该成果已于{result.verified_on}走访核实")
    _verify(result, await _verifying_visit(session, principal=principal, result=result, visit_id=visit_id))
    session.add(result)
    await session.flush()
    public = to_public(result)
    await _audit(session, principal, result, "industry_result.verify", after={"visit_id": str(visit_id)})
    return public


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    verified: bool | None,
    page: int,
    page_size: int,
) -> tuple[list[IndustryResultPublic], int]:
    statement = narrowed(select(IndustryResult), IndustryResult.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(IndustryResult.household_id == household_id)
    if verified is not None:
        seen = col(IndustryResult.visit_id).is_not(None)
        statement = statement.where(seen if verified else ~seen)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(IndustryResult.achieved_on).desc(), col(IndustryResult.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [to_public(r) for r in rows.all()], int(total)


async def _audit(
    session: AsyncSession, principal: Principal, result: IndustryResult, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=result.region_code,
        action=action,
        entity="industry_result",
        entity_id=str(result.id),
        **change,
    )
