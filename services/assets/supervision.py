"""Supervision (seed §六(四)): the banner's special funds put in against last year, and fund/project notices,
among them the three-level notices generated from a year's allocations."""

from collections import defaultdict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import allocations, rules
from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Allocation, FundProject, Notice
from services.assets.schemas import (
    GeneratedNotices,
    NoticeCreate,
    NoticeGeneration,
    NoticeProject,
    NoticePublic,
    SourceTotals,
    SpecialFundsReport,
)
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.regions import tier_of
from shared.scope import narrowed, scoped
from shared.vocabulary.assets import FundingSource


async def special_funds(
    session: AsyncSession, *, principal: Principal, year: int, region: str | None
) -> SpecialFundsReport:
    """This year's against last year's money put in, by source, from the allocations; `not_lower` compares
    the banner's own special funds (`banner_special`), as §六(四) requires (资金投入总量不低于上年度)."""
    totals = await allocations.allocated_by_source(
        session, principal=principal, years=[year, year - 1], region=region
    )
    by_source = [
        SourceTotals(
            funding_source=source,
            this_year_fen=totals.get((source, year), 0),
            last_year_fen=totals.get((source, year - 1), 0),
        )
        for source in FundingSource
    ]
    this_year = totals.get((FundingSource.banner_special, year), 0)
    last_year = totals.get((FundingSource.banner_special, year - 1), 0)
    not_lower, flag = rules.special_funds_flag(this_year, last_year)
    return SpecialFundsReport(
        year=year,
        region=region or principal.region,
        this_year_fen=this_year,
        last_year_fen=last_year,
        not_lower=not_lower,
        flag=flag,
        by_source=by_source,
    )


def _notice_public(notice: Notice) -> NoticePublic:
    projects = [NoticeProject.model_validate(p) for p in notice.projects]
    return NoticePublic(
        id=notice.id,
        title=notice.title,
        region_code=notice.region_code,
        projects=projects,
        total_funding_fen=sum(p.funding_fen for p in projects),
        posted_on=notice.posted_on,
        until=notice.until,
        allocation_year=notice.allocation_year,
        created_by=notice.created_by,
        created_at=notice.created_at,
    )


async def post_notice(session: AsyncSession, *, principal: Principal, data: NoticeCreate) -> NoticePublic:
    """Publish a fund/project notice at the caller's tier or below; it stays up at least 10 days."""
    region_in_scope(data.region_code, principal)
    problem = rules.notice_period_problem(data.posted_on, data.until)
    if problem:
        raise Invalid.field("until", problem)
    notice = Notice(
        title=data.title,
        region_code=data.region_code,
        projects=[p.model_dump(mode="json") for p in data.projects],
        posted_on=data.posted_on,
        until=data.until,
        created_by=principal.subject,
    )
    session.add(notice)
    await session.flush()
    await record(
        session,
        principal,
        region=notice.region_code,
        action="notice.post",
        entity="notice",
        entity_id=notice.id,
        after=data.model_dump(mode="json"),
    )
    return _notice_public(notice)


async def search_notices(
    session: AsyncSession, *, principal: Principal, region: str | None, page: int, page_size: int
) -> tuple[list[NoticePublic], int]:
    """Notices posted within the caller's scope, newest first."""
    statement = narrowed(select(Notice), Notice.region_code, principal, region)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Notice.posted_on).desc(), col(Notice.id)),
        page=page,
        page_size=page_size,
    )
    return [_notice_public(n) for n in rows], total


async def generate_notices(
    session: AsyncSession, *, principal: Principal, data: NoticeGeneration
) -> GeneratedNotices:
    """The year's allocations published at each level (嘎查村、苏木镇、旗三级公示): every allocation in the
    notice of its village, its township and the banner, up 10 days from `posted_on`. The dates are stored,
    so a reprint shows the same ones; a year is generated once (409 after)."""
    done = scoped(select(Notice.id), Notice.region_code, principal).where(Notice.allocation_year == data.year)
    if (await session.exec(done)).first() is not None:
        raise Conflict(f"{data.year} 年度资金分配结果公示已生成，请查看已发布的公示")
    rows = (
        await session.exec(
            scoped(
                select(Allocation, FundProject).join(
                    FundProject, col(FundProject.id) == col(Allocation.project_id)
                ),
                Allocation.region_code,
                principal,
            )
            .where(Allocation.year == data.year)
            .order_by(
                col(Allocation.region_code), col(FundProject.name), col(Allocation.source), col(Allocation.id)
            )
        )
    ).all()
    if not rows:
        raise Invalid.field("year", f"{data.year} 年度没有资金分配记录")
    by_region: dict[str, list[NoticeProject]] = defaultdict(list)
    for allocation, project in rows:
        line = NoticeProject(
            name=project.name,
            place=project.region_code,
            content=project.content,
            timeline=project.timeline,
            implementer=project.implementer,
            funding_fen=allocation.amount_fen,
            funding_source=FundingSource(allocation.source),
            use=project.content[:500],
        )
        for region_code in rules.notice_regions(allocation.region_code):
            by_region[region_code].append(line)
    posted_on, until = rules.notice_period(data.posted_on)
    notices = [
        Notice(
            title=f"{data.year}年度财政衔接资金分配结果公示（{tier_of(code).label}）",
            region_code=code,
            projects=[p.model_dump(mode="json") for p in lines],
            posted_on=posted_on,
            until=until,
            allocation_year=data.year,
            created_by=principal.subject,
        )
        for code, lines in sorted(by_region.items())
        if code.startswith(principal.region)
    ]
    session.add_all(notices)
    await session.flush()
    for notice in notices:
        await record(
            session,
            principal,
            region=notice.region_code,
            action="notice.generate",
            entity="notice",
            entity_id=notice.id,
            after={"year": data.year, "posted_on": posted_on.isoformat(), "until": until.isoformat()},
        )
    return GeneratedNotices(items=[_notice_public(n) for n in notices])
