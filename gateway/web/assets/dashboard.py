"""The dashboard's assets section: assets by class, plans by status, the fund where it is the caller's."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, status

from gateway.policy import allowed
from gateway.web.assets.service import ASSETS, CATALOGUE_SIZE, DASHBOARD_PAGES, FUND, PLANS, call_assets
from gateway.web.deps import page_router
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.assets import AssetClass, PlanStatus

router = page_router()


# --- the dashboard's section ---------------------------------------------------------------------------


@dataclass
class ClassTotal:
    count: int = 0
    value_fen: int = 0


@dataclass
class PlanTotal:
    count: int = 0
    total_fen: int = 0
    households_fen: int = 0


@dataclass
class AssetsOverview:
    """Assets by class, dividend plans by status, and the fund's position (None when not the caller's)."""

    classes: dict[str, ClassTotal]
    plans: dict[str, PlanTotal]
    fund: dict[str, Any] | None
    truncated: bool = False

    @property
    def class_rows(self) -> list[tuple[str, str, ClassTotal]]:
        """(class, Chinese label, totals) in the register's order."""
        return [(c.value, c.label, self.classes[c.value]) for c in AssetClass]

    @property
    def assets(self) -> ClassTotal:
        return ClassTotal(
            sum(c.count for c in self.classes.values()), sum(c.value_fen for c in self.classes.values())
        )

    def plan_sum(self, statuses: Iterable[str]) -> PlanTotal:
        rows = [self.plans[s] for s in statuses]
        return PlanTotal(
            sum(r.count for r in rows), sum(r.total_fen for r in rows), sum(r.households_fen for r in rows)
        )

    @property
    def paid(self) -> PlanTotal:
        return self.plan_sum([PlanStatus.paid, PlanStatus.handed_over])

    @property
    def pending(self) -> PlanTotal:
        return self.plan_sum([PlanStatus.draft, PlanStatus.approved, PlanStatus.handover_failed])


async def every_item(request: Request, principal: Principal, path: str) -> tuple[list[dict[str, Any]], bool]:
    """All rows of a list (up to `DASHBOARD_PAGES` pages), and whether there were more."""
    items: list[dict[str, Any]] = []
    for page in range(1, DASHBOARD_PAGES + 1):
        answer = await call_assets(
            request, principal, "GET", path, params={"page": page, "page_size": CATALOGUE_SIZE}
        )
        if answer.status_code != status.HTTP_200_OK:
            raise Unavailable(f"assets answered {answer.status_code}")
        body = answer.json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items, False
    return items, True


async def fund_position(request: Request, principal: Principal) -> dict[str, Any] | None:
    """The fund for callers who may see it; None when the API says it is not theirs (404)."""
    if not allowed("GET", FUND, principal.role):
        return None
    answer = await call_assets(request, principal, "GET", FUND)
    if answer.status_code != status.HTTP_200_OK:
        return None
    position: dict[str, Any] = answer.json()
    return position


async def assets_overview(request: Request, principal: Principal) -> AssetsOverview | None:
    """The dashboard's assets section for the caller's scope; None when not allowed or unavailable."""
    if not (allowed("GET", ASSETS, principal.role) and allowed("GET", PLANS, principal.role)):
        return None
    try:
        (assets, more_assets), (plans, more_plans), position = await asyncio.gather(
            every_item(request, principal, ASSETS),
            every_item(request, principal, PLANS),
            fund_position(request, principal),
        )
    except Unavailable:
        return None
    classes = {c.value: ClassTotal() for c in AssetClass}
    for asset in assets:
        total = classes[asset["asset_class"]]
        total.count += 1
        total.value_fen += asset["value_fen"]
    by_status = {s.value: PlanTotal() for s in PlanStatus}
    for plan in plans:
        row = by_status[plan["status"]]
        row.count += 1
        row.total_fen += plan["total_fen"]
        row.households_fen += plan["households_fen"]
    return AssetsOverview(classes, by_status, position, truncated=more_assets or more_plans)
