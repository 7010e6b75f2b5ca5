"""How the assessment (seed §六(五)) counts, as plain functions: the months a term covers and the visits
owed for them. The figures themselves come from the services' records."""

from datetime import date

# The plan's visit rhythm for followed (monitored or assisted) households: at least once a month.
VISITS_PER_MONTH = 1


def months_covered(starts_on: date, ends_on: date | None, *, year: int, today: date) -> int:
    """The calendar months of `year` a term touches, up to `today` (a month begun counts)."""
    first = max(starts_on, date(year, 1, 1))
    last = min(ends_on or date.max, date(year, 12, 31), today)
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def visit_target(households: int, months: int, per_month: int = VISITS_PER_MONTH) -> int:
    """Visits owed: each household, `per_month` times in each month covered."""
    return households * months * per_month
