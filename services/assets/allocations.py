"""Money put in (§六(四)): fund projects with their performance targets (绩效目标), the allocations made
to them by year and source, and the report of targets met and missed (资金绩效管理)."""

import uuid
from collections import defaultdict

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Allocation, FundProject, PerformanceTarget
from services.assets.schemas import (
    AllocationCreate,
    AllocationPage,
    AllocationPublic,
    PerformanceProject,
    PerformanceReport,
    ProjectCreate,
    ProjectPublic,
    TargetPublic,
    TargetValue,
)
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.assets import Comparison, FundingSource, TargetStatus


async def get_project(session: AsyncSession, *, principal: Principal, project_id: uuid.UUID) -> FundProject:
    statement = scoped(select(FundProject), FundProject.region_code, principal).where(
        FundProject.id == project_id
    )
    return await fetch_in_scope(session, statement, what="project")


def _target_public(target: PerformanceTarget) -> TargetPublic:
    return TargetPublic(
        **target.model_dump(),
        status=rules.target_status(Comparison(target.comparison), target.target_value, target.actual_value),
    )


async def _projects_public(session: AsyncSession, projects: list[FundProject]) -> list[ProjectPublic]:
    ids = [p.id for p in projects]
    if not ids:
        return []
    targets: dict[uuid.UUID, list[PerformanceTarget]] = defaultdict(list)
    for t in await session.exec(
        select(PerformanceTarget)
        .where(col(PerformanceTarget.project_id).in_(ids))
        .order_by(
            col(PerformanceTarget.kind).desc(), col(PerformanceTarget.indicator), col(PerformanceTarget.id)
        )
    ):
        targets[t.project_id].append(t)
    allocated = dict(
        (
            await session.exec(
                select(Allocation.project_id, func.sum(Allocation.amount_fen))
                .where(col(Allocation.project_id).in_(ids))
                .group_by(col(Allocation.project_id))
            )
        ).all()
    )
    return [
        ProjectPublic(
            **p.model_dump(),
            allocated_fen=int(allocated.get(p.id) or 0),
            targets=[_target_public(t) for t in targets[p.id]],
        )
        for p in projects
    ]


async def create_project(
    session: AsyncSession, *, principal: Principal, data: ProjectCreate
) -> ProjectPublic:
    """A project with its output and benefit targets, set before money is put in (明确绩效目标)."""
    region_in_scope(data.region_code, principal)
    project = FundProject(**data.model_dump(exclude={"targets"}), created_by=principal.subject)
    session.add(project)
    await session.flush()
    session.add_all(PerformanceTarget(project_id=project.id, **t.model_dump()) for t in data.targets)
    await session.flush()
    await record(
        session,
        principal,
        region=project.region_code,
        action="project.create",
        entity="fund_project",
        entity_id=project.id,
        after=data.model_dump(mode="json"),
    )
    return (await _projects_public(session, [project]))[0]


async def search_projects(
    session: AsyncSession,
    *,
    principal: Principal,
    year: int | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[ProjectPublic], int]:
    statement = narrowed(select(FundProject), FundProject.region_code, principal, region)
    if year is not None:
        statement = statement.where(FundProject.year == year)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(FundProject.year).desc(), col(FundProject.region_code), col(FundProject.name)),
        page=page,
        page_size=page_size,
    )
    return await _projects_public(session, rows), total


async def record_value(
    session: AsyncSession,
    *,
    principal: Principal,
    project: FundProject,
    target_id: uuid.UUID,
    data: TargetValue,
) -> TargetPublic:
    """Record the value a target reached (执行监控); a later record replaces it, the audit keeps both."""
    target = (
        await session.exec(
            select(PerformanceTarget).where(
                PerformanceTarget.id == target_id, PerformanceTarget.project_id == project.id
            )
        )
    ).first()
    if target is None:
        raise Invalid.field("target_id", "不是该项目的绩效指标")
    before = {"actual_value": target.actual_value, "recorded_on": target.recorded_on}
    target.actual_value, target.recorded_on = data.actual_value, data.recorded_on
    target.recorded_by = principal.subject
    session.add(target)
    await session.flush()
    await record(
        session,
        principal,
        region=project.region_code,
        action="project.target_value",
        entity="fund_project",
        entity_id=project.id,
        before={k: str(v) if v is not None else None for k, v in before.items()},
        after={"target_id": str(target.id), **data.model_dump(mode="json")},
    )
    return _target_public(target)


