"""Basic medical insurance per member and year (seed §五(一)3): who is enrolled, the premium and the part
paid for them (代缴); a record for a member and year again corrects it."""

from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.web.clients import this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import went_to
from gateway.web.guarantees.service import INSURANCE, GuaranteeForm, list_page
from gateway.web.monitoring.service import MONITORING_DOWN, call_monitoring, household_form_page
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
MayGetInsurance = Annotated[Principal, Depends(PageUser(("GET", INSURANCE)))]
MayRecordInsurance = Annotated[Principal, Depends(PageUser(("POST", INSURANCE)))]
INSURANCE_FORM = "guarantees/insurance_form.html"
FIELDS = ("household_id", "member_id", "year", "enrolled", "premium_yuan", "paid_on_behalf_yuan")


@router.get("/guarantees/insurance")
async def insurance_list(
    request: Request,
    principal: MayGetInsurance,
    region: Annotated[str, Query(max_length=12)] = "",
    year: Annotated[str, Query(max_length=4)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = {"region": region, "year": year if year.isdigit() else ""}
    return await list_page(request, principal, "insurance", filters, page)


@router.get("/guarantees/insurance/new")
async def new_insurance(
    request: Request, principal: MayRecordInsurance, household_id: str = "", q: str = ""
) -> Response:
    values = dict.fromkeys(FIELDS, "") | {
        "household_id": household_id,
        "year": str(this_year()),
        "enrolled": "true",
    }
    return await household_form_page(request, principal, INSURANCE_FORM, GuaranteeForm(values=values), q)


@router.post("/guarantees/insurance")
async def record_insurance(request: Request, principal: MayRecordInsurance) -> Response:
    """A member's enrolment and premium for a year; the service refuses 代缴 above the premium, or any
    amount for a member not enrolled, beside the field."""
    form = await GuaranteeForm.of(request, FIELDS)
    values = form.values
    if not values["member_id"]:
        form.errors["member_id"] = form.hint("member_id")
    if values["enrolled"] not in ("true", "false"):
        form.errors["enrolled"] = form.hint("enrolled")
    body = {
        "household_id": values["household_id"],
        "member_id": values["member_id"],
        "year": form.whole("year", low=2013, high=2100),
        "enrolled": values["enrolled"] == "true",
        "premium_fen": form.fen("premium_yuan"),
        "paid_on_behalf_fen": form.fen("paid_on_behalf_yuan", required=False) or 0,
    }
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", INSURANCE, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
                return went_to(request, f"/guarantees/insurance?year={body['year']}")
            form.absorb(answer, "参保信息未能保存，请检查后重试。")
    return await household_form_page(
        request, principal, INSURANCE_FORM, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )
