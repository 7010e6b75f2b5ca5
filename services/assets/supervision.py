"""Supervision (seed §六(四)): the banner's special funds against last year, and fund/project notices."""

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record, region_in_scope
from services.assets.models import Asset, Notice
from services.assets.schemas import (
    NoticeCreate,
    NoticeProject,
    NoticePublic,
    SourceTotals,
    SpecialFundsReport,
)
from shared.auth import Principal
from shared.errors import Invalid
from shared.scope import narrowed
from shared.vocabulary.assets import FundingSource


async def special_funds(
    session: AsyncSession, *, principal: Principal, year: int, region: str | None
) -> SpecialFundsReport:
    """This year's against last year's funding, by source, from the assets register (value by funding
    year); `not_lower` compares the banner's own special funds (`banner_special`), as §六(四) requires."""
    statement = narrowed(
        select(Asset.funding_source, Asset.funding_year, func.sum(Asset.value_fen)),
        Asset.region_code,
        principal,
        region,
    )
    rows = await session.exec(
        statement.where(col(Asset.funding_year).in_([year, year - 1])).group_by(
            col(Asset.funding_source), col(Asset.funding_year)
        )
    )
    totals = {(FundingSource(source), y): int(fen) for source, y, fen in rows}
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
