"""The village roster (走访花名册) of a work team or village official: every household of the village with its
last visit, the case still open and open alerts, the households overdue a visit first, each a link to its
file and to the visit form. A plain GET page (no inline script), so the field app can keep it offline."""

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.web.clients import HOUSEHOLDS, call_service, region_names, region_tree, service_down
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import SignedOut
from gateway.web.households.roster_rules import RosterRow, roster_order, visit_due
from gateway.web.households.service import registry_json
from gateway.web.render import render, today
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
ROSTER = "/api/v1/monitoring/roster"
# Only those who visit households (API.md: a village official or the village's work team) keep a roster.
MayPostVisits = Annotated[Principal, Depends(PageUser(("POST", "/api/v1/monitoring/visits")))]
REGISTRY_PAGE = 200


async def village_households(request: Request, principal: Principal) -> list[dict[str, Any]]:
    """Every household of the caller's village, a registry page at a time (the later pages together)."""
    params: dict[str, str | int] = {"region": principal.region, "page_size": REGISTRY_PAGE}
    first = await registry_json(request, principal, HOUSEHOLDS, params=params)
    pages = -(-first["total"] // REGISTRY_PAGE)
    rest = await asyncio.gather(
        *(
            registry_json(request, principal, HOUSEHOLDS, params={**params, "page": page})
            for page in range(2, pages + 1)
        )
    )
    return [item for answer in (first, *rest) for item in answer["items"]]


async def activity(request: Request, principal: Principal) -> dict[str, dict[str, Any]] | None:
    """Monitoring's word on each household (last visit, open case, alerts); None when it cannot answer."""
    try:
        answer = await call_service(
            request, "monitoring", "GET", ROSTER, token=principal.token, params={"region": principal.region}
        )
    except Unavailable:
        return None
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code != status.HTTP_200_OK:
        return None
    return {row["household_id"]: row for row in answer.json()}


def roster_rows(households: list[dict[str, Any]], seen: dict[str, dict[str, Any]]) -> list[RosterRow]:
    rows = []
    for household in households:
        known = seen.get(household["id"], {})
        last = date.fromisoformat(known["last_visited_on"]) if known.get("last_visited_on") else None
        rows.append(
            RosterRow(
                household=household,
                last_visit=last,
                due=visit_due(household["category"], last),
                open_case_id=known.get("open_case_id"),
                open_alerts=int(known.get("open_alerts", 0)),
            )
        )
    return rows


@router.get("/roster")
async def roster(request: Request, principal: MayPostVisits) -> Response:
    households, seen, tree = await asyncio.gather(
        village_households(request, principal), activity(request, principal), region_tree(request, principal)
    )
    day = today()
    rows = roster_order(roster_rows(households, seen or {}), day)
    context = {
        "rows": rows,
        "today": day,
        "overdue": sum(row.overdue(day) for row in rows),
        "notice": None if seen is not None else service_down("monitoring"),
        "region_name": region_names(tree or []).get(principal.region),
    }
    return render(request, "households/roster.html", context, principal=principal)
