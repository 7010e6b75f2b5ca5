"""Household visits (入户走访): the form, reached from the household file and the village roster
(`/monitoring/visits/new?household_id=`), whose answer lists the alerts the visit raised. A plain GET page
with no inline script, so the field app can keep it offline."""

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.web.clients import HOUSEHOLDS, call_registry, region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import SignedOut
from gateway.web.monitoring.service import (
    HINTS,
    MONITORING,
    MONITORING_DOWN,
    MonitoringForm,
    call_monitoring,
    show,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable

router = page_router()
MayPostVisits = Annotated[Principal, Depends(PageUser(("POST", f"{MONITORING}/visits")))]


VISIT_FIELDS = (
    "household_id",
    "visited_on",
    "education_secure",
    "medical_secure",
    "housing_secure",
    "water_secure",
    "income_yuan",
    "rigid_yuan",
    "employment",
    "note",
)
GUARANTEES = (
    ("education_secure", "义务教育有保障"),
    ("medical_secure", "基本医疗有保障"),
    ("housing_secure", "住房安全有保障"),
    ("water_secure", "饮水安全有保障"),
)


async def visit_page(
    request: Request,
    principal: Principal,
    form: MonitoringForm,
    *,
    result: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    household = None
    if form.values.get("household_id"):
        try:
            uuid.UUID(form.values["household_id"])
            answer = await call_registry(
                request, principal, "GET", f"{HOUSEHOLDS}/{form.values['household_id']}"
            )
            household = answer.json() if answer.status_code == status.HTTP_200_OK else None
        except (ValueError, Unavailable):
            household = None
    names = region_names(await region_tree(request, principal) or [])
    context = {
        "form": form,
        "household": household,
        "result": result,
        "guarantees": GUARANTEES,
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(
        request, principal, "monitoring/visit_form.html", context, block=block, status_code=status_code
    )


@router.get("/monitoring/visits/new")
async def new_visit(request: Request, principal: MayPostVisits, household_id: str = "") -> Response:
    # The four 保障 answers start unanswered: the visitor chooses each (nothing pre-set to 是).
    values = dict.fromkeys(VISIT_FIELDS, "") | {"household_id": household_id.strip()[:36]}
    values |= {"visited_on": today().isoformat()}
    return await visit_page(request, principal, MonitoringForm(values=values))


@router.post("/monitoring/visits/new")
async def record_visit(request: Request, principal: MayPostVisits) -> Response:
    form = await MonitoringForm.of(request, VISIT_FIELDS)
    values = form.values
    if not values["household_id"]:
        form.errors["household_id"] = HINTS["household_id"]
    body: dict[str, Any] = {
        "household_id": values["household_id"],
        "visited_on": form.day("visited_on"),
        "income_per_capita_fen": form.fen("income_yuan"),
        "rigid_expenditure_fen": form.fen("rigid_yuan"),
        "employment": form.text("employment", low=0, high=200) or None,
        "note": form.text("note", low=0, high=1000) or "",
    }
    for name, _ in GUARANTEES:
        if values[name] not in ("yes", "no"):
            form.errors[name] = "请选择是或否"
        body[name] = values[name] == "yes"
    if form.has_errors:
        return await visit_page(request, principal, form, block="visit_form", status_code=422)
    try:
        answer = await call_monitoring(request, principal.token, "POST", f"{MONITORING}/visits", json=body)
    except Unavailable:
        form.problem = MONITORING_DOWN
        return await visit_page(request, principal, form, block="visit_form", status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        return await visit_page(request, principal, form, result=answer.json(), block="visit_form")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        form.errors["household_id"] = "未找到该农牧户，或该户不在您的管辖范围内。"
    form.absorb(answer, "走访记录未能保存，请检查后重试。")
    return await visit_page(request, principal, form, block="visit_form", status_code=422)
