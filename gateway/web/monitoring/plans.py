"""Household plans (一户一策): the list (overdue measures, a wish to borrow, region), one household's plan
with its responsible cadre and measures, and the forms that make a plan, add a measure and move one on
(done only with its evidence, as the service insists)."""

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import refusal
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.forms import went_to
from gateway.web.monitoring.service import (
    HINTS,
    HOUSEHOLD_MISSING,
    MONITORING,
    MONITORING_DOWN,
    PLANS,
    AssistanceForm,
    call_monitoring,
    household_form_page,
    household_of,
    listing,
    show,
    where,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import MeasureStatus

router = page_router()
PLAN_OF = f"{MONITORING}/households/{{id}}/plan"
PLAN_FORM = "monitoring/plan_form.html"
MayGetPlans = Annotated[Principal, Depends(PageUser(("GET", PLANS)))]
MayGetPlan = Annotated[Principal, Depends(PageUser(("GET", PLAN_OF)))]
MayPostPlans = Annotated[Principal, Depends(PageUser(("POST", PLANS)))]
MayPostMeasures = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/measures")))]
MayPatchMeasures = Annotated[Principal, Depends(PageUser(("PATCH", f"{PLANS}/{{id}}/measures/{{mid}}")))]
NO_PLAN = "该户尚无帮扶计划。"
FILTERS = {"": None, "true": True, "false": False}


def choice(raw: str) -> str:
    """A yes/no filter as the list keeps it: "true", "false" or "" (any)."""
    return raw if raw in FILTERS else ""


@router.get("/monitoring/plans")
async def plan_list(
    request: Request,
    principal: MayGetPlans,
    region: Annotated[str, Query(max_length=12)] = "",
    overdue: str = "",
    wants_loan: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = {"region": region, "overdue": choice(overdue), "wants_loan": choice(wants_loan)}
    context = await listing(request, principal, PLANS, filters, page)
    context["can_create"] = allowed("POST", PLANS, principal.role)
    return show(request, principal, "monitoring/plans.html", context, block="plan_results")


@router.get("/monitoring/plans/new")
async def new_plan(
    request: Request, principal: MayPostPlans, household_id: str = "", q: str = ""
) -> Response:
    """The plan form; the responsible cadre defaults to the signed-in official."""
    values = {
        "household_id": household_id,
        "username": principal.subject,
        "display_name": getattr(request.state, "display_name", None) or principal.subject,
        "wants_loan": "",
    }
    return await household_form_page(request, principal, PLAN_FORM, AssistanceForm(values=values), q)


@router.post("/monitoring/plans")
async def create_plan(request: Request, principal: MayPostPlans) -> Response:
    form = await AssistanceForm.of(request, ("household_id", "username", "display_name", "wants_loan"))
    values = form.values
    if not values["household_id"]:
        form.errors["household_id"] = HINTS["household_id"]
    username = form.text("username", low=1, high=128)
    display_name = form.text("display_name", low=1, high=50)
    if not form.has_errors:
        body = {
            "household_id": values["household_id"],
            "responsible": {"username": username, "display_name": display_name},
            "wants_loan": values["wants_loan"] == "on",
        }
        try:
            answer = await call_monitoring(request, principal.token, "POST", PLANS, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/monitoring/plans/{values['household_id']}")
            form.absorb(answer, "帮扶计划未能保存，请检查后重试。")
    return await household_form_page(
        request, principal, PLAN_FORM, form, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def plan_of(request: Request, principal: Principal, household: dict[str, Any]) -> dict[str, Any] | None:
    """The household's plan, or None when it has none yet."""
    try:
        answer = await call_monitoring(request, principal.token, "GET", PLAN_OF.format(id=household["id"]))
    except Unavailable:
        raise Refusal(503, MONITORING_DOWN) from None
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        return None
    if answer.status_code != status.HTTP_200_OK:
        raise refusal(answer, service="monitoring", missing=NO_PLAN)
    plan: dict[str, Any] = answer.json()
    return plan


async def household_and_plan(
    request: Request, principal: Principal, household_id: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    household = await household_of(request, principal, household_id)
    if household is None:
        raise Refusal(404, HOUSEHOLD_MISSING)
    return household, await plan_of(request, principal, household)


async def plan_page(
    request: Request,
    principal: Principal,
    household_id: str,
    *,
    measure_form: AssistanceForm | None = None,
    edited: tuple[str, AssistanceForm] | None = None,
    status_code: int = 200,
) -> Response:
    (household, plan), place = await asyncio.gather(
        household_and_plan(request, principal, household_id), where(request, principal)
    )
    default_due = today().replace(month=12, day=31).isoformat()
    context = {
        "household": household,
        "plan": plan,
        "measure_form": measure_form
        or AssistanceForm(values={"kind": "", "target": "", "due_on": default_due}),
        "edited": edited,
        "measure_statuses": list(MeasureStatus),
        "can_create": allowed("POST", PLANS, principal.role),
        "can_edit": allowed("POST", f"{PLANS}/{{id}}/measures", principal.role),
        **place,
    }
    return show(request, principal, "monitoring/plan.html", context, status_code=status_code)


@router.get("/monitoring/plans/{household_id}")
async def plan_view(request: Request, principal: MayGetPlan, household_id: str) -> Response:
    return await plan_page(request, principal, household_id)


async def saved(
    request: Request, principal: Principal, method: str, path: str, body: dict[str, Any]
) -> tuple[bool, AssistanceForm]:
    """Send a measure to the service; whether it took it, and the service's problems on a form."""
    form = AssistanceForm(values={k: "" if v is None else v for k, v in body.items()})
    try:
        answer = await call_monitoring(request, principal.token, method, path, json=body)
    except Unavailable:
        form.problem = MONITORING_DOWN
        return False, form
    if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        return True, form
    form.absorb(answer, "帮扶措施未能保存，请检查后重试。")
    return False, form


@router.post("/monitoring/plans/{household_id}/measures")
async def add_measure(request: Request, principal: MayPostMeasures, household_id: str) -> Response:
    form = await AssistanceForm.of(request, ("kind", "target", "due_on"))
    _, plan = await household_and_plan(request, principal, household_id)
    if plan is None:
        raise Refusal(404, NO_PLAN)
    ok, answer_form = await saved(
        request, principal, "POST", f"{PLANS}/{plan['id']}/measures", dict(form.values)
    )
    if ok:
        return went_to(request, f"/monitoring/plans/{household_id}#measures")
    return await plan_page(request, principal, household_id, measure_form=answer_form, status_code=422)


@router.post("/monitoring/plans/{household_id}/measures/{measure_id}")
async def update_measure(
    request: Request, principal: MayPatchMeasures, household_id: str, measure_id: str
) -> Response:
    """Move a measure on (计划中 → 实施中 → 已完成, the last with its evidence)."""
    form = await AssistanceForm.of(request, ("status", "evidence"))
    _, plan = await household_and_plan(request, principal, household_id)
    measure = next((m for m in (plan or {}).get("measures", []) if m["id"] == measure_id), None)
    if plan is None or measure is None:
        raise Refusal(404, "未找到该帮扶措施。")
    body = {"status": form.values["status"], "evidence": form.values["evidence"] or None}
    ok, answer_form = await saved(
        request, principal, "PATCH", f"{PLANS}/{plan['id']}/measures/{measure_id}", body
    )
    if ok:
        return went_to(request, f"/monitoring/plans/{household_id}#measure-{measure_id}")
    return await plan_page(
        request, principal, household_id, edited=(measure_id, answer_form), status_code=422
    )
