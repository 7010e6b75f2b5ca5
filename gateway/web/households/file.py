"""The household file (一户一档): the household from the registry, and what every other service holds of it —
cases with their steps, visits, alerts, the assistance plan, findings, loans, employment, medical insurance,
dangerous-house renovations and drinking-water fixes, industry results (以奖代补), claims, the safety net the
registry's facts make due this year, payment lines and dividends — read concurrently on the caller's token,
each service scoping its own answer. A service that cannot answer leaves a notice in its sections, never a
failed page; the category change form lives here too, and the one-page PDF of the same file."""

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import (
    HOUSEHOLDS,
    REGISTRY_DOWN,
    SERVICE_LABELS,
    call_registry,
    call_service,
    refusal,
    region_names,
    region_tree,
)
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import problems_of
from gateway.web.households import pdf
from gateway.web.households.service import (
    HOUSEHOLD,
    NOT_FOUND,
    chinese,
    household_path,
    load_household,
    text_of,
)
from gateway.web.render import render, today, wants_fragment
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import CLOSED_STATUSES

router = page_router()
MayGetHousehold = Annotated[Principal, Depends(PageUser(("GET", HOUSEHOLD)))]
MayPostCategoryChanges = Annotated[Principal, Depends(PageUser(("POST", f"{HOUSEHOLD}/category-changes")))]

MONITORING = "/api/v1/monitoring"
CASES_WITH_STEPS = 5  # the newest cases are read whole (their steps); older ones link to their page


@dataclass(frozen=True)
class Source:
    """Where one section of the file comes from: a service's GET route, `{id}` the household's."""

    key: str
    service: str
    path: str
    by_query: bool = False  # `?household_id=` on a list route, else the id is in the path
    none_is_404: bool = False  # the service answers 404 when the household simply has none (a plan)
    this_year: bool = False  # `?year=` the current year (Beijing time): what is due now


SOURCES = (
    Source("changes", "registry", f"{HOUSEHOLDS}/{{id}}/changes"),
    Source("cases", "monitoring", f"{MONITORING}/cases", by_query=True),
    Source("visits", "monitoring", f"{MONITORING}/visits", by_query=True),
    Source("alerts", "monitoring", f"{MONITORING}/alerts", by_query=True),
    Source("plan", "monitoring", f"{MONITORING}/households/{{id}}/plan", none_is_404=True),
    Source("findings", "monitoring", f"{MONITORING}/findings", by_query=True),
    Source("loans", "monitoring", f"{MONITORING}/loans", by_query=True),
    Source("employment", "monitoring", f"{MONITORING}/households/{{id}}/employment"),
    Source("insurance", "monitoring", f"{MONITORING}/insurance", by_query=True),
    Source("renovations", "monitoring", f"{MONITORING}/renovations", by_query=True),
    Source("water_fixes", "monitoring", f"{MONITORING}/water-fixes", by_query=True),
    Source("results", "monitoring", f"{MONITORING}/industry-results", by_query=True),
    Source("dues", "payments", "/api/v1/payments/households/{id}/entitlements", this_year=True),
    Source("claims", "payments", "/api/v1/payments/claims", by_query=True),
    Source("lines", "payments", "/api/v1/payments/households/{id}/lines"),
    Source("dividends", "assets", "/api/v1/assets/households/{id}/dividends"),
)


@dataclass
class Section:
    """One section's answer: `data` as the service sent it (a page's items), or `notice` why it is missing;
    not `shown` at all when the caller's role may not read it."""

    data: Any = None
    notice: str | None = None
    shown: bool = True


@dataclass
class HouseholdFile:
    household: dict[str, Any]
    history: list[dict[str, Any]]
    sections: dict[str, Section] = field(default_factory=dict)
    steps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # case id → its steps

    @property
    def notices(self) -> list[str]:
        return sorted({s.notice for s in self.sections.values() if s.notice})


def missing(service: str) -> str:
    return f"{SERVICE_LABELS[service]}暂时无法读取，以下相关内容未能显示。"


async def read_section(request: Request, principal: Principal, source: Source, household_id: str) -> Section:
    """One service's answer for the file, in the caller's scope; an outage or refusal is a notice."""
    path = source.path.replace("{id}", household_id)
    if not allowed("GET", path, principal.role):
        return Section(shown=False)
    params: dict[str, str | int] = {"household_id": household_id, "page_size": 50} if source.by_query else {}
    if source.this_year:
        params["year"] = today().year
    try:
        answer = await call_service(
            request, source.service, "GET", path, token=principal.token, params=params
        )
    except Unavailable:
        return Section(notice=missing(source.service))
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND and source.none_is_404:
        return Section()
    if answer.status_code != status.HTTP_200_OK:
        return Section(notice=missing(source.service))
    body = answer.json()
    return Section(data=body["items"] if isinstance(body, dict) and "items" in body else body)


async def case_steps(request: Request, principal: Principal, case_id: str) -> list[dict[str, Any]]:
    """A case's step history; none (the case still links to its page) when it cannot be read now."""
    try:
        answer = await call_service(
            request, "monitoring", "GET", f"{MONITORING}/cases/{case_id}", token=principal.token
        )
    except Unavailable:
        return []
    return list(answer.json().get("steps", [])) if answer.status_code == status.HTTP_200_OK else []


