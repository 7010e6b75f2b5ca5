"""Counts of households by category for each child region, within the caller's scope.

Read from `household_counts` (one row per village and category, kept by the database's triggers in the
same transaction as every write to `households`), so a banner-wide dashboard costs the same at a million
households as at a thousand, and is exact.
"""

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import HouseholdCount, Region
from services.registry.schemas import CategoryCounts, HouseholdStats
from shared.auth import Principal
from shared.regions import Tier, tier_of
from shared.scope import narrowed, scoped
from shared.vocabulary.households import Category

CHILD_CODE_LENGTH = {Tier.banner: 9, Tier.township: 12, Tier.village: 12}


async def household_stats(session: AsyncSession, *, principal: Principal, region: Region) -> HouseholdStats:
    """One grouped query over the village counters of `region` by (child region, category); empty children
    show zeros."""
    length = CHILD_CODE_LENGTH[tier_of(region.code)]
    child = func.substr(HouseholdCount.region_code, 1, length)
    grouped = narrowed(
        select(child, HouseholdCount.category, func.sum(HouseholdCount.households)),
        HouseholdCount.region_code,
        principal,
        region.code,
    ).group_by(child, HouseholdCount.category)
    counts: dict[str, dict[Category, int]] = {}
    for code, category, count in (await session.exec(grouped)).all():
        counts.setdefault(code, {})[Category(category)] = int(count)
    if tier_of(region.code) == Tier.village:
        children = [region]
    else:
        children = list(
            (
                await session.exec(
                    scoped(select(Region), Region.code, principal)
                    .where(Region.parent_code == region.code)
                    .order_by(col(Region.code))
                )
            ).all()
        )
    rows = [_row(r.code, r.name, counts.get(r.code, {})) for r in children]
    totals = {c: sum(row.counts[c] for row in rows) for c in Category}
    return HouseholdStats(region=region.code, rows=rows, totals=totals, total=sum(totals.values()))


async def households_in(
    session: AsyncSession, *, principal: Principal, region: str | None, category: Category | None
) -> int:
    """How many of the caller's households lie in `region` (and are of `category`), from the counters."""
    statement = narrowed(
        select(func.coalesce(func.sum(HouseholdCount.households), 0)),
        HouseholdCount.region_code,
        principal,
        region,
    )
    if category is not None:
        statement = statement.where(HouseholdCount.category == category)
    return int((await session.exec(statement)).one())


def _row(code: str, name: str, counts: dict[Category, int]) -> CategoryCounts:
    full = {c: counts.get(c, 0) for c in Category}
    return CategoryCounts(code=code, name=name, counts=full, total=sum(full.values()))
