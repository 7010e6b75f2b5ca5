"""Claims (补贴申报): filing one with the household picker and a live breakdown, the list, and the second
official's decision on a case-by-case claim."""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import (
    HOUSEHOLDS,
    call_registry,
    call_service,
    refusal,
    region_names,
    region_tree,
    this_year,
)
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import detail_of, household_choices
from gateway.web.payments.service import (
    CLAIM_KINDS,
    CLAIM_MISSING,
    CLAIMS,
    HINTS,
    HOUSEHOLD_MISSING,
    PAGE_SIZE,
    PAYMENTS,
    PAYMENTS_DOWN,
    POLICY_MISSING,
    Form,
    ListFilters,
    call_payments,
    clean_year,
    payments_json,
    show,
    years,
)
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.payments import LIVESTOCK, ClaimStatus, Kind

router = page_router()
MayPostClaims = Annotated[Principal, Depends(PageUser(("POST", CLAIMS)))]
MayGetEntitlements = Annotated[
    Principal, Depends(PageUser(("GET", f"{PAYMENTS}/households/{{id}}/entitlements")))
]
MayGetClaims = Annotated[Principal, Depends(PageUser(("GET", CLAIMS)))]
MayPostClaimDecisions = Annotated[Principal, Depends(PageUser(("POST", f"{CLAIMS}/{{id}}/{{action}}")))]


# --- claims --------------------------------------------------------------------------------------------

CLAIM_FIELDS = (
    "household_id", "kind", "year", "quantity", "amount_yuan", "evidence", "result_id", "idempotency_key",
)  # fmt: skip
INDUSTRY_RESULTS = "/api/v1/monitoring/industry-results"


@dataclass(frozen=True)
class Preview:
    """The breakdown shown as the quantity is typed (预计): computed from the household's entitlements; the
    amount filed is the one the service returns."""

    household: dict[str, Any] | None = None
    entitlements: dict[str, Any] | None = None
    kind: str = ""
    quantity: int | None = None
    amount_fen: int | None = None  # case-by-case: the amount asked for
    problem: str | None = None
    results: tuple[dict[str, Any], ...] = ()  # industry_reward: the household's verified results
    result_id: str = ""

    @property
    def livestock(self) -> dict[str, Any] | None:
        for row in (self.entitlements or {}).get("livestock", []):
            if row["kind"] == self.kind:
                return dict(row)
        return None

    @property
    def granted(self) -> int:
        row = self.livestock
        return min(self.quantity or 0, row["remaining"]) if row else 0

    @property
    def amount(self) -> int:
        row = self.livestock
        return self.granted * row["rate_fen"] if row else 0


async def household_of(request: Request, principal: Principal, household_id: str) -> dict[str, Any] | None:
    """A household in the caller's scope, from the registry; None when it is not one."""
    try:
        answer = await call_registry(request, principal, "GET", f"{HOUSEHOLDS}/{uuid.UUID(household_id)}")
    except (ValueError, Unavailable):
        return None
    return dict(answer.json()) if answer.status_code == status.HTTP_200_OK else None


async def preview_of(request: Request, principal: Principal, values: dict[str, Any]) -> Preview:
    """What the claim would come to, from the registry's household and the payments' entitlements."""
    kind = values.get("kind", "")
    quantity = int(values["quantity"]) if str(values.get("quantity", "")).isdigit() else None
    if not values.get("household_id"):
        return Preview(kind=kind, quantity=quantity)
    household = await household_of(request, principal, values["household_id"])
    if household is None:
        return Preview(kind=kind, quantity=quantity, problem=HOUSEHOLD_MISSING)
    year = clean_year(values.get("year"), this_year())
    try:
        answer = await call_payments(
            request,
            principal,
            "GET",
            f"{PAYMENTS}/households/{household['id']}/entitlements",
            params={"year": year},
        )
    except Unavailable:
        return Preview(household, kind=kind, quantity=quantity, problem=PAYMENTS_DOWN)
    if answer.status_code != status.HTTP_200_OK:
        return Preview(household, kind=kind, quantity=quantity, problem=detail_of(answer, POLICY_MISSING))
    amount = Form(values={"amount_yuan": values.get("amount_yuan", "")})
    fen = amount.fen("amount_yuan", positive=True) if values.get("amount_yuan") else None
    rewarded = kind == Kind.industry_reward
    results = await verified_results(request, principal, household["id"]) if rewarded else ()
    picked = values.get("result_id", "")
    return Preview(household, answer.json(), kind, quantity, fen, results=results, result_id=picked)


async def verified_results(
    request: Request, principal: Principal, household_id: str
) -> tuple[dict[str, Any], ...]:
    """The household's industry results a visit verified (以奖代补 rewards only these), from monitoring."""
    try:
        answer = await call_service(
            request,
            "monitoring",
            "GET",
            INDUSTRY_RESULTS,
            token=principal.token,
            params={"household_id": household_id, "verified": "true", "page_size": 50},
        )
    except Unavailable:
        return ()
    return tuple(answer.json()["items"]) if answer.status_code == status.HTTP_200_OK else ()


def blank_claim_form(household_id: str = "", kind: str = "", result_id: str = "") -> Form:
    values = dict.fromkeys(CLAIM_FIELDS, "")
    values |= {
        "household_id": household_id,
        "kind": kind if kind in set(CLAIM_KINDS) else Kind.sheep.value,
        "result_id": result_id,
        "year": str(this_year()),
        "quantity": "1",
        "idempotency_key": str(uuid.uuid4()),  # minted with the form: a double click never files twice
    }
    return Form(values=values)


