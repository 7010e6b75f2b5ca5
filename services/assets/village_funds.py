"""What an approved dividend plan keeps for its village (seed §五(三)4, §五(八)): the public-welfare posts'
part is budgeted for the village's posts and the collective's part credited to its collective economy, each
as an entry that lists and sums by village, year and fund, rather than a figure computed and forgotten."""

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets.common import page_of, record
from services.assets.models import DividendPlan, VillageFundEntry
from services.assets.schemas import VillageFundEntryPublic, VillageFundTotals
from shared.auth import Principal
from shared.scope import narrowed
from shared.vocabulary.assets import VillageFund


async def record_parts(session: AsyncSession, *, principal: Principal, plan: DividendPlan) -> None:
    """Enter the plan's posts and collective parts for its village and year (a part of 0 fen is no entry)."""
    parts = {VillageFund.public_posts: plan.public_posts_fen, VillageFund.collective: plan.collective_fen}
    for fund, amount_fen in parts.items():
        if amount_fen <= 0:
            continue
        entry = VillageFundEntry(
            region_code=plan.region_code,
            year=plan.year,
            fund=fund,
            amount_fen=amount_fen,
            plan_id=plan.id,
            recorded_by=principal.subject,
        )
        session.add(entry)
        await session.flush()
        await record(
            session,
            principal,
            region=plan.region_code,
            action="village_fund.record",
            entity="village_fund_entry",
            entity_id=entry.id,
            after={"fund": fund, "amount_fen": amount_fen, "plan_id": str(plan.id), "year": plan.year},
        )


def public(entry: VillageFundEntry) -> VillageFundEntryPublic:
    return VillageFundEntryPublic(
        id=entry.id,
        region=entry.region_code,
        year=entry.year,
        fund=VillageFund(entry.fund),
        amount_fen=entry.amount_fen,
        plan_id=entry.plan_id,
        recorded_by=entry.recorded_by,
        recorded_at=entry.recorded_at,
    )


async def of_plan(session: AsyncSession, plan: DividendPlan) -> list[VillageFundEntryPublic]:
    """A plan's entries in the order its parts are read: the posts' budget, then the collective's income."""
    rows = await session.exec(select(VillageFundEntry).where(VillageFundEntry.plan_id == plan.id))
    order = list(VillageFund)
    return sorted((public(entry) for entry in rows), key=lambda entry: order.index(entry.fund))


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    year: int | None,
    fund: VillageFund | None,
    page: int,
    page_size: int,
) -> tuple[list[VillageFundEntryPublic], int, VillageFundTotals]:
    """The entries in the caller's scope (narrowed to `region`), newest year first, and the sums per fund."""
    statement = narrowed(select(VillageFundEntry), VillageFundEntry.region_code, principal, region)
    if year is not None:
        statement = statement.where(VillageFundEntry.year == year)
    if fund is not None:
        statement = statement.where(VillageFundEntry.fund == fund)
    rows, total = await page_of(
        session,
        statement,
        order_by=(
            col(VillageFundEntry.year).desc(),
            col(VillageFundEntry.region_code),
            col(VillageFundEntry.recorded_at).desc(),
            col(VillageFundEntry.id),
        ),
        page=page,
        page_size=page_size,
    )
    matching = statement.subquery()
    sums = await session.exec(
        select(matching.c.fund, func.sum(matching.c.amount_fen)).group_by(matching.c.fund)
    )
    totals = {fund.value: 0 for fund in VillageFund} | {str(f): int(fen) for f, fen in sums}
    return [public(entry) for entry in rows], total, VillageFundTotals(**totals)
