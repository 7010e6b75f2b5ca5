"""The industry development fund (产业发展基金): its position, investments and their repayments."""

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.assets.service import (
    ASSETS_DOWN,
    ENTITIES,
    FUND,
    FUND_MISSING,
    HINTS,
    INVESTMENT_MISSING,
    INVESTMENTS,
    Form,
    assets_json,
    bp_percent,
    call_assets,
    catalogue,
    percent_bp,
    resource_path,
    show,
)
from gateway.web.clients import refusal, region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import format_yuan
from shared.vocabulary.assets import HouseholdLink

router = page_router()
MayGetFund = Annotated[Principal, Depends(PageUser(("GET", FUND)))]
MayPostInvestments = Annotated[Principal, Depends(PageUser(("POST", INVESTMENTS)))]
MayPostRepayments = Annotated[Principal, Depends(PageUser(("POST", f"{INVESTMENTS}/{{id}}/repayments")))]


# --- the fund ------------------------------------------------------------------------------------------

INVESTMENT_FIELDS = (
    "entity_id",
    "amount_yuan",
    "self_raised_yuan",
    "term_months",
    "expected_return_pct",
    "start_date",
    "linked_households",
    "link",
)
REPAYMENT_FIELDS = ("principal_yuan", "income_yuan", "paid_on")


@dataclass
class FundForms:
    investment: Form = field(default_factory=lambda: Form(values=dict.fromkeys(INVESTMENT_FIELDS, "")))
    repayments: dict[str, Form] = field(default_factory=dict)


async def fund_page(
    request: Request,
    principal: Principal,
    *,
    forms: FundForms | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    the_fund, investments, tree, entities = await asyncio.gather(
        assets_json(request, principal, FUND, missing=FUND_MISSING),
        catalogue(request, principal, INVESTMENTS),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    overdue = {r["investment_id"] for r in the_fund["overdue_investments"]}
    context = {
        "fund": the_fund,
        "investments": investments,
        "overdue": overdue,
        "entities": [e for e in entities if e["region_code"].startswith(the_fund["region_code"])],
        "forms": forms or FundForms(),
        "fund_region": names.get(the_fund["region_code"], the_fund["region_code"]),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_invest": allowed("POST", INVESTMENTS, principal.role),
        "can_repay": allowed("POST", f"{INVESTMENTS}/{{id}}/repayments", principal.role),
        "bp_percent": bp_percent,
    }
    return show(request, principal, "assets/fund.html", context, block=block, status_code=status_code)


@router.get("/assets/fund")
async def fund(request: Request, principal: MayGetFund) -> Response:
    return await fund_page(request, principal)


def linked_households(form: Form) -> list[dict[str, str]]:
    """The households typed one per line (their registry ids), all linked the same way."""
    link = form.values["link"] or HouseholdLink.employment
    if link not in set(HouseholdLink):
        form.errors["link"] = "请选择联结方式"
        return []
    found: list[dict[str, str]] = []
    for line in form.values["linked_households"].replace("，", ",").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            found.append({"household_id": str(uuid.UUID(line.strip())), "link": link})
        except ValueError:
            form.errors["linked_households"] = f"不是有效的农牧户编号：{line.strip()[:40]}"
    return found


@router.post("/assets/fund/investments")
async def invest(request: Request, principal: MayPostInvestments) -> Response:
    """A new fund investment through POST /api/v1/assets/fund/investments; the fund panel refreshes."""
    form = await Form.of(request, INVESTMENT_FIELDS)
    expected_bp = percent_bp(form.values["expected_return_pct"])
    if expected_bp is None:
        form.errors["expected_return_pct"] = HINTS["expected_return_pct"]
    payload = {
        "entity_id": form.values["entity_id"],
        "amount_fen": form.fen("amount_yuan", positive=True),
        "self_raised_fen": form.fen("self_raised_yuan"),
        "term_months": form.whole("term_months", low=1, high=240),
        "expected_return_bp": expected_bp,
        "start_date": form.values["start_date"],
        "linked_households": linked_households(form),
    }
    if not form.values["entity_id"]:
        form.errors["entity_id"] = HINTS["entity_id"]
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", INVESTMENTS, json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                done = FundForms()
                done.investment.done = f"已登记对{answer.json()['entity_name']}的投资。"
                return await fund_page(request, principal, forms=done, block="fund_body")
            if answer.status_code in (401, 403, 404):
                raise refusal(answer, service="assets", missing=FUND_MISSING)
            form.absorb(answer, "投资未能登记，请检查后重试。")
        return await fund_page(
            request, principal, forms=FundForms(investment=form), block="fund_body", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.post("/assets/fund/investments/{investment_id}/repayments")
async def repay(request: Request, principal: MayPostRepayments, investment_id: str) -> Response:
    """Principal and income paid back to the fund; the fund panel refreshes with the new position."""
    path = resource_path(INVESTMENTS, investment_id)
    if path is None:
        raise Refusal(404, INVESTMENT_MISSING)
    form = await Form.of(request, REPAYMENT_FIELDS)
    payload = {
        "principal_fen": form.fen("principal_yuan", required=False) or 0,
        "income_fen": form.fen("income_yuan", required=False) or 0,
        "paid_on": form.values["paid_on"],
    }
    key = str(uuid.UUID(investment_id))
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", f"{path}/repayments", json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                done = Form(values=dict.fromkeys(REPAYMENT_FIELDS, ""))
                done.done = f"已登记回款，未收回本金 {format_yuan(answer.json()['outstanding_fen'])} 元。"
                return await fund_page(
                    request, principal, forms=FundForms(repayments={key: done}), block="fund_body"
                )
            if answer.status_code in (401, 403, 404):
                return refusal(
                    request, principal, answer, service="assets", missing=INVESTMENT_MISSING
                ).response
            form.absorb(answer, "回款未能登记，请检查后重试。")
        return await fund_page(
            request, principal, forms=FundForms(repayments={key: form}), block="fund_body", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None