async def gather_file(request: Request, principal: Principal, household_id: str) -> HouseholdFile:
    """The household (a 404 outside the scope, a 503 without the registry) and every section at once."""
    (household, history), *sections = await asyncio.gather(
        load_household(request, principal, household_id),
        *(read_section(request, principal, source, household_id) for source in SOURCES),
    )
    found = HouseholdFile(household, history, dict(zip((s.key for s in SOURCES), sections, strict=True)))
    cases = found.sections["cases"].data or []
    newest = [str(case["id"]) for case in cases[:CASES_WITH_STEPS]]
    steps = await asyncio.gather(*(case_steps(request, principal, case_id) for case_id in newest))
    found.steps = dict(zip(newest, steps, strict=True))
    return found


# The field trail names the registry's fields; the file says them as officials do.
FIELD_LABELS = {
    "category": "类别",
    "address": "住址",
    "phone": "电话",
    "lifted_year": "脱贫年度",
    "relocated": "易地搬迁",
    "resettlement_site": "安置点",
    "resettlement_site_id": "安置点",
    "education_secure": "义务教育有保障",
    "medical_secure": "基本医疗有保障",
    "housing_secure": "住房安全有保障",
    "water_secure": "饮水安全有保障",
    "sheep": "羊（只）",
    "cattle": "牛（头）",
    "pigs": "猪（头）",
    "incomes": "人均纯收入",
    "members": "家庭成员",
    "member_count": "人口数",
    "head_name": "户主",
    "payee_account": "一卡通账户",
}


def shown_value(value: Any) -> str:
    """A trail value in words: yes or no, a dash for nothing, lists and records by their size."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return f"{len(value)} 项"
    if isinstance(value, dict):
        return "已变更"
    return str(value)


@dataclass
class CategoryForm:
    values: dict[str, str] = field(
        default_factory=lambda: {"category": "", "reason": "", "effective_date": ""}
    )
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    done: str | None = None


def open_case(file: HouseholdFile) -> dict[str, Any] | None:
    """The household's case still in the procedure, if any (the visit and alert pages link to it)."""
    return next(
        (c for c in file.sections["cases"].data or [] if c["status"] not in CLOSED_STATUSES),
        None,
    )


async def detail_page(
    request: Request,
    principal: Principal,
    household_id: str,
    *,
    change: CategoryForm | None = None,
    block: str | list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The whole file; an htmx swap (the category form's answer) reads only the registry."""
    if block and wants_fragment(request):
        household, history = await load_household(request, principal, household_id)
        file = HouseholdFile(household, history)
    else:
        file = await gather_file(request, principal, household_id)
    household = file.household
    names = region_names(await region_tree(request, principal) or [])
    path = f"{HOUSEHOLDS}/{household['id']}"
    context = {
        "household": household,
        "history": file.history,
        "file": file,
        "sections": file.sections,
        "steps": file.steps,
        "open_case": open_case(file) if file.sections else None,
        "village_name": names.get(household["region_code"], household["region_code"]),
        "region_names": names,
        "region_name": names.get(principal.region),
        "change": change or CategoryForm(),
        "can_edit": allowed("PATCH", path, principal.role),
        "can_change": allowed("POST", f"{path}/category-changes", principal.role),
        "can_visit": allowed("POST", f"{MONITORING}/visits", principal.role),
        "oob": isinstance(block, list),
        "field_labels": FIELD_LABELS,
        "shown_value": shown_value,
    }
    return render(
        request,
        "households/household.html",
        context,
        principal=principal,
        block=block,
        status_code=status_code,
    )


@router.get("/households/{household_id}")
async def household_detail(request: Request, principal: MayGetHousehold, household_id: str) -> Response:
    return await detail_page(request, principal, household_id)


@router.get("/households/{household_id}/file.pdf")
async def household_pdf(request: Request, principal: MayGetHousehold, household_id: str) -> Response:
    """The one-page 一户一档 to print or file: the same sections, ID numbers and phone masked on paper."""
    file = await gather_file(request, principal, household_id)
    names = region_names(await region_tree(request, principal) or [])
    village = names.get(file.household["region_code"], "")
    content = await asyncio.to_thread(pdf.household_file, file, village=village, printed_on=today())
    filename = f"household-{file.household['number']}.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type="application/pdf", headers=headers)


@router.post("/households/{household_id}/category")
async def change_category(request: Request, principal: MayPostCategoryChanges, household_id: str) -> Response:
    """A category change (类别变更); the answer refreshes the form, the header and the history in place."""
    path = household_path(household_id)
    if path is None:
        raise Refusal(404, NOT_FOUND)
    submitted = await request.form()
    change = CategoryForm()
    change.values = {name: text_of(submitted.get(name)) for name in change.values}
    payload = {name: value or None for name, value in change.values.items()}
    try:
        answer = await call_registry(request, principal, "POST", f"{path}/category-changes", json=payload)
    except Unavailable:
        raise Refusal(503, REGISTRY_DOWN) from None
    if answer.status_code == status.HTTP_201_CREATED:
        done = CategoryForm(done=answer.json()["to_category"])
        blocks = ["category_form", "household_head", "history"]
        return await detail_page(request, principal, household_id, change=done, block=blocks)
    if answer.status_code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN, 404):
        raise refusal(answer, service="registry", missing=NOT_FOUND)
    for problem in problems_of(answer).get("errors") or []:
        name = str(problem.get("field", "")).split(".")[0]
        reason = chinese(name, str(problem.get("reason", "")))
        if name in change.values:
            change.errors.setdefault(name, reason)
        else:
            change.problem = reason
    if not change.errors and not change.problem:
        change.problem = "类别变更未能保存，请检查后重试。"
    return await detail_page(
        request, principal, household_id, change=change, block="category_form", status_code=422
    )
