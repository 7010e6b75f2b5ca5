"""The monitoring pages (防返贫监测): the inbox and list of cases, opening a case, one case with its steps and
the buttons the caller may press, objections, measures and reliefs, the printable public notice (公示),
household visits, alerts, and the public one-click self-report form (一键申报, no sign-in).

Every read and write goes to the monitoring service on the caller's token (the public form goes on a short
token the gateway mints for itself); the service decides scope and validity, the pages show its answers in
Chinese. The step buttons a case shows are the service's `allowed_actions` for the caller, so a page never
offers a step the API would refuse for role, tier or order. Money is typed in yuan and sent in fen,
converted exactly with `Decimal`.
"""

import asyncio
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.ratelimit import report_wait
from gateway.tokens import TokenIssuer
from gateway.upstreams import Upstreams
from gateway.web.clients import (
    HOUSEHOLDS,
    call_registry,
    call_service,
    region_names,
    region_tree,
    service_json,
)
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import NOT_ALLOWED, Refusal, SignedOut
from gateway.web.forms import CJK, Form, household_choices, problems_of, villages
from gateway.web.render import DISPLAY_TZ, renderer
from shared.auth import Principal
from shared.errors import Unavailable
from shared.idnumber import InvalidIdNumber, parse_id_number
from shared.regions import BANNER_CODE, Tier
from shared.roles import Role
from shared.vocabulary import labels
from shared.vocabulary.monitoring import (
    CLOSED_STATUSES,
    Action,
    AlertStatus,
    CaseStatus,
    MeasureKind,
    ReliefKind,
    RiskType,
    Source,
)

router = page_router()

MONITORING = "/api/v1/monitoring"
CASES = f"{MONITORING}/cases"
CASE = f"{CASES}/{{id}}"
PAGE_SIZE = 20

MONITORING_DOWN = "防返贫监测服务暂时不可用，请稍后再试。"
CASE_MISSING = "未找到该监测对象，或该案件不在您的管辖范围内。"

OPEN_STATUSES = [s for s in CaseStatus if s not in CLOSED_STATUSES]
HINTS = {
    "household_id": "请先查找并选择本辖区的农牧户",
    "source": "请选择发现途径",
    "risk_types": "请至少选择一种风险类型",
    "description": "请填写情况说明（2–1000 字）",
    "authorisation": "农户申请须勾选已签署承诺授权书",
    "signed_on": "请选择授权书签署日期",
    "comment": "意见最多 500 字；驳回须说明理由",
    "content": "请填写异议内容（2–1000 字）",
    "raised_by_name": "反映人姓名最多 50 字",
    "resolution": "请填写处理意见（2–1000 字）",
    "kind": "请选择类型",
    "cadre_name": "请填写帮扶责任人（最多 50 字）",
    "started_on": "请选择开始日期",
    "outcome": "请填写帮扶成效（最多 1000 字）",
    "completed_on": "请选择完成日期",
    "amount_yuan": "请填写大于 0 的金额（元，最多两位小数）",
    "granted_on": "请选择救助日期",
    "visited_on": "请选择走访日期",
    "income_yuan": "请填写家庭人均纯收入（元，最多两位小数）",
    "rigid_yuan": "请填写刚性支出（元，最多两位小数）",
    "note": "备注最多 1000 字",
    "reason": "请填写忽略理由（2–500 字）",
    "village_code": "请选择您所在的嘎查村",
    "name": "请填写姓名（最多 50 字）",
    "phone": "请填写 11 位手机号或带区号的固定电话",
    "id_number": "请填写 18 位身份证号",
}
API_TO_FORM = {
    "amount_fen": "amount_yuan",
    "income_per_capita_fen": "income_yuan",
    "rigid_expenditure_fen": "rigid_yuan",
    "authorisation_signed": "authorisation",
}
PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
ENUM_WORDS = re.compile(r"(?<![A-Za-z_])[a-z]+(?:_[a-z]+)*(?![A-Za-z_])")
WORDS = {**labels(CaseStatus), **labels(Action)}

LABELS = {
    "CASE_STATUSES": list(CaseStatus),
    "RISK_TYPES": list(RiskType),
    "SOURCES": list(Source),
    "MEASURE_KINDS": list(MeasureKind),
    "RELIEF_KINDS": list(ReliefKind),
}


show = renderer(LABELS)


