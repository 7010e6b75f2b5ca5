"""The cases: the inbox and the list, opening a case (with the household picker), one case with the steps
the caller may take (the service's `allowed_actions`), its objections, measures and reliefs."""

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import HOUSEHOLDS, region_names, region_tree
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import NOT_ALLOWED, Refusal, SignedOut
from gateway.web.forms import detail_of, household_choices
from gateway.web.monitoring.service import (
    CASE,
    CASE_MISSING,
    CASES,
    FINDINGS,
    HINTS,
    MONITORING,
    MONITORING_DOWN,
    PAGE_SIZE,
    MonitoringForm,
    call_monitoring,
    case_path,
    chinese,
    monitoring_json,
    scope_regions,
    show,
)
from gateway.web.render import today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import (
    CLOSED_STATUSES,
    Action,
    CaseStatus,
    MeasureKind,
    ReliefKind,
    RiskType,
    Source,
)

router = page_router()
MayGetCases = Annotated[Principal, Depends(PageUser(("GET", CASES)))]
MayGetHouseholds = Annotated[Principal, Depends(PageUser(("GET", HOUSEHOLDS)))]
MayPostCases = Annotated[Principal, Depends(PageUser(("POST", CASES)))]
MayGetCase = Annotated[Principal, Depends(PageUser(("GET", CASE)))]
MayPostTransitions = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/transitions")))]
MayPostObjections = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/objections")))]
MayResolveObjections = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/objections/{{oid}}/resolve")))]
MayPostMeasures = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/measures")))]
MayPatchMeasures = Annotated[Principal, Depends(PageUser(("PATCH", f"{CASE}/measures/{{mid}}")))]
MayPostReliefs = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/reliefs")))]


@dataclass(frozen=True)
class CaseFilters:
    tab: str = "inbox"
    status: str = ""
    region: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {"tab": self.tab, "status": self.status, "region": self.region, "page": self.page} | changes
        return urlencode(
            {
                k: v
                for k, v in values.items()
                if v and not (k == "page" and v == 1) and not (k == "tab" and v == "inbox")
            }
        )

    def api_params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "page_size": PAGE_SIZE}
        if self.tab == "inbox":
            params["awaiting_me"] = "true"
            return params
        params |= {k: v for k, v in (("status", self.status), ("region", self.region)) if v}
        return params


def clean_case_filters(tab: str, case_status: str, region: str, page: int) -> CaseFilters:
    """Only well-formed filters reach the service (it answers 422 to an empty or unknown one)."""
    region = region.strip()
    return CaseFilters(
        tab="all" if tab == "all" else "inbox",
        status=case_status if case_status in set(CaseStatus) else "",
        region=region if re.fullmatch(r"\d{6}(\d{3}){0,2}", region) else "",
        page=page,
    )


def blank_case_form() -> MonitoringForm:
    values = dict.fromkeys(("household_id", "source", "description", "authorisation", "signed_on"), "")
    values["source"] = Source.village_screening.value
    values["risk_types"] = []
    return MonitoringForm(values=values)


