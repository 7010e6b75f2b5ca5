"""Demo industry results for `make run` (以奖代补, seed §五(五)): on households the demo's visits saw, three
results verified by those visits and one still waiting for a visit, so the 以奖代补 page shows both and a
verified result leads to its reward claim. Loaded after the demo's visits, once (twice adds nothing)."""

from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.models import IndustryResult, Visit

DEMO = "demo-seed"
# (what, quantity, unit, days before the visit): the last is recorded but not yet seen at a visit.
RESULTS = (
    ("出栏肉羊", 36, "只", 6),
    ("新建标准化棚圈", 1, "座", 20),
    ("种植青贮玉米", 15, "亩", 40),
    ("购置饲草料粉碎机", 1, "台", 3),
)


async def seed_industry_results(session: AsyncSession) -> int:
    """Record the demo's results on the households of its latest visits, unless recorded; returns how many."""
    if (await session.exec(select(IndustryResult.id).where(IndustryResult.recorded_by == DEMO))).first():
        return 0
    visits: dict[object, Visit] = {}
    for visit in await session.exec(select(Visit).order_by(col(Visit.visited_on).desc(), col(Visit.id))):
        visits.setdefault(visit.household_id, visit)
        if len(visits) == len(RESULTS):
            break
    rows = []
    for index, (visit, result) in enumerate(zip(visits.values(), RESULTS, strict=False)):
        what, quantity, unit, before = result
        verified = index < len(RESULTS) - 1
        achieved = visit.visited_on - timedelta(days=before)
        rows.append(
            IndustryResult(
                household_id=visit.household_id,
                region_code=visit.region_code,
                household_number=visit.household_number,
                what=what,
                quantity=quantity,
                unit=unit,
                achieved_on=achieved,
                recorded_by=DEMO,
                recorded_at=datetime.combine(achieved + timedelta(days=1), time(2), tzinfo=UTC),
                visit_id=visit.id if verified else None,
                verified_by=visit.visitor if verified else None,
                verified_on=visit.visited_on if verified else None,
            )
        )
    session.add_all(rows)
    await session.flush()
    return len(rows)
