"""Microcredit (小额信贷): the loans (overdue ones first to see), a loan the bank disbursed (purpose from the
production list only), its repayments, and coverage per village (应贷尽贷: households wishing to borrow
against those lent to)."""

import asyncio
import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import region_groups, went_to
from gateway.web.monitoring.service import (
    LOANS,
    MONITORING_DOWN,
    AssistanceForm,
    call_monitoring,
    household_form_page,
    listing,
    monitoring_json,
    show,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
LOAN_FORM = "monitoring/loan_form.html"
MayGetLoans = Annotated[Principal, Depends(PageUser(("GET", LOANS)))]
MayGetCoverage = Annotated[Principal, Depends(PageUser(("GET", f"{LOANS}/coverage")))]
MayPostLoans = Annotated[Principal, Depends(PageUser(("POST", LOANS)))]
MayRepay = Annotated[Principal, Depends(PageUser(("POST", f"{LOANS}/{{id}}/repayments")))]
LOAN_FIELDS = ("household_id", "borrower_member_id", "bank", "amount_yuan", "term_months", "annual_rate")
MAX_RATE = Decimal(20)


def basis_points(form: AssistanceForm, name: str) -> int | None:
    """A yearly rate typed in percent (4.35) as basis points (435), or None with the field's error."""
    try:
        rate = Decimal(str(form.values.get(name, "")))
    except InvalidOperation:
        rate = Decimal(-1)
    if not rate.is_finite() or not 0 <= rate <= MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        form.errors[name] = form.hint(name)
        return None
    return int(rate * 100)


async def loans_page(
    request: Request,
    principal: Principal,
    filters: dict[str, str],
    page: int,
    *,
    repaying: tuple[str, AssistanceForm] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    context = await listing(request, principal, LOANS, filters, page) | {
        "repaying": repaying,
        "today": today().isoformat(),
        "can_lend": allowed("POST", LOANS, principal.role),
        "can_repay": allowed("POST", f"{LOANS}/{{id}}/repayments", principal.role),
    }
    return show(
        request, principal, "monitoring/loans.html", context, block="loan_results", status_code=status_code
    )


@router.get("/monitoring/loans")
async def loan_list(
    request: Request,
    principal: MayGetLoans,
    region: Annotated[str, Query(max_length=12)] = "",
    overdue: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = {"region": region, "overdue": overdue if overdue in ("true", "false") else ""}
    return await loans_page(request, principal, filters, page)


@router.get("/monitoring/loans/new")
async def new_loan(
    request: Request, principal: MayPostLoans, household_id: str = "", q: str = ""
) -> Response:
    values = dict.fromkeys((*LOAN_FIELDS, "purpose"), "") | {
        "household_id": household_id,
        "term_months": "36",
        "disbursed_on": today().isoformat(),
    }
    return await household_form_page(request, principal, LOAN_FORM, AssistanceForm(values=values), q)


@router.post("/monitoring/loans")
async def create_loan(request: Request, principal: MayPostLoans) -> Response:
    """Record a loan; a purpose outside production is the service's to refuse, beside the field."""
    form = await AssistanceForm.of(request, (*LOAN_FIELDS, "purpose", "disbursed_on"))
    values = form.values
    for name in ("borrower_member_id", "purpose"):
        if not values[name]:
            form.errors[name] = form.hint(name)
    body = {
        "household_id": values["household_id"],
        "borrower_member_id": values["borrower_member_id"],
        "bank": form.text("bank", low=2, high=100),
        "amount_fen": form.fen("amount_yuan", positive=True),
        "term_months": form.whole("term_months", low=1, high=120),
        "annual_rate_bp": basis_points(form, "annual_rate"),
        "purpose": values["purpose"],
        "disbursed_on": form.day("disbursed_on"),
    }
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", LOANS, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, "/monitoring/loans")
            form.absorb(answer, "贷款未能登记，请检查后重试。")
    return await household_form_page(
        request, principal, LOAN_FORM, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


@router.post("/monitoring/loans/{loan_id}/repayments")
async def repay(request: Request, principal: MayRepay, loan_id: str) -> Response:
    """A repayment of principal, recorded on the loans list."""
    try:
        path = f"{LOANS}/{uuid.UUID(loan_id)}/repayments"
    except ValueError:
        raise Refusal(404, "未找到该笔贷款。") from None
    form = await AssistanceForm.of(request, ("paid_on", "amount_yuan"))
    body = {"paid_on": form.day("paid_on"), "amount_fen": form.fen("amount_yuan", positive=True)}
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", path, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/monitoring/loans#loan-{loan_id}")
            form.absorb(answer, "还款未能登记，请检查后重试。")
    return await loans_page(
        request,
        principal,
        {"region": "", "overdue": ""},
        1,
        repaying=(loan_id, form),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


@router.get("/monitoring/loans/coverage")
async def coverage(
    request: Request, principal: MayGetCoverage, region: Annotated[str, Query(max_length=12)] = ""
) -> Response:
    """应贷尽贷 per village, in the caller's scope or the region chosen."""
    params = {"region": region} if region else {}
    result, tree = await asyncio.gather(
        monitoring_json(request, principal, f"{LOANS}/coverage", params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "result": result,
        "filters": {"region": region},
        "region_groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "monitoring/coverage.html", context)
