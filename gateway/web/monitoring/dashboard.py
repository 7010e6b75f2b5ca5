"""The dashboard's monitoring section: open cases by status in the caller's scope, overdue ones, the inbox."""

import asyncio
from dataclasses import dataclass

from fastapi import Request, status

from gateway.policy import allowed
from gateway.web.deps import page_router
from gateway.web.monitoring.service import CASES, call_monitoring
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import CLOSED_STATUSES, CaseStatus

router = page_router()
OPEN_STATUSES = [s for s in CaseStatus if s not in CLOSED_STATUSES]


@dataclass
class MonitoringOverview:
    """Open cases by status in the caller's scope, each with how many are overdue, and the inbox size."""

    rows: list[tuple[str, str, int, int]]
    inbox: int

    @property
    def total(self) -> int:
        return sum(count for _, _, count, _ in self.rows)

    @property
    def overdue(self) -> int:
        return sum(late for _, _, _, late in self.rows)


async def monitoring_overview(request: Request, principal: Principal) -> MonitoringOverview | None:
    """The dashboard's monitoring section; None when the role may not see cases or the service refuses."""
    if not allowed("GET", CASES, principal.role):
        return None

    async def total(**params: str) -> int | None:
        answer = await call_monitoring(
            request, principal.token, "GET", CASES, params={**params, "page_size": 1}
        )
        return int(answer.json()["total"]) if answer.status_code == status.HTTP_200_OK else None

    try:
        counts = await asyncio.gather(
            *(total(status=s.value) for s in OPEN_STATUSES),
            *(total(status=s.value, overdue="true") for s in OPEN_STATUSES),
            total(awaiting_me="true"),
        )
    except Unavailable:
        return None
    if any(c is None for c in counts):
        return None
    n = len(OPEN_STATUSES)
    rows = [(s.value, s.label, counts[i] or 0, counts[n + i] or 0) for i, s in enumerate(OPEN_STATUSES)]
    return MonitoringOverview(rows, counts[-1] or 0)