async def claim_form_page(
    request: Request,
    principal: Principal,
    form: Form,
    *,
    claim: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    preview, tree = await asyncio.gather(
        preview_of(request, principal, form.values), region_tree(request, principal)
    )
    names = region_names(tree or [])
    context = {
        "form": form,
        "preview": preview,
        "claim": claim,
        "found": [preview.household] if preview.household else [],
        "picked": form.values["household_id"],
        "q": "",
        "years": years(this_year()),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "payments/claim_form.html", context, block=block, status_code=status_code)


@router.get("/payments/claims/new")
async def new_claim(
    request: Request, principal: MayPostClaims, household_id: str = "", kind: str = "", result_id: str = ""
) -> Response:
    """The claim form, for a household, kind and (以奖代补) result when a link names them."""
    form = blank_claim_form(household_id.strip()[:36], kind, result_id.strip()[:36])
    return await claim_form_page(request, principal, form)


@router.get("/payments/claims/households")
async def household_picker(
    request: Request, principal: MayPostClaims, q: str = "", household_id: str = ""
) -> Response:
    """The picker's choices: households in scope whose name or number matches (registry search)."""
    context = await household_choices(request, principal, q) | {"picked": household_id}
    return show(request, principal, "payments/claim_form.html", context, block="household_options")


@router.get("/payments/claims/preview")
async def claim_preview(request: Request, principal: MayGetEntitlements) -> Response:
    """The computed breakdown (预计), refreshed as the form is filled in."""
    values = {name: str(request.query_params.get(name, "")).strip() for name in CLAIM_FIELDS}
    preview = await preview_of(request, principal, values)
    return show(request, principal, "payments/claim_form.html", {"preview": preview}, block="claim_preview")


@router.post("/payments/claims/new")
async def file_claim(request: Request, principal: MayPostClaims) -> Response:
    """File the claim with the form's Idempotency-Key; the service's reasons go next to the fields."""
    form = await Form.of(request, CLAIM_FIELDS)
    values = form.values
    if not values["household_id"]:
        form.errors["household_id"] = "请先查找并选择农牧户"
    if values["kind"] not in set(CLAIM_KINDS):
        form.errors["kind"] = HINTS["kind"]
    year = form.whole("year", low=2013, high=2100)
    body: dict[str, Any] = {"household_id": values["household_id"], "kind": values["kind"], "year": year}
    if values["kind"] in LIVESTOCK:
        body["quantity"] = form.whole("quantity", low=1, high=100_000)
    else:
        body["amount_fen"] = form.fen("amount_yuan", positive=True)
    if values["evidence"]:
        body["evidence"] = values["evidence"]
    if values["kind"] == Kind.industry_reward:
        body["result_id"] = values["result_id"] or None
    key = values["idempotency_key"] or str(uuid.uuid4())
    if form.has_errors:
        return await claim_form_page(request, principal, form, block="claim_form", status_code=422)
    try:
        answer = await call_payments(
            request, principal, "POST", CLAIMS, json=body, headers={"Idempotency-Key": key}
        )
    except Unavailable:
        form.problem = PAYMENTS_DOWN
        return await claim_form_page(request, principal, form, block="claim_form", status_code=503)
    if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        return await claim_form_page(request, principal, form, claim=answer.json(), block="claim_form")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        form.errors["household_id"] = HOUSEHOLD_MISSING
    form.absorb(answer, "申报未能提交，请检查后重试。")
    return await claim_form_page(request, principal, form, block="claim_form", status_code=422)


async def claim_list_page(
    request: Request,
    principal: Principal,
    filters: ListFilters,
    *,
    problem: str | None = None,
    done: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    result, tree = await asyncio.gather(
        payments_json(request, principal, CLAIMS, missing=CLAIM_MISSING, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "years": years(this_year()),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_file": allowed("POST", CLAIMS, principal.role),
        "can_decide": allowed("POST", f"{CLAIMS}/{{id}}/approve", principal.role),
        "problem": problem,
        "done": done,
    }
    return show(
        request, principal, "payments/claims.html", context, block="claim_results", status_code=status_code
    )


def clean_claim_filters(kind: str, year: str, claim_status: str, page: int) -> ListFilters:
    return ListFilters(
        kind=kind if kind in set(Kind) else "",
        year=clean_year(year),
        status=claim_status if claim_status in set(ClaimStatus) else "",
        page=page,
    )


@router.get("/payments/claims")
async def claim_list(
    request: Request,
    principal: MayGetClaims,
    kind: str = "",
    year: str = "",
    status: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return await claim_list_page(request, principal, clean_claim_filters(kind, year, status, page))


@router.post("/payments/claims/{claim_id}/{action}")
async def decide_claim(
    request: Request, principal: MayPostClaimDecisions, claim_id: str, action: str
) -> Response:
    """Approve or reject a case-by-case claim; the filer may not (the service's 409, shown in Chinese)."""
    if action not in ("approve", "reject"):
        raise Refusal(404, CLAIM_MISSING)
    try:
        path = f"{CLAIMS}/{uuid.UUID(claim_id)}/{action}"
    except ValueError:
        raise Refusal(404, CLAIM_MISSING) from None
    form = await request.form()
    filters = clean_claim_filters(*(str(form.get(k) or "") for k in ("kind", "year", "status")), 1)
    try:
        answer = await call_payments(request, principal, "POST", path, json={})
        if answer.status_code == status.HTTP_200_OK:
            done = "申报已批准。" if action == "approve" else "申报已驳回。"
            return await claim_list_page(request, principal, filters, done=done)
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=CLAIM_MISSING)
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
        return await claim_list_page(request, principal, filters, problem=problem, status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None
