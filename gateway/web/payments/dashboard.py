"""The dashboard's payments section: the caller's batches by status and this year's money."""

from dataclasses import dataclass

from fastapi import Request, status

from gateway.policy import allowed
from gateway.web.deps import page_router
from gateway.web.payments.service import BATCHES, DASHBOARD_PAGES, LIST_SIZE, call_payments
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.payments import BatchStatus

router = page_router()


# --- the dashboard -------------------------------------------------------------------------------------


@dataclass
class StatusTotal:
    count: int = 0
    total_fen: int = 0


@dataclass
class PaymentsOverview:
    """Batches by status in the caller's scope: how many and how much."""

    rows: list[tuple[str, str, StatusTotal]]
    truncated: bool = False

    @property
    def total(self) -> StatusTotal:
        return StatusTotal(sum(r.count for _, _, r in self.rows), sum(r.total_fen for _, _, r in self.rows))


async def payments_overview(request: Request, principal: Principal) -> PaymentsOverview | None:
    """The dashboard's payments section; None when the role may not see batches or the service is down."""
    if not allowed("GET", BATCHES, principal.role):
        return None
    by_status = {s.value: StatusTotal() for s in BatchStatus}
    seen = 0
    try:
        for page in range(1, DASHBOARD_PAGES + 1):
            answer = await call_payments(
                request, principal, "GET", BATCHES, params={"page": page, "page_size": LIST_SIZE}
            )
            if answer.status_code != status.HTTP_200_OK:
                return None
            body = answer.json()
            for batch in body["items"]:
                row = by_status[batch["status"]]
                row.count += 1
                row.total_fen += batch["total_fen"]
            seen += len(body["items"])
            if seen >= body["total"] or not body["items"]:
                break
        else:
            return PaymentsOverview(_status_rows(by_status), truncated=True)
    except Unavailable:
        return None
    return PaymentsOverview(_status_rows(by_status))


def _status_rows(by_status: dict[str, StatusTotal]) -> list[tuple[str, str, StatusTotal]]:
    return [(s.value, s.label, by_status[s.value]) for s in BatchStatus]
