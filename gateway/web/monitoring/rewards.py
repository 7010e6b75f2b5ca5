"""Industry results (以奖代补、先建后补, seed §五(五)): what households achieved, verified at a visit or
waiting for one, each verified result a link to its reward claim; the village records a result with the
visit that saw it, and a later visit verifies one recorded before."""

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import household_choices, went_to
from gateway.web.monitoring.service import (
    MONITORING,
    MONITORING_DOWN,
    AssistanceForm,
    call_monitoring,
    household_of,
    listing,
    show,
    where,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable

RESULTS = f"{MONITORING}/industry-results"
VISITS = f"{MONITORING}/visits"
router = page_router()
MayGetResults = Annotated[Principal, Depends(PageUser(("GET", RESULTS)))]
MayRecordResults = Annotated[Principal, Depends(PageUser(("POST", RESULTS)))]
MayVerify = Annotated[Principal, Depends(PageUser(("POST", f"{RESULTS}/{{id}}/verification")))]
RESULT_FIELDS = ("household_id", "what", "quantity", "unit", "achieved_on", "visit_id")


class ResultForm(AssistanceForm):
    hints = AssistanceForm.hints | {
        "what": "请填写成果内容（2–200 字），如：出栏肉羊、新建标准化棚圈",
        "quantity": "请填写 1–100000 之间的数量",
        "unit": "请填写单位（如 只、座、亩）",
        "achieved_on": "请选择成果日期（不晚于今天）",
        "visit_id": "请选择看到该成果的入户走访",
    }


async def results_page(
    request: Request,
    principal: Principal,
    filters: dict[str, str],
    page: int,
    *,
    verifying: tuple[str, AssistanceForm] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    context = await listing(request, principal, RESULTS, filters, page)
    context |= {
        "verifying": verifying,
        "visits": await _visits_of(request, principal, context["result"]["items"]),
        "can_record": allowed("POST", RESULTS, principal.role),
        "can_verify": allowed("POST", f"{RESULTS}/{{id}}/verification", principal.role),
        "can_claim": allowed("POST", "/api/v1/payments/claims", principal.role),
    }
    return show(
        request,
        principal,
        "monitoring/industry_results.html",
        context,
        block="result_list",
        status_code=status_code,
    )


async def _visits_of(
    request: Request, principal: Principal, results: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The visits to each household with a result still to verify (those a verification may name)."""
    waiting = sorted({r["household_id"] for r in results if not r["verified"]})
    if not waiting or not allowed("POST", f"{RESULTS}/{{id}}/verification", principal.role):
        return {}
    pages = await asyncio.gather(*(household_visits(request, principal, h) for h in waiting))
    return dict(zip(waiting, pages, strict=True))


async def household_visits(request: Request, principal: Principal, household_id: str) -> list[dict[str, Any]]:
    """A household's visits, the latest first (none when the service cannot say)."""
    try:
        answer = await call_monitoring(
            request, principal.token, "GET", VISITS, params={"household_id": household_id, "page_size": 50}
        )
    except Unavailable:
        return []
    if answer.status_code != status.HTTP_200_OK:
        return []
    return sorted(answer.json()["items"], key=lambda v: v["visited_on"], reverse=True)


@router.get("/monitoring/industry-results")
async def result_list(
    request: Request,
    principal: MayGetResults,
    region: Annotated[str, Query(max_length=12)] = "",
    verified: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = {"region": region, "verified": verified if verified in ("true", "false") else ""}
    return await results_page(request, principal, filters, page)


async def result_form_page(
    request: Request, principal: Principal, form: AssistanceForm, q: str = "", status_code: int = 200
) -> Response:
    household = await household_of(request, principal, str(form.values.get("household_id", "")))
    picker = {} if household else await household_choices(request, principal, q)
    visits = await household_visits(request, principal, household["id"]) if household else []
    context = {
        "form": form,
        "household": household,
        "picker": picker,
        "visits": visits,
        **await where(request, principal),
    }
    return show(request, principal, "monitoring/industry_result_form.html", context, status_code=status_code)


@router.get("/monitoring/industry-results/new")
async def new_result(
    request: Request, principal: MayRecordResults, household_id: str = "", q: str = ""
) -> Response:
    values = dict.fromkeys(RESULT_FIELDS, "") | {"household_id": household_id}
    values["achieved_on"] = today().isoformat()
    return await result_form_page(request, principal, ResultForm(values=values), q)


@router.post("/monitoring/industry-results")
async def record_result(request: Request, principal: MayRecordResults) -> Response:
    """Record a result; the service refuses a visit to another household, or one before the result."""
    form = await ResultForm.of(request, RESULT_FIELDS)
    body = {
        "household_id": form.values["household_id"],
        "what": form.text("what", low=2, high=200),
        "quantity": form.whole("quantity", low=1, high=100_000),
        "unit": form.text("unit", low=1, high=16),
        "achieved_on": form.day("achieved_on"),
        "visit_id": form.values["visit_id"] or None,
    }
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", RESULTS, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/monitoring/industry-results#result-{answer.json()['id']}")
            form.absorb(answer, "产业成果未能登记，请检查后重试。")
    return await result_form_page(request, principal, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


@router.post("/monitoring/industry-results/{result_id}/verification")
async def verify_result(request: Request, principal: MayVerify, result_id: str) -> Response:
    """A visit that saw a recorded result verifies it, on the list."""
    try:
        path = f"{RESULTS}/{uuid.UUID(result_id)}/verification"
    except ValueError:
        raise Refusal(404, "未找到该产业成果。") from None
    form = await ResultForm.of(request, ("visit_id",))
    if not form.values["visit_id"]:
        form.errors["visit_id"] = form.hint("visit_id")
    else:
        try:
            answer = await call_monitoring(
                request, principal.token, "POST", path, json={"visit_id": form.values["visit_id"]}
            )
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_200_OK:
                return went_to(request, f"/monitoring/industry-results#result-{result_id}")
            form.absorb(answer, "未能核实，请检查后重试。")
    return await results_page(
        request,
        principal,
        {"region": "", "verified": ""},
        1,
        verifying=(result_id, form),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
