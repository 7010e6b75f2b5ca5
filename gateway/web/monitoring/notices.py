"""The printable public notice (公示) of the cases now in notice, one sheet per village."""

import asyncio
import re
from collections import defaultdict
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.monitoring.service import MONITORING, monitoring_json, scope_regions, show
from gateway.web.render import today
from shared.auth import Principal

router = page_router()
MayGetNotices = Annotated[Principal, Depends(PageUser(("GET", f"{MONITORING}/notices")))]


@router.get("/monitoring/notices/print")
async def notice_print(request: Request, principal: MayGetNotices, region: str = "") -> Response:
    """The cases now in public notice, one sheet per village: household number, masked name, risks,
    dates and the objection deadline (never an ID number, phone, bank account or health condition)."""
    region = region.strip()
    params: dict[str, str | int] = {"page_size": 200}
    if re.fullmatch(r"\d{6}(\d{3}){0,2}", region):
        params["region"] = region
    notices, tree = await asyncio.gather(
        monitoring_json(request, principal, f"{MONITORING}/notices", params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    sheets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in notices["items"]:
        sheets[item["region_code"]].append(item)
    context = {
        "sheets": sorted(sheets.items()),
        "region": params.get("region", ""),
        "regions": scope_regions(tree or []),
        "region_names": names,
        "printed": today(),
    }
    return show(request, principal, "monitoring/notice.html", context)
