"""Counts of households by category for each child region, within the caller's scope."""

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.enums import Category
from services.registry.models import Household, Region
from services.registry.schemas import CategoryCounts, HouseholdStats
from shared.auth import Principal
from shared.regions import Tier, tier_of
from shared.scope import narrowed, scoped

CHILD_CODE_LENGTH = {Tier.banner: 9, Tier.township: 12, Tier.village: 12}


async def household_stats(session: AsyncSession, *, principal: Principal, region: Region) -> HouseholdStats:
    """One grouped query: households of `region` by (child region, category); empty children show zeros."""
    length = CHILD_CODE_LENGTH[tier_of(region.code)]
    child = func.substr(Household.region_code, 1, length)
    grouped = narrowed(
        select(child, Household.category, func.count()), Household.region_code, principal, region.code
    ).group_by(child, Household.category)
    counts: dict[str, dict[Category, int]] = {}
    for code, category, count in (await session.exec(grouped)).all():
        counts.setdefault(code, {})[Category(category)] = count
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


def _row(code: str, name: str, counts: dict[Category, int]) -> CategoryCounts:
    full = {c: counts.get(c, 0) for c in Category}
    return CategoryCounts(code=code, name=name, counts=full, total=sum(full.values()))