async def allocate(
    session: AsyncSession, *, principal: Principal, data: AllocationCreate
) -> AllocationPublic:
    """Record money put into a project from one source in one year."""
    try:
        project = await get_project(session, principal=principal, project_id=data.project_id)
    except NotFound:
        raise Invalid.field("project_id", "项目不存在或不在您的管辖范围内") from None
    if data.allocated_on.year != data.year:
        raise Invalid.field("allocated_on", "下达日期须在资金年度内")
    allocation = Allocation(
        **data.model_dump(), region_code=project.region_code, created_by=principal.subject
    )
    session.add(allocation)
    await session.flush()
    await record(
        session,
        principal,
        region=allocation.region_code,
        action="allocation.create",
        entity="allocation",
        entity_id=allocation.id,
        after=data.model_dump(mode="json"),
    )
    return AllocationPublic(**allocation.model_dump(), project_name=project.name)


async def search_allocations(
    session: AsyncSession,
    *,
    principal: Principal,
    year: int | None,
    source: FundingSource | None,
    region: str | None,
    page: int,
    page_size: int,
) -> AllocationPage:
    statement = narrowed(select(Allocation), Allocation.region_code, principal, region)
    if year is not None:
        statement = statement.where(Allocation.year == year)
    if source is not None:
        statement = statement.where(Allocation.source == source)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Allocation.year).desc(), col(Allocation.allocated_on), col(Allocation.id)),
        page=page,
        page_size=page_size,
    )
    amount = (await session.exec(select(func.coalesce(func.sum(statement.subquery().c.amount_fen), 0)))).one()
    names = dict(
        (
            await session.exec(
                select(FundProject.id, FundProject.name).where(
                    col(FundProject.id).in_({a.project_id for a in rows})
                )
            )
        ).all()
    )
    return AllocationPage(
        items=[AllocationPublic(**a.model_dump(), project_name=names[a.project_id]) for a in rows],
        total=total,
        page=page,
        page_size=page_size,
        amount_fen=int(amount),
    )


async def allocated_by_source(
    session: AsyncSession, *, principal: Principal, years: list[int], region: str | None
) -> dict[tuple[FundingSource, int], int]:
    """Money put in, by source and year, within scope."""
    statement = narrowed(
        select(Allocation.source, Allocation.year, func.sum(Allocation.amount_fen)),
        Allocation.region_code,
        principal,
        region,
    ).where(col(Allocation.year).in_(years))
    rows = await session.exec(statement.group_by(col(Allocation.source), col(Allocation.year)))
    return {(FundingSource(source), year): int(fen) for source, year, fen in rows}


async def performance(
    session: AsyncSession, *, principal: Principal, year: int, region: str | None
) -> PerformanceReport:
    """The year's projects in scope with each target met, missed or not yet recorded."""
    statement = narrowed(select(FundProject), FundProject.region_code, principal, region).where(
        FundProject.year == year
    )
    projects = list(
        await session.exec(
            statement.order_by(col(FundProject.region_code), col(FundProject.name), col(FundProject.id))
        )
    )
    rows = []
    for project in await _projects_public(session, projects):
        counts = {status: sum(t.status == status for t in project.targets) for status in TargetStatus}
        rows.append(
            PerformanceProject(
                project_id=project.id,
                name=project.name,
                region_code=project.region_code,
                allocated_fen=project.allocated_fen,
                met=counts[TargetStatus.met],
                missed=counts[TargetStatus.missed],
                unrecorded=counts[TargetStatus.unrecorded],
                targets=project.targets,
            )
        )
    return PerformanceReport(
        year=year,
        region=region or principal.region,
        met=sum(p.met for p in rows),
        missed=sum(p.missed for p in rows),
        unrecorded=sum(p.unrecorded for p in rows),
        projects=rows,
    )
