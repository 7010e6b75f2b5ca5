"""Demo three guarantees and water for `make run`, on the demo's assisted households in 阿斯尔嘎查: a year's
medical insurance for their members (代缴 for the monitored and sudden-hardship ones), three dangerous-house
renovations (one accepted, one under way, one planned), two drinking-water fixes (one done, one open) and a
送学上门 for a child of school age out of school, so the 控辍保学, 医疗保险, 危房改造 and 饮水安全 pages show
data on first start. Loaded once (twice adds nothing) and
deterministic for a day.

The households are the registry's, handed over by `deploy/manage.py seed` as plain data."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.demo import DEMO, DemoHousehold
from services.monitoring.models import DropoutFollowUp, HousingRenovation, InsuranceRecord, WaterFix
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import (
    DropoutAction,
    HousingGrade,
    RenovationKind,
    WaterFixKind,
    WaterProblem,
)

PREMIUM_FEN = 40_000  # the yearly individual premium of 城乡居民医保
PAID_FOR = {Category.monitored: 40_000, Category.sudden_hardship: 20_000}
# (grade, kind, subsidy in fen, days ago appraised, started, completed, accepted): none for a step not taken.
# The last is not started past its 30 days, so the village's inbox shows a renovation overdue.
RENOVATIONS = (
    (HousingGrade.d, RenovationKind.rebuild, 4_000_000, 200, 170, 40, 30),
    (HousingGrade.c, RenovationKind.reinforce, 1_500_000, 90, 20, None, None),
    (HousingGrade.c, RenovationKind.reinforce, 1_200_000, 45, None, None, None),
)
# (problem, fix, days ago found, started, done): the open one is past its 30 days, for the inbox too.
WATER_FIXES = (
    (WaterProblem.quality, WaterFixKind.purifier, 120, 60, 45),
    (WaterProblem.access, WaterFixKind.pipe_extension, 40, 10, None),
)


def _ago(today: date, days: int | None) -> date | None:
    return None if days is None else today - timedelta(days=days)


async def seed_guarantees(
    session: AsyncSession,
    households: Sequence[DemoHousehold],
    *,
    out_of_school: Sequence[DemoHousehold] = (),
    today: date | None = None,
) -> int:
    """Add the demo's insurance, renovations, water fixes and follow-ups (each of `out_of_school`'s one
    member, a child the registry records as not in school) unless they are there; returns the rows added."""
    if (
        not households
        or (
            await session.exec(select(HousingRenovation.id).where(HousingRenovation.recorded_by == DEMO))
        ).first()
    ):
        return 0
    today = today or datetime.now(UTC).date()
    recorded_at = datetime.combine(today, time(1), tzinfo=UTC)
    mark = {"recorded_by": DEMO, "recorded_at": recorded_at}
    rows: list[object] = []
    for h in households:
        paid = PAID_FOR.get(Category(h.category), 0)
        rows += [
            InsuranceRecord(
                member_id=m.id,
                member_name=m.name,
                household_id=h.id,
                region_code=h.region_code,
                household_number=h.number,
                year=today.year,
                enrolled=True,
                premium_fen=PREMIUM_FEN,
                paid_on_behalf_fen=paid,
                **mark,
            )
            for m in h.members
        ]
    for h, (grade, kind, subsidy, assessed, started, completed, accepted) in zip(
        households, RENOVATIONS, strict=False
    ):
        rows.append(
            HousingRenovation(
                household_id=h.id,
                region_code=h.region_code,
                household_number=h.number,
                head_name=h.head_name,
                grade=grade,
                assessed_on=_ago(today, assessed),
                kind=kind,
                subsidy_fen=subsidy,
                started_on=_ago(today, started),
                completed_on=_ago(today, completed),
                accepted_on=_ago(today, accepted),
                accepted_by="旗住房和城乡建设局" if accepted is not None else None,
                updated_at=recorded_at,
                **mark,
            )
        )
    for h, (problem, fix, found, started, done) in zip(reversed(households), WATER_FIXES, strict=False):
        rows.append(
            WaterFix(
                household_id=h.id,
                region_code=h.region_code,
                household_number=h.number,
                head_name=h.head_name,
                problem=problem,
                fix=fix,
                found_on=_ago(today, found),
                started_on=_ago(today, started),
                done_on=_ago(today, done),
                updated_at=recorded_at,
                **mark,
            )
        )
    rows += [
        DropoutFollowUp(
            member_id=child.id,
            member_name=child.name,
            household_id=h.id,
            region_code=h.region_code,
            household_number=h.number,
            action=DropoutAction.home_schooling_delivered,
            note="嘎查两委和班主任入户劝返，每周送教上门两次",
            followed_on=today - timedelta(days=7),
            **mark,
        )
        for h in out_of_school
        for child in h.members[:1]
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)