MayGetCases = Annotated[Principal, Depends(PageUser(("GET", CASES)))]
MayGetHouseholds = Annotated[Principal, Depends(PageUser(("GET", HOUSEHOLDS)))]
MayPostCases = Annotated[Principal, Depends(PageUser(("POST", CASES)))]
MayGetNotices = Annotated[Principal, Depends(PageUser(("GET", f"{MONITORING}/notices")))]
MayPostVisits = Annotated[Principal, Depends(PageUser(("POST", f"{MONITORING}/visits")))]
MayGetAlerts = Annotated[Principal, Depends(PageUser(("GET", f"{MONITORING}/alerts")))]
MayDecideAlerts = Annotated[
    Principal, Depends(PageUser(("POST", f"{MONITORING}/alerts/{{id}}/{{decision}}")))
]
MayGetCase = Annotated[Principal, Depends(PageUser(("GET", CASE)))]
MayPostTransitions = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/transitions")))]
MayPostObjections = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/objections")))]
MayResolveObjections = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/objections/{{oid}}/resolve")))]
MayPostMeasures = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/measures")))]
MayPatchMeasures = Annotated[Principal, Depends(PageUser(("PATCH", f"{CASE}/measures/{{mid}}")))]
MayPostReliefs = Annotated[Principal, Depends(PageUser(("POST", f"{CASE}/reliefs")))]


def today() -> date:
    return datetime.now(DISPLAY_TZ).date()


def chinese(text: str) -> str:
    """The service's reason with its status and step names (English values) said in Chinese."""
    return ENUM_WORDS.sub(lambda m: WORDS.get(m.group(0), m.group(0)), text)


class MonitoringForm(Form):
    """A monitoring form: its hints, and the service's status and step names said in Chinese."""

    hints = HINTS
    api_fields = API_TO_FORM

    def column(self, name: str) -> str:
        parts = [p for p in name.split(".") if not p.isdigit()]
        if parts and parts[0] == "authorisation":
            return "authorisation" if parts[-1] == "signed" else "signed_on"
        last = parts[-1] if parts else ""
        return self.api_fields.get(last, last)

    def wording(self, reason: str) -> str:
        return chinese(reason)


def detail_of(answer: httpx.Response, fallback: str) -> str:
    """The service's own Chinese reason (公示期未满, 有未处理的异议…), or `fallback`."""
    body = problems_of(answer)
    reasons = [str(p.get("reason", "")) for p in body.get("errors") or []]
    detail = str(body.get("detail") or "")
    if CJK.search(detail):
        return chinese(detail)
    for text in reasons:
        if CJK.search(text):
            return chinese(text)
    return fallback


# --- talking to the monitoring service ---------------------------------------------------------------


