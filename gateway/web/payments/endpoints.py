"""The agent bank's receiver under dual control (双人复核): the banner admin proposes where instructions go
and which bank client's callbacks count; a banner official other than the proposer approves it (待审批)."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import refusal
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import detail_of
from gateway.web.payments.service import (
    ENDPOINTS,
    PAYMENTS_DOWN,
    Form,
    call_payments,
    payments_json,
    show,
)
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
ENDPOINT_APPROVAL = f"{ENDPOINTS}/{{id}}/approve"
ENDPOINT_MISSING = "未找到该银行接收地址。"
MayGetEndpoints = Annotated[Principal, Depends(PageUser(("GET", ENDPOINTS)))]
MayPropose = Annotated[Principal, Depends(PageUser(("POST", ENDPOINTS)))]
MayApprove = Annotated[Principal, Depends(PageUser(("POST", ENDPOINT_APPROVAL)))]
FIELDS = ("url", "bank_client_id")


async def endpoints_page(
    request: Request,
    principal: Principal,
    *,
    form: Form | None = None,
    created: dict[str, Any] | None = None,
    problem: str | None = None,
    done: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The active receiver, the proposals waiting for a second official, and the retired ones."""
    listed = await payments_json(request, principal, ENDPOINTS, params={"page_size": 100})
    by_status: dict[str, list[dict[str, Any]]] = {"active": [], "proposed": [], "retired": []}
    for endpoint in listed["items"]:
        by_status.setdefault(endpoint["status"], []).append(endpoint)
    context = {
        "endpoints": by_status,
        "can_propose": allowed("POST", ENDPOINTS, principal.role),
        "can_approve": allowed("POST", ENDPOINT_APPROVAL, principal.role),
        "form": form or Form(values=dict.fromkeys(FIELDS, "")),
        "created": created,
        "problem": problem,
        "done": done,
    }
    return show(
        request, principal, "payments/endpoints.html", context, block="endpoint_body", status_code=status_code
    )


@router.get("/payments/bank-endpoints")
async def endpoint_list(request: Request, principal: MayGetEndpoints) -> Response:
    return await endpoints_page(request, principal)


@router.post("/payments/bank-endpoints")
async def propose_endpoint(request: Request, principal: MayPropose) -> Response:
    """The admin's proposal; its signing secret is shown this once, for the bank's side."""
    form = await Form.of(request, FIELDS)
    body = {"url": form.values["url"]} | (
        {"bank_client_id": form.values["bank_client_id"]} if form.values["bank_client_id"] else {}
    )
    try:
        answer = await call_payments(request, principal, "POST", ENDPOINTS, json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            return await endpoints_page(request, principal, created=answer.json())
        if answer.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignedOut
        if answer.status_code in (403, 404):
            raise refusal(answer, service="payments", missing=ENDPOINT_MISSING)
        form.absorb(answer, "未能提出银行接收地址，请检查后重试。")
        return await endpoints_page(request, principal, form=form, status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


@router.post("/payments/bank-endpoints/{endpoint_id}/approve")
async def approve_endpoint(request: Request, principal: MayApprove, endpoint_id: str) -> Response:
    """A second official puts the proposal in force (the one it replaces is retired); its proposer is refused
    by the service, in Chinese."""
    try:
        path = f"{ENDPOINTS}/{uuid.UUID(endpoint_id)}/approve"
    except ValueError:
        raise Refusal(404, ENDPOINT_MISSING) from None
    try:
        answer = await call_payments(request, principal, "POST", path)
        if answer.status_code == status.HTTP_200_OK:
            return await endpoints_page(request, principal, done="已批准启用，原接收地址已停用。")
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=ENDPOINT_MISSING)
        problem = detail_of(answer, "未能批准，请刷新页面后重试。")
        return await endpoints_page(request, principal, problem=problem, status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None
