"""The field app of work teams and village officials (入户走访离线版): its manifest and service worker, each
household's summary page (what may stay on a phone: no ID, phone or account number), and the list of the
pages the phone keeps for the caller's village, with a version per household so only changes are fetched."""

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import JSONResponse, Response

from gateway.web import STATIC_DIR
from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.households.roster import activity, village_households
from gateway.web.households.service import load_household
from gateway.web.monitoring.service import MONITORING, call_monitoring
from gateway.web.render import render
from gateway.web.session import csrf_token, remember_csrf
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
VISITS = f"{MONITORING}/visits"
# The field app is for those who record visits: a village official or the village's work team.
MayPostVisits = Annotated[Principal, Depends(PageUser(("POST", VISITS)))]
RECENT_VISITS = 5
SERVICE_WORKER = (STATIC_DIR / "sw.js").read_bytes()
MANIFEST = {
    "name": "杭锦旗巩固衔接 · 入户走访",
    "short_name": "入户走访",
    "description": "走访花名册、农牧户摘要和走访表，无信号时也能记录走访，联网后自动同步。",
    "lang": "zh-CN",
    "start_url": "/roster",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#8c1d18",
    "icons": [
        {"src": "/static/field-icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/field-icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/static/field-icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}


def device_key(principal: Principal) -> str:
    """Whose pages the phone holds: a change of user, role or region gives another key, and the phone
    drops what it kept under the old one."""
    who = f"{principal.subject}|{principal.role}|{principal.region}"
    return hashlib.sha256(who.encode()).hexdigest()[:24]


def household_version(household: dict[str, Any], seen: dict[str, Any]) -> str:
    """A fingerprint of the household as the server holds it (its record and its open case): a visit
    queued against another version is flagged before it is sent. Visits and their alerts are left out, so
    the visitor's own visits do not flag the next one."""
    parts = [household.get(name) for name in ("number", "head_name", "category", "member_count", "address")]
    return fingerprint([*parts, seen.get("open_case_id")])


def pages_version(household: dict[str, Any], seen: dict[str, Any]) -> str:
    """A fingerprint of what the household's kept pages show (with its visits): only changed ones are
    fetched again."""
    return fingerprint(
        [household_version(household, seen), seen.get("last_visited_on"), seen.get("open_alerts")]
    )


def fingerprint(parts: list[Any]) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def kept_pages(household_id: str) -> list[str]:
    """The pages a phone keeps for one household: its summary and its visit form."""
    return [f"/field/households/{household_id}", f"/monitoring/visits/new?household_id={household_id}"]


@router.get("/sw.js")
async def service_worker() -> Response:
    # Served from the root so it may control /roster, /households and the visit form; never cached stale.
    headers = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}
    return Response(SERVICE_WORKER, media_type="text/javascript", headers=headers)


@router.get("/manifest.webmanifest")
async def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json")


@router.get("/field/offline.json")
async def offline_list(request: Request, principal: MayPostVisits) -> Response:
    """What the phone keeps for the caller's village and the CSRF token its queued visits are sent with."""
    households, seen = await asyncio.gather(
        village_households(request, principal), activity(request, principal)
    )

    def activity_of(household: dict[str, Any]) -> dict[str, Any]:
        return (seen or {}).get(household["id"], {})

    body = {
        "key": device_key(principal),
        "csrf": csrf_token(request),
        "synced_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pages": ["/roster"],
        "households": [
            {
                "id": household["id"],
                "label": f"{household['head_name']}户 {household['number']}",
                "version": household_version(household, activity_of(household)),
                "pages_version": pages_version(household, activity_of(household)),
                "pages": kept_pages(household["id"]),
            }
            for household in households
        ],
    }
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    remember_csrf(request, response)
    return response


async def recent_visits(
    request: Request, principal: Principal, household_id: str
) -> list[dict[str, Any]] | None:
    """The household's latest visits, None when monitoring cannot answer."""
    params = {"household_id": household_id, "page_size": RECENT_VISITS}
    try:
        answer = await call_monitoring(request, principal.token, "GET", VISITS, params=params)
    except Unavailable:
        return None
    if answer.status_code != status.HTTP_200_OK:
        return None
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


@router.get("/field/households/{household_id}")
async def household_summary(request: Request, principal: MayPostVisits, household_id: str) -> Response:
    """The household as the phone keeps it (offline it stands in for the household file)."""
    (household, _), visits, tree = await asyncio.gather(
        load_household(request, principal, household_id, with_history=False),
        recent_visits(request, principal, household_id),
        region_tree(request, principal),
    )
    context = {
        "household": household,
        "visits": visits,
        "region_name": region_names(tree or []).get(principal.region),
    }
    return render(request, "field/summary.html", context, principal=principal)
