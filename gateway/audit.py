"""The audit, one listing for auditors: the services' records composed at the gateway.

Each service keeps its own hash-chained log and answers only for the caller's scope (shared/audit_api.py).
Without `service`, all four are asked at once and their newest records merged; with it, only that one,
so a deep page of one service's log costs nothing of the others'.
"""

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from gateway.dependencies import AuthorizedDep, UpstreamsDep
from gateway.upstreams import Upstreams
from shared.audit_api import MAX_PAGE_SIZE, AuditFilterDep, AuditPage, ChainStatus
from shared.auth import Principal
from shared.errors import Invalid, Unavailable
from shared.settings import SERVICES

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
ServiceName = Literal["registry", "monitoring", "payments", "assets"]


async def _ask(
    upstreams: Upstreams, request: Request, principal: Principal, service: str, path: str, params: Any = None
) -> Any:
    response = await upstreams.call(
        service, "GET", path, token=principal.token, request_id=request.state.request_id, params=params
    )
    if response.status_code != status.HTTP_200_OK:
        raise Unavailable(f"{service} answered {response.status_code} for its audit")
    return response.json()


def merged_page(pages: list[AuditPage], *, page: int, page_size: int) -> AuditPage:
    """One page of the services' listings merged newest first; each listing holds at least its first
    `page × page_size` records, so the merged page is exact."""
    records = sorted((r for p in pages for r in p.items), key=lambda r: (r.at, r.service), reverse=True)
    start = (page - 1) * page_size
    return AuditPage(items=records[start : start + page_size], total=sum(p.total for p in pages))


@router.get("", response_model=AuditPage)
async def list_audit(
    request: Request,
    upstreams: UpstreamsDep,
    principal: AuthorizedDep,
    query: AuditFilterDep,
    service: ServiceName | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """Audit records in the caller's scope, newest first, with the before and after of each changed field."""
    params = query.params()
    if service is not None:
        answer = await _ask(
            upstreams,
            request,
            principal,
            service,
            "/api/v1/audit",
            {**params, "page": page, "page_size": page_size},
        )
        return AuditPage.model_validate(answer)
    if page * page_size > MAX_PAGE_SIZE:
        raise Invalid.field(
            "page", f"past the first {MAX_PAGE_SIZE} records: name a service or narrow the dates"
        )
    answers = await asyncio.gather(
        *(
            _ask(upstreams, request, principal, s, "/api/v1/audit", {**params, "page_size": page * page_size})
            for s in SERVICES
        )
    )
    return merged_page([AuditPage.model_validate(a) for a in answers], page=page, page_size=page_size)


@router.get("/verify", response_model=list[ChainStatus])
async def verify_audit(
    request: Request, upstreams: UpstreamsDep, principal: AuthorizedDep
) -> list[ChainStatus]:
    """Whether each service's audit chain verifies, checked by the services at once."""
    answers = await asyncio.gather(
        *(_ask(upstreams, request, principal, s, "/api/v1/audit/verify") for s in SERVICES)
    )
    return [ChainStatus.model_validate(a) for a in answers]
