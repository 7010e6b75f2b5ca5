"""When a household is due a visit (走访): those in the monitoring procedure monthly, every other household
quarterly, one never visited at once; and the roster's order, the most overdue first."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from shared.vocabulary.households import PROCEDURE_CATEGORIES

# Days between visits by category: monitored, marginal and sudden-hardship households are followed
# monthly (seed §三: 动态监测), every other household at least quarterly.
FOLLOWED_DAYS = 30
OTHER_DAYS = 90


def interval_days(category: str) -> int:
    return FOLLOWED_DAYS if category in PROCEDURE_CATEGORIES else OTHER_DAYS


def visit_due(category: str, last_visit: date | None) -> date | None:
    """The day the next visit is due; None for a household never visited (due now, first of all)."""
    return None if last_visit is None else last_visit + timedelta(days=interval_days(category))


@dataclass(frozen=True)
class RosterRow:
    household: dict[str, object]
    last_visit: date | None
    due: date | None
    open_case_id: str | None
    open_alerts: int

    def overdue(self, today: date) -> bool:
        return self.due is None or self.due < today

    def days_late(self, today: date) -> int:
        return (today - self.due).days if self.due is not None else 0


def roster_order(rows: Iterable[RosterRow], today: date) -> list[RosterRow]:
    """Overdue first (never visited — households in the procedure before others — then the longest
    overdue), then by the day the visit falls due; the household number keeps the order stable."""

    def key(row: RosterRow) -> tuple[int, date, int, str]:
        followed = interval_days(str(row.household["category"])) == FOLLOWED_DAYS
        return (
            0 if row.overdue(today) else 1,
            row.due or date.min,
            0 if followed else 1,
            str(row.household["number"]),
        )

    return sorted(rows, key=key)
