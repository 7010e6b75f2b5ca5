"""The rules of employment (seed §五(八)) as plain functions: who a public-welfare post goes to first, and
what a post or a project's labour pays for a month — each entitlement keyed so that it is paid once.

No I/O here, like `rules`: the services load the facts, these decide.
"""

import calendar
import re
import uuid
from datetime import date

from services.monitoring.rules import LIFTED_OUT
from shared.vocabulary.households import Category

# Posts are given first to lifted-out and marginal people (优先聘用脱贫人口、边缘易致贫人口).
POST_PRIORITY = LIFTED_OUT | {Category.marginal}
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


def holder_refusal(category: str, priority_exception: str | None) -> str | None:
    """Why a member of a household of `category` may not hold a post, or None: anyone outside the priority
    categories only with a stated reason (none is refused outright: the village may have no one else)."""
    if category in POST_PRIORITY or (priority_exception and priority_exception.strip()):
        return None
    return "公益性岗位优先聘用脱贫人口和边缘易致贫人口；聘用其他人员须说明理由（priority_exception）"


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a `YYYY-MM` month."""
    found = MONTH.match(month)
    if found is None:
        raise ValueError(f"not a month: {month!r}")
    year, number = int(found[1]), int(found[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def wage_for_month(monthly_wage_fen: int, starts_on: date, ends_on: date, month: str) -> int:
    """What a post pays for `month`: the whole wage for a month its term covers, the share of the month's
    days it covers for its first and last months (rounded half up), nothing outside its term."""
    first, last = month_bounds(month)
    start, end = max(starts_on, first), min(ends_on, last)
    if start > end:
        return 0
    covered, days = (end - start).days + 1, (last - first).days + 1
    return (2 * monthly_wage_fen * covered + days) // (2 * days)


def post_wage_key(post_id: uuid.UUID, month: str) -> str:
    """One entitlement per post and month: payments holds at most one live line per key."""
    return f"post_wage:{post_id}:{month}"


def work_relief_key(engagement_id: uuid.UUID) -> str:
    """One entitlement per member's labour on a project in a month (recorded once, so paid once)."""
    return f"work_relief_wage:{engagement_id}"