async def call_monitoring(
    request: Request, token: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Call the monitoring service on `token` (the caller's, or the gateway's own for the public form)."""
    return await call_service(request, "monitoring", method, path, token=token, **kwargs)


async def monitoring_json(
    request: Request, principal: Principal, path: str, *, missing: str = CASE_MISSING, **kwargs: Any
) -> Any:
    return await service_json(request, principal, "monitoring", path, missing=missing, **kwargs)


def case_path(raw_id: str) -> str | None:
    try:
        return f"{CASES}/{uuid.UUID(raw_id)}"
    except ValueError:
        return None


def scope_regions(tree: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The region picker: each township (all its villages) then its villages; a village official's own."""
    options: list[tuple[str, str]] = []

    def walk(node: dict[str, Any], township: str | None) -> None:
        if node["tier"] == Tier.township:
            options.append((node["code"], f"{node['name']}（全部嘎查村）"))
        elif node["tier"] == Tier.village:
            options.append((node["code"], f"{township} · {node['name']}" if township else node["name"]))
        for child in node.get("children", []):
            walk(child, node["name"] if node["tier"] == Tier.township else township)

    for root in tree:
        walk(root, None)
    return options


# --- the list and the inbox ----------------------------------------------------------------------------


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
        request, principal, "monitoring.html", context, block=block, status_code=status_code, headers=headers
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
    return show(request, principal, "monitoring.html", context, block="household_options")


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
    current = CaseStatus(case["status"])
    role = principal.role
    context = {
        "case": case,
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
    return show(request, principal, "case.html", context, block=block, status_code=status_code)


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
        problem = detail_of(answer, NOT_ALLOWED) if CJK.search(str(problems_of(answer))) else NOT_ALLOWED
        return await case_page(request, principal, path, problem=problem, block="case_body", status_code=422)
    if answer.status_code == status.HTTP_409_CONFLICT:
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
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


# --- the printable public notice (公示) -----------------------------------------------------------------


@router.get("/monitoring/notices/print")
async def notice_print(request: Request, principal: MayGetNotices, region: str = "") -> Response:
    """The cases now in public notice, one sheet per village: household number, masked name, risks,
    dates and the objection deadline (never an ID number, phone, bank account or health condition)."""
    region = region.strip()
    params: dict[str, str | int] = {"page_size": 200}
    if re.fullmatch(r"\d{6}(\d{3}){0,2}", region):
        params["region"] = region
    notices, tree = await asyncio.gather(
        monitoring_json(request, principal, f"{MONITORING}/notices", params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    sheets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in notices["items"]:
        sheets[item["region_code"]].append(item)
    context = {
        "sheets": sorted(sheets.items()),
        "region": params.get("region", ""),
        "regions": scope_regions(tree or []),
        "region_names": names,
        "printed": today(),
    }
    return show(request, principal, "notice_monitoring.html", context)


# --- visits and alerts --------------------------------------------------------------------------------

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
    return show(request, principal, "monitoring_visit.html", context, block=block, status_code=status_code)


@router.get("/monitoring/visits/new")
async def new_visit(request: Request, principal: MayPostVisits, household_id: str = "") -> Response:
    values = dict.fromkeys(VISIT_FIELDS, "") | {"household_id": household_id.strip()[:36]}
    values |= {name: "yes" for name, _ in GUARANTEES} | {"visited_on": today().isoformat()}
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


async def alerts_page(
    request: Request,
    principal: Principal,
    alert_status: str,
    page: int,
    *,
    problem: str | None = None,
    done: str | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    params: dict[str, str | int] = {"page": page, "page_size": PAGE_SIZE}
    if alert_status:
        params["status"] = alert_status
    result, tree = await asyncio.gather(
        monitoring_json(request, principal, f"{MONITORING}/alerts", params=params),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "result": result,
        "alert_status": alert_status,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "problem": problem,
        "done": done,
        "can_act": allowed("POST", f"{MONITORING}/alerts/{{id}}/open-case", principal.role),
        "alert_statuses": list(AlertStatus),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "monitoring_alerts.html", context, block=block, status_code=status_code)


@router.get("/monitoring/alerts")
async def alert_list(
    request: Request,
    principal: MayGetAlerts,
    status_filter: Annotated[str, Query(alias="status")] = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    alert_status = status_filter if status_filter in set(AlertStatus) else ""
    return await alerts_page(request, principal, alert_status, page, block="alert_results")


@router.post("/monitoring/alerts/{alert_id}/{decision}")
async def decide_alert(
    request: Request, principal: MayDecideAlerts, alert_id: str, decision: str
) -> Response:
    """转为监测对象 (open-case) or 忽略 (dismiss, with a reason)."""
    try:
        api_path = f"{MONITORING}/alerts/{uuid.UUID(alert_id)}/{decision}"
    except ValueError:
        raise Refusal(404, "未找到该预警。") from None
    if decision not in ("open-case", "dismiss"):
        raise Refusal(404, "未找到该预警。")
    reason = str((await request.form()).get("reason") or "").strip()
    problem = done = None
    if decision == "dismiss" and not 2 <= len(reason) <= 500:
        problem = HINTS["reason"]
    else:
        body = {"reason": reason} if decision == "dismiss" else {}
        try:
            answer = await call_monitoring(request, principal.token, "POST", api_path, json=body)
        except Unavailable:
            answer = None
            problem = MONITORING_DOWN
        if answer is not None and answer.status_code in (200, 201):
            done = "已转为监测对象。" if decision == "open-case" else "预警已忽略。"
        elif answer is not None:
            problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
    return await alerts_page(
        request,
        principal,
        "open",
        1,
        problem=problem,
        done=done,
        block="alert_results",
        status_code=422 if problem else 200,
    )


# --- the public self-report form (一键申报) --------------------------------------------------------------

REPORT_FIELDS = ("village_code", "name", "phone", "id_number", "description", "authorisation")


def gateway_token(request: Request) -> str:
    """A short-lived token of the gateway itself (it is the issuer), for the public form's calls."""
    issuer: TokenIssuer = request.app.state.issuer
    return issuer.issue(subject="svc-gateway", role=Role.banner_official, region=BANNER_CODE).access_token


async def public_villages(request: Request, token: str) -> list[tuple[str, str]] | None:
    try:
        upstreams: Upstreams = request.app.state.upstreams
        answer = await upstreams.call(
            "registry", "GET", "/api/v1/regions", token=token, request_id=request.state.request_id
        )
    except Unavailable:
        return None
    if answer.status_code != status.HTTP_200_OK:
        return None
    return [(o.code, o.label) for o in villages(answer.json())]


async def report_page(
    request: Request,
    form: MonitoringForm,
    *,
    token: str | None = None,
    received: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    options = None if received else await public_villages(request, token or gateway_token(request))
    context = {
        "form": form,
        "villages": options or [],
        "received": received,
        "villages_down": options is None,
    }
    return show(request, None, "report.html", context, status_code=status_code, headers=headers)


def blank_report_form() -> MonitoringForm:
    return MonitoringForm(values=dict.fromkeys(REPORT_FIELDS, "") | {"risk_types": []})


@router.get("/report")
async def report_form(request: Request) -> Response:
    return await report_page(request, blank_report_form())


@router.post("/report")
async def submit_report(request: Request) -> Response:
    """Relay the report to POST /api/v1/monitoring/self-reports on the gateway's own token; never echo
    the ID number back."""
    form = await MonitoringForm.of(request, REPORT_FIELDS)
    risks = [str(r) for r in (await request.form()).getlist("risk_types") if str(r) in set(RiskType)]
    form.values["risk_types"] = risks
    values = form.values
    token = gateway_token(request)
    options = await public_villages(request, token) or []
    if values["village_code"] not in {code for code, _ in options}:
        form.errors["village_code"] = HINTS["village_code"]
    name = form.text("name", low=1, high=50)
    if not PHONE.fullmatch(values["phone"]):
        form.errors["phone"] = HINTS["phone"]
    try:
        id_number = parse_id_number(values["id_number"].upper()).number
    except InvalidIdNumber as exc:
        id_number = None
        form.errors["id_number"] = str(exc) if CJK.search(str(exc)) else "身份证号有误，请核对"
    if not risks:
        form.errors["risk_types"] = HINTS["risk_types"]
    description = form.text("description", low=2, high=1000)
    if values["authorisation"] != "on":
        form.errors["authorisation"] = "请阅读并勾选承诺授权"
    if form.has_errors:
        form.values["id_number"] = ""  # an ID number is never echoed back into the page
        return await report_page(request, form, token=token, status_code=422)
    # Only a valid submission counts, so a typo does not use up the allowance (gateway/ratelimit.py).
    wait = await report_wait(request, id_number=str(id_number), phone=values["phone"])
    if wait:
        form.values["id_number"] = ""
        form.problem = "提交过于频繁：同一申报人每小时最多提交 5 次，请稍后再试，或直接联系所在嘎查村委会。"
        return await report_page(
            request, form, token=token, status_code=429, headers={"Retry-After": str(wait)}
        )
    body = {
        "village_code": values["village_code"],
        "name": name,
        "phone": values["phone"],
        "id_number": id_number,
        "description": description,
        "risk_types": risks,
        "authorisation_signed": True,
    }
    form.values["id_number"] = ""
    try:
        answer = await call_monitoring(request, token, "POST", f"{MONITORING}/self-reports", json=body)
    except Unavailable:
        form.problem = "系统暂时无法受理，请稍后再试，或直接联系所在嘎查村委会。"
        return await report_page(request, form, token=token, status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        return await report_page(request, form, received=answer.json(), status_code=201)
    form.absorb(answer, "提交未成功，请检查后重试。")
    return await report_page(request, form, token=token, status_code=422)


# --- the dashboard --------------------------------------------------------------------------------------


@dataclass
class MonitoringOverview:
    """Open cases by status in the caller's scope, each with how many are overdue, and the inbox size."""

    rows: list[tuple[str, str, int, int]]
    inbox: int

    @property
    def total(self) -> int:
        return sum(count for _, _, count, _ in self.rows)

    @property
    def overdue(self) -> int:
        return sum(late for _, _, _, late in self.rows)


async def monitoring_overview(request: Request, principal: Principal) -> MonitoringOverview | None:
    """The dashboard's monitoring section; None when the role may not see cases or the service refuses."""
    if not allowed("GET", CASES, principal.role):
        return None

    async def total(**params: str) -> int | None:
        answer = await call_monitoring(
            request, principal.token, "GET", CASES, params={**params, "page_size": 1}
        )
        return int(answer.json()["total"]) if answer.status_code == status.HTTP_200_OK else None

    try:
        counts = await asyncio.gather(
            *(total(status=s.value) for s in OPEN_STATUSES),
            *(total(status=s.value, overdue="true") for s in OPEN_STATUSES),
            total(awaiting_me="true"),
        )
    except Unavailable:
        return None
    if any(c is None for c in counts):
        return None
    n = len(OPEN_STATUSES)
    rows = [(s.value, s.label, counts[i] or 0, counts[n + i] or 0) for i, s in enumerate(OPEN_STATUSES)]
    return MonitoringOverview(rows, counts[-1] or 0)
