"""The assessment (seed §六(五)): per village and per official of the scope, the year's figures the services
count from their records — never typed in — with links to the same table as .xlsx and .csv."""

import asyncio
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from gateway.assessments import assess
from gateway.people_schemas import Assessment
from gateway.web.clients import region_names, region_tree, this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import REGION_PATTERN, region_groups
from gateway.web.people.service import ASSESSMENTS, show
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
FIGURES_DOWN = "防返贫监测或补贴发放服务暂时不可用，无法计算考核，请稍后再试。"
MayGetAssessments = Annotated[Principal, Depends(PageUser(("GET", ASSESSMENTS)))]


def share(done: int, target: int) -> str:
    """Done against owed, as the table says it; nothing owed is met."""
    return "—" if not target else f"{min(done / target, 9.99) * 100:.0f}%"


@router.get("/people/assessment")
async def assessment(
    request: Request,
    principal: MayGetAssessments,
    year: Annotated[int | None, Query(ge=2013, le=2100)] = None,
    region: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The year's assessment of the scope (or the region picked), computed on this read."""
    year = year or this_year()
    region = region if REGION_PATTERN.fullmatch(region) else ""

    async def computed() -> Assessment:
        async with request.app.state.db.session_scope() as session:
            return await assess(
                request, session, request.app.state.upstreams, principal, year, region or None
            )

    try:
        result, tree = await asyncio.gather(computed(), region_tree(request, principal))
    except Unavailable:
        raise Refusal(503, FIGURES_DOWN) from None
    names = region_names(tree or [])
    query = {"year": year, **({"region": region} if region else {})}
    context = {
        "result": result,
        "year": year,
        "years": range(this_year(), 2019, -1),
        "region": region,
        "groups": region_groups(tree or []),
        "exports": {
            "xlsx": f"{ASSESSMENTS}/export?{urlencode(query | {'format': 'xlsx'})}",
            "villages": f"{ASSESSMENTS}/export?{urlencode(query | {'format': 'csv', 'part': 'villages'})}",
            "officials": f"{ASSESSMENTS}/export?{urlencode(query | {'format': 'csv', 'part': 'officials'})}",
        },
        "share": share,
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "people/assessment.html", context)