async def cases_page(
    request: Request,
    principal: Principal,
    filters: CaseFilters,
    *,
    form: MonitoringForm | None = None,
    created: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    result, tree = await asyncio.gather(
        monitoring_json(request, principal, CASES, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "regions": scope_regions(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_open": allowed("POST", CASES, principal.role),
        "can_print": allowed("GET", f"{MONITORING}/notices", principal.role),
        "can_alerts": allowed("GET", f"{MONITORING}/alerts", principal.role),
        "form": form or blank_case_form(),
        "created": created,
        "found": [],
        "q": "",
    }
    return show(
        request,
        principal,
        "monitoring/cases.html",
        context,
        block=block,
        status_code=status_code,
        headers=headers,
    )


@router.get("/monitoring")
@router.get("/monitoring/cases")
async def case_list(
    request: Request,
    principal: MayGetCases,
    tab: str = "inbox",
    status_filter: Annotated[str, Query(alias="status")] = "",
    region: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = clean_case_filters(tab, status_filter, region, page)
    return await cases_page(request, principal, filters, block="case_results")


@router.get("/monitoring/households")
async def household_picker(
    request: Request, principal: MayGetHouseholds, q: str = "", household_id: str = ""
) -> Response:
    """The picker's choices: households in scope whose name or number matches (registry search)."""
    context = await household_choices(request, principal, q) | {"picked": household_id}
    return show(request, principal, "monitoring/cases.html", context, block="household_options")


@router.post("/monitoring/cases")
async def open_case(request: Request, principal: MayPostCases) -> Response:
    """Open a case (status 已申请) through POST /api/v1/monitoring/cases; reasons next to the fields."""
    form = await MonitoringForm.of(
        request, ("household_id", "source", "description", "authorisation", "signed_on")
    )
    submitted = await request.form()
    risks = [str(r) for r in submitted.getlist("risk_types") if str(r) in set(RiskType)]
    form.values["risk_types"] = risks
    values = form.values
    if not values["household_id"]:
        form.errors["household_id"] = HINTS["household_id"]
    if values["source"] not in set(Source):
        form.errors["source"] = HINTS["source"]
    if not risks:
        form.errors["risk_types"] = HINTS["risk_types"]
    description = form.text("description", low=2, high=1000)
    body: dict[str, Any] = {
        "household_id": values["household_id"],
        "source": values["source"],
        "risk_types": risks,
        "description": description,
    }
    if values["source"] == Source.self_application:
        if values["authorisation"] != "on":
            form.errors["authorisation"] = HINTS["authorisation"]
        signed_on = form.day("signed_on")
        body["authorisation"] = {"signed": values["authorisation"] == "on", "signed_on": signed_on}
    filters = CaseFilters()
    if form.has_errors:
        return await cases_page(request, principal, filters, form=form, block="case_form", status_code=422)
    try:
        answer = await call_monitoring(request, principal.token, "POST", CASES, json=body)
    except Unavailable:
        form.problem = MONITORING_DOWN
        return await cases_page(request, principal, filters, form=form, block="case_form", status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        return await cases_page(
            request,
            principal,
            filters,
            created=answer.json(),
            block="case_form",
            status_code=status.HTTP_201_CREATED,
            headers={"HX-Trigger": "cases-changed"},
        )
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        form.errors["household_id"] = "未找到该农牧户，或该户不在您的管辖范围内。"
    form.absorb(answer, "未能新建监测对象，请检查后重试。")
    return await cases_page(request, principal, filters, form=form, block="case_form", status_code=422)


# --- one case ----------------------------------------------------------------------------------------


@dataclass
class CaseForms:
    """The case page's forms: the one just submitted keeps its values and errors, the others are blank."""

    forms: dict[str, MonitoringForm] = field(default_factory=dict)

    def __getitem__(self, name: str) -> MonitoringForm:
        return self.forms.get(name) or MonitoringForm(values={})


async def findings_of(request: Request, principal: Principal, household_id: str) -> list[Any] | None:
    """What departments' lists found for the case's household (its data comparison records them); None when
    the service cannot say, the page then leaving the section out."""
    params = {"household_id": household_id, "page_size": 50}
    try:
        answer = await call_monitoring(request, principal.token, "GET", FINDINGS, params=params)
    except Unavailable:
        return None
    items: list[Any] | None = answer.json()["items"] if answer.status_code == status.HTTP_200_OK else None
    return items


async def case_page(
    request: Request,
    principal: Principal,
    path: str,
    *,
    forms: CaseForms | None = None,
    problem: str | None = None,
    done: str | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    case, tree = await asyncio.gather(
        monitoring_json(request, principal, path), region_tree(request, principal)
    )
    names = region_names(tree or [])
    findings = await findings_of(request, principal, case["household_id"])
    current = CaseStatus(case["status"])
    role = principal.role
    context = {
        "case": case,
        "findings": findings,
        "actions": case["allowed_actions"],
        "forms": forms or CaseForms(),
        "problem": problem,
        "done": done,
        "today": today().isoformat(),
        "region_names": names,
        "region_name": names.get(principal.region),
        "village_name": names.get(case["region_code"], case["region_code"]),
        "township_name": names.get(case["region_code"][:9], ""),
        "can_object": current == CaseStatus.in_public_notice and allowed("POST", f"{path}/objections", role),
        "can_resolve": allowed("POST", f"{path}/objections/{{oid}}/resolve", role)
        and principal.region == case["region_code"][:9],
        "can_measure": current in (CaseStatus.confirmed, CaseStatus.assisting)
        and allowed("POST", f"{path}/measures", role),
        "can_relieve": current not in CLOSED_STATUSES and allowed("POST", f"{path}/reliefs", role),
        "can_visit": allowed("POST", f"{MONITORING}/visits", role),
    }
    return show(request, principal, "monitoring/case.html", context, block=block, status_code=status_code)


@router.get("/monitoring/cases/{case_id}")
async def case_detail(request: Request, principal: MayGetCase, case_id: str) -> Response:
    path = case_path(case_id)
    if path is None:
        raise Refusal(404, CASE_MISSING)
    return await case_page(request, principal, path)


async def case_post(request: Request, case_id: str, names: tuple[str, ...]) -> tuple[str, MonitoringForm]:
    """The case's API path (a 404 for an id that is not one) and the form's values."""
    path = case_path(case_id)
    if path is None:
        raise Refusal(404, CASE_MISSING)
    return path, await MonitoringForm.of(request, names)


async def case_write(
    request: Request,
    principal: Principal,
    path: str,
    *,
    form_name: str,
    form: MonitoringForm,
    method: str,
    api_path: str,
    body: dict[str, Any],
    done: str,
) -> Response:
    """Send one write; answer the case body with the outcome (a refusal in Chinese, 422 for htmx)."""
    forms = CaseForms({form_name: form})
    if form.has_errors:
        return await case_page(request, principal, path, forms=forms, block="case_body", status_code=422)
    try:
        answer = await call_monitoring(request, principal.token, method, api_path, json=body)
    except Unavailable:
        return await case_page(
            request, principal, path, problem=MONITORING_DOWN, block="case_body", status_code=503
        )
    if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        return await case_page(request, principal, path, done=done, block="case_body")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        raise Refusal(404, CASE_MISSING)
    if answer.status_code == status.HTTP_403_FORBIDDEN:
        problem = detail_of(answer, NOT_ALLOWED, say=chinese)
        return await case_page(request, principal, path, problem=problem, block="case_body", status_code=422)
    if answer.status_code == status.HTTP_409_CONFLICT:
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。", say=chinese)
        return await case_page(request, principal, path, problem=problem, block="case_body", status_code=422)
    form.absorb(answer, "填写有误，请检查后重试。")
    return await case_page(
        request, principal, path, forms=forms, problem=form.problem, block="case_body", status_code=422
    )


@router.post("/monitoring/cases/{case_id}/transitions")
async def take_step(request: Request, principal: MayPostTransitions, case_id: str) -> Response:
    """One step of the procedure through POST …/transitions; the 409 reasons shown in Chinese."""
    path, form = await case_post(request, case_id, ("action", "comment"))
    action = form.values["action"]
    if action not in set(Action):
        raise Refusal(404, "没有这个办理步骤。")
    comment = form.values["comment"]
    if len(comment) > 500 or (action == Action.reject and not comment):
        form.errors["comment"] = HINTS["comment"]
    return await case_write(
        request,
        principal,
        path,
        form_name=f"step-{action}",
        form=form,
        method="POST",
        api_path=f"{path}/transitions",
        body={"action": action, "comment": comment or None},
        done=f"已办理：{Action(action).label}。",
    )


@router.post("/monitoring/cases/{case_id}/objections")
async def record_objection(request: Request, principal: MayPostObjections, case_id: str) -> Response:
    path, form = await case_post(request, case_id, ("content", "raised_by_name"))
    content = form.text("content", low=2, high=1000)
    raised_by = form.text("raised_by_name", low=0, high=50)
    return await case_write(
        request,
        principal,
        path,
        form_name="objection",
        form=form,
        method="POST",
        api_path=f"{path}/objections",
        body={"content": content, "raised_by_name": raised_by or None},
        done="异议已登记，须由苏木镇处理后方可确认。",
    )


@router.post("/monitoring/cases/{case_id}/objections/{objection_id}/resolve")
async def resolve_objection(
    request: Request, principal: MayResolveObjections, case_id: str, objection_id: str
) -> Response:
    path, form = await case_post(request, case_id, ("resolution", "upheld"))
    try:
        oid = uuid.UUID(objection_id)
    except ValueError:
        raise Refusal(404, CASE_MISSING) from None
    resolution = form.text("resolution", low=2, high=1000)
    return await case_write(
        request,
        principal,
        path,
        form_name=f"resolve-{oid}",
        form=form,
        method="POST",
        api_path=f"{path}/objections/{oid}/resolve",
        body={"resolution": resolution, "upheld": form.values["upheld"] == "yes"},
        done="异议已处理。",
    )


@router.post("/monitoring/cases/{case_id}/measures")
async def add_measure(request: Request, principal: MayPostMeasures, case_id: str) -> Response:
    path, form = await case_post(request, case_id, ("kind", "description", "cadre_name", "started_on"))
    if form.values["kind"] not in set(MeasureKind):
        form.errors["kind"] = HINTS["kind"]
    body = {
        "kind": form.values["kind"],
        "description": form.text("description", low=2, high=1000),
        "cadre_name": form.text("cadre_name", low=1, high=50),
        "started_on": form.day("started_on"),
    }
    return await case_write(
        request,
        principal,
        path,
        form_name="measure",
        form=form,
        method="POST",
        api_path=f"{path}/measures",
        body=body,
        done="帮扶措施已添加。",
    )


@router.post("/monitoring/cases/{case_id}/measures/{measure_id}")
async def complete_measure(
    request: Request, principal: MayPatchMeasures, case_id: str, measure_id: str
) -> Response:
    path, form = await case_post(request, case_id, ("outcome", "completed_on"))
    try:
        mid = uuid.UUID(measure_id)
    except ValueError:
        raise Refusal(404, CASE_MISSING) from None
    body = {"outcome": form.text("outcome", low=1, high=1000), "completed_on": form.day("completed_on")}
    return await case_write(
        request,
        principal,
        path,
        form_name=f"measure-{mid}",
        form=form,
        method="PATCH",
        api_path=f"{path}/measures/{mid}",
        body=body,
        done="帮扶措施已完成。",
    )


@router.post("/monitoring/cases/{case_id}/reliefs")
async def add_relief(request: Request, principal: MayPostReliefs, case_id: str) -> Response:
    path, form = await case_post(request, case_id, ("kind", "amount_yuan", "description", "granted_on"))
    if form.values["kind"] not in set(ReliefKind):
        form.errors["kind"] = HINTS["kind"]
    amount = form.fen("amount_yuan", positive=True)
    if amount is not None and amount > 100_000_000:
        form.errors["amount_yuan"] = HINTS["amount_yuan"]
    body = {
        "kind": form.values["kind"],
        "amount_fen": amount,
        "description": form.text("description", low=2, high=1000),
        "granted_on": form.day("granted_on"),
    }
    return await case_write(
        request,
        principal,
        path,
        form_name="relief",
        form=form,
        method="POST",
        api_path=f"{path}/reliefs",
        body=body,
        done="先行救助已登记。",
    )
