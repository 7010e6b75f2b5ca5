"""Departments' findings per household, as the lists left them (数据比对), read within the caller's scope; and
what a case's `data_comparison` step records of them."""

import uuid

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.models import DepartmentFinding, MonitoringCase, aware
from services.monitoring.schemas import FindingPublic
from shared.auth import Principal
from shared.scope import narrowed
from shared.vocabulary.monitoring import DepartmentList

NONE_FOUND = "行业部门数据比对：未发现风险"


def finding_public(f: DepartmentFinding) -> FindingPublic:
    return FindingPublic.model_validate({**f.model_dump(), "found_at": aware(f.found_at)})


async def search_findings(
    session: AsyncSession,
    *,
    principal: Principal,
    household_id: uuid.UUID | None,
    region: str | None,
    department: DepartmentList | None,
    year: int | None,
    page: int,
    page_size: int,
) -> tuple[list[FindingPublic], int]:
    statement = narrowed(select(DepartmentFinding), DepartmentFinding.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(DepartmentFinding.household_id == household_id)
    if department is not None:
        statement = statement.where(DepartmentFinding.department == department)
    if year is not None:
        statement = statement.where(DepartmentFinding.year == year)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(DepartmentFinding.found_at).desc(), col(DepartmentFinding.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [finding_public(f) for f in rows], int(total)


async def comparison_note(session: AsyncSession, case: MonitoringCase) -> str:
    """What the departments' lists say of the case's household, this year and last, for the case's
    `data_comparison` step: the findings, or that none were found (also a finding)."""
    year = case.discovered_at.year
    statement = (
        select(DepartmentFinding)
        .where(DepartmentFinding.household_id == case.household_id, col(DepartmentFinding.year) >= year - 1)
        .order_by(col(DepartmentFinding.found_at))
    )
    findings = list(await session.exec(statement))
    if not findings:
        return NONE_FOUND
    said = "；".join(dict.fromkeys(f"{DepartmentList(f.department).label}：{f.reason}" for f in findings))
    return f"行业部门数据比对发现 {len(findings)} 项：{said}"[:200]
