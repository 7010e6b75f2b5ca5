"""The household register's pages: list and search, the registration and edit form, spreadsheet import
and export. Every read and write goes to the registry's API on the caller's token; the registry decides
the scope and the validity, the pages only show its answers in Chinese.
"""

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import Depends, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from gateway.policy import allowed
from gateway.upstreams import Upstreams
from gateway.web.clients import (
    HOUSEHOLDS,
    REGISTRY_DOWN,
    call_registry,
    refusal,
    region_names,
    region_tree,
)
from gateway.web.deps import Official, PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import REGION_PATTERN, problems_of, region_groups, villages, went_to
from gateway.web.households.service import (
    HINTS,
    HOUSEHOLD,
    NOT_FOUND,
    chinese,
    load_household,
    registry_json,
    text_of,
)
from gateway.web.render import render
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import FEN_PER_YUAN
from shared.observability import REQUEST_ID_HEADER
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage

router = page_router()
MayGetHouseholds = Annotated[Principal, Depends(PageUser(("GET", HOUSEHOLDS)))]
MayGetExport = Annotated[Principal, Depends(PageUser(("GET", f"{HOUSEHOLDS}/export")))]
MayGetImportTemplate = Annotated[Principal, Depends(PageUser(("GET", f"{HOUSEHOLDS}/import-template")))]
MayPostImport = Annotated[Principal, Depends(PageUser(("POST", f"{HOUSEHOLDS}/import")))]
MayPostHouseholds = Annotated[Principal, Depends(PageUser(("POST", HOUSEHOLDS)))]
MayPatchHousehold = Annotated[Principal, Depends(PageUser(("PATCH", HOUSEHOLD)))]

PAGE_SIZE = 20
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
EXPORT_FORMATS = ("xlsx", "csv")

HOUSEHOLD_TEXT = (
    "region_code",
    "category",
    "address",
    "phone",
    "lifted_year",
    "resettlement_site",
    "sheep",
    "cattle",
    "pigs",
    "income_yuan",
    "income_year",
)
HOUSEHOLD_FLAGS = ("relocated", "education_secure", "medical_secure", "housing_secure", "water_secure")
MEMBER_TEXT = (
    "name",
    "id_number",
    "relation",
    "ethnicity",
    "school_stage",
    "disability_grade",
    "labour_ability",
    "employment",
)
MEMBER_FLAGS = ("chronic_disease", "serious_illness", "dibao", "tekun", "pension_insurance")
API_TO_FORM = {"income_per_capita_fen": "income_yuan"}


# --- talking to the registry -------------------------------------------------------------------------


async def stream_from_registry(
    request: Request, principal: Principal, path: str, params: dict[str, str]
) -> Response:
    """Stream a registry download (a spreadsheet) to the browser, keeping its type and file name."""
    upstreams: Upstreams = request.app.state.upstreams
    outgoing = upstreams.client.build_request(
        "GET",
        upstreams.base_urls["registry"] + path,
        params=params,
        headers={"authorization": f"Bearer {principal.token}", REQUEST_ID_HEADER: request.state.request_id},
    )
    try:
        answer = await upstreams.client.send(outgoing, stream=True)
    except httpx.HTTPError:
        raise Refusal(503, REGISTRY_DOWN) from None
    if answer.status_code != status.HTTP_200_OK:
        await answer.aread()
        await answer.aclose()
        if answer.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT:
            raise Refusal(400, "导出条件有误，请返回列表重新选择。")
        raise refusal(answer, service="registry", missing=NOT_FOUND)
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    for name in ("content-type", "content-disposition"):
        if name in answer.headers:
            headers[name] = answer.headers[name]
    return StreamingResponse(answer.aiter_bytes(), headers=headers, background=BackgroundTask(answer.aclose))


# --- the list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    region: str = ""
    category: str = ""
    q: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {"region": self.region, "category": self.category, "q": self.q, "page": self.page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    def searched(self) -> dict[str, str]:
        """The filters and the search without paging: what the list and its export both send."""
        return {k: v for k, v in (("region", self.region), ("category", self.category), ("q", self.q)) if v}

    def api_params(self) -> dict[str, str | int]:
        return {"page": self.page, "page_size": PAGE_SIZE} | self.searched()


def clean_filters(region: str, category: str, q: str, page: int) -> Filters:
    """Only well-formed filters reach the registry; anything else is dropped, like an empty filter."""
    region = region.strip()
    return Filters(
        region=region if REGION_PATTERN.fullmatch(region) else "",
        category=category if category in set(Category) else "",
        q=q.strip()[:50],
        page=page,
    )


@router.get("/households")
async def household_list(
    request: Request,
    principal: MayGetHouseholds,
    region: str = "",
    category: str = "",
    q: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = clean_filters(region, category, q, page)
    result, tree = await asyncio.gather(
        registry_json(request, principal, HOUSEHOLDS, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "region_groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_register": allowed("POST", HOUSEHOLDS, principal.role),
        "can_import": allowed("POST", f"{HOUSEHOLDS}/import", principal.role),
        "can_export": allowed("GET", f"{HOUSEHOLDS}/export", principal.role),
        "can_visit": allowed("POST", "/api/v1/monitoring/visits", principal.role),
    }
    return render(request, "households/households.html", context, principal=principal, block="results")


@router.get("/households/export")
async def household_export(
    request: Request,
    principal: MayGetExport,
    format: str = "xlsx",
    region: str = "",
    category: str = "",
    q: str = "",
) -> Response:
    """The registry's export of the households the list shows (filters and search), with its file name."""
    if format not in EXPORT_FORMATS:
        raise Refusal(400, "导出格式只能是 Excel（xlsx）或 CSV。")
    filters = clean_filters(region, category, q, 1)
    params = {"format": format} | filters.searched()
    return await stream_from_registry(request, principal, f"{HOUSEHOLDS}/export", params)


# --- import -------------------------------------------------------------------------------------------


@router.get("/households/import-template")
async def import_template(
    request: Request, principal: MayGetImportTemplate, format: str = "xlsx"
) -> Response:
    if format not in EXPORT_FORMATS:
        raise Refusal(400, "模板格式只能是 Excel（xlsx）或 CSV。")
    return await stream_from_registry(request, principal, f"{HOUSEHOLDS}/import-template", {"format": format})


@router.get("/households/import")
async def import_page(request: Request, principal: MayPostImport) -> Response:
    names = region_names(await region_tree(request, principal) or [])
    context = {"outcome": None, "region_name": names.get(principal.region)}
    return render(request, "households/import.html", context, principal=principal)


@dataclass
class ImportOutcome:
    households: int = 0
    members: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None
    total_problems: int = 0

    @property
    def problem_count(self) -> int:
        return max(self.total_problems, len(self.rows) or len(self.errors))

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.rows and not self.errors


def _count(value: object) -> int:
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) else 0


@router.post("/households/import")
async def import_upload(request: Request, principal: MayPostImport) -> Response:
    """Hand the spreadsheet to the registry (all or nothing) and show its report: counts, or errors by row."""
    upload = (await request.form()).get("file")

    def answer(outcome: ImportOutcome, code: int) -> Response:
        return render(
            request,
            "households/import.html",
            {"outcome": outcome},
            principal=principal,
            block="import_result",
            status_code=code,
        )

    if not isinstance(upload, UploadFile) or not upload.filename:
        return answer(ImportOutcome(problem="请选择要导入的 Excel（.xlsx）或 CSV 文件。"), 422)
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return answer(ImportOutcome(problem="文件过大：单次导入的文件不能超过 10 MB。"), 422)
    file = (upload.filename, content, upload.content_type or "application/octet-stream")
    try:
        result = await call_registry(request, principal, "POST", f"{HOUSEHOLDS}/import", files={"file": file})
    except Unavailable:
        return answer(ImportOutcome(problem=REGISTRY_DOWN), 503)
    body = problems_of(result)
    if result.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        outcome = ImportOutcome(
            households=_count(body.get("households")), members=_count(body.get("members"))
        )
        return answer(outcome, status.HTTP_200_OK)
    if result.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    outcome = ImportOutcome(rows=list(body.get("rows") or []), errors=list(body.get("errors") or []))
    count = body.get("problem_count")
    outcome.total_problems = count if isinstance(count, int) else 0
    if result.status_code == status.HTTP_413_CONTENT_TOO_LARGE:
        outcome.problem = "文件过大，请分批导入。"
    elif not outcome.rows and not outcome.errors:
        outcome.problem = str(body.get("detail") or "文件无法导入，请检查格式后重试。")
    return answer(outcome, 422)


# --- the registration and edit form -------------------------------------------------------------------


@dataclass
class MemberRow:
    key: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def blank(cls, relation: str = "") -> "MemberRow":
        values: dict[str, Any] = dict.fromkeys(MEMBER_TEXT, "") | dict.fromkeys(MEMBER_FLAGS, False)
        values |= {"relation": relation, "school_stage": "none", "labour_ability": "full"}
        return cls(values=values)


@dataclass
class HouseholdForm:
    """What the form shows: the values typed (as typed), the member rows, and the errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    members: list[MemberRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    @classmethod
    def blank(cls, region_code: str = "") -> "HouseholdForm":
        values: dict[str, Any] = dict.fromkeys(HOUSEHOLD_TEXT, "") | dict.fromkeys(HOUSEHOLD_FLAGS, True)
        values |= {"relocated": False, "region_code": region_code, "sheep": "0", "cattle": "0", "pigs": "0"}
        return cls(values=values, members=[MemberRow.blank("head")])

    @classmethod
    def of_household(cls, household: dict[str, Any]) -> "HouseholdForm":
        values: dict[str, Any] = {name: household.get(name) for name in HOUSEHOLD_FLAGS}
        for name in ("region_code", "category", "address", "resettlement_site"):
            values[name] = household.get(name) or ""
        for name in ("phone", "lifted_year", "sheep", "cattle", "pigs"):
            values[name] = "" if household.get(name) is None else str(household[name])
        latest = (household.get("incomes") or [None])[-1]
        values["income_yuan"] = str(Decimal(latest["per_capita_fen"]) / FEN_PER_YUAN) if latest else ""
        values["income_year"] = str(latest["year"]) if latest else ""
        members = []
        for member in household.get("members", []):
            row = MemberRow.blank()
            row.values |= {name: member.get(name) for name in MEMBER_FLAGS}
            row.values |= {
                name: "" if member.get(name) is None else str(member[name]) for name in MEMBER_TEXT
            }
            members.append(row)
        return cls(values=values, members=members)

    @classmethod
    def of_submission(cls, form: Any) -> "HouseholdForm":
        values: dict[str, Any] = {name: text_of(form.get(name)) for name in HOUSEHOLD_TEXT}
        values |= {name: name in form for name in HOUSEHOLD_FLAGS}
        members = []
        for key in form.getlist("member"):
            if not isinstance(key, str) or not re.fullmatch(r"[0-9a-f]{8}", key):
                continue
            row = MemberRow(key=key)
            row.values = {name: text_of(form.get(f"m-{key}-{name}")) for name in MEMBER_TEXT}
            row.values |= {name: f"m-{key}-{name}" in form for name in MEMBER_FLAGS}
            members.append(row)
        return cls(values=values, members=members)

    def fail(self, name: str, reason: str) -> None:
        """Put the registry's complaint about `name` (its dotted field path) next to that input."""
        parts = name.split(".")
        if (
            parts[0] == "members"
            and len(parts) >= 2
            and parts[1].isdigit()
            and int(parts[1]) < len(self.members)
        ):
            row = self.members[int(parts[1])]
            column = parts[2] if len(parts) > 2 else "name"
            column = column if column in MEMBER_TEXT else "id_number"  # sex and birth date come from the ID
            row.errors.setdefault(column, chinese(column, reason))
            return
        column = API_TO_FORM.get(parts[0], parts[0])
        if column in HOUSEHOLD_TEXT or column == "members":
            self.errors.setdefault(column, chinese(column, reason))
        else:
            self.problem = self.problem or chinese(column, reason)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.problem or any(row.errors for row in self.members))


def _whole(form: HouseholdForm, name: str, *, default: int | None) -> int | None:
    raw = form.values[name]
    if raw == "":
        return default
    if not raw.isdigit():
        form.errors[name] = HINTS[name]
        return default
    return int(raw)


def _fen(form: HouseholdForm) -> int | None:
    raw = form.values["income_yuan"].replace(",", "")
    if raw == "":
        return None
    try:
        yuan = Decimal(raw)
    except InvalidOperation:
        yuan = Decimal(-1)
    if not yuan.is_finite() or yuan < 0 or yuan != yuan.quantize(Decimal("0.01")):
        form.errors["income_yuan"] = HINTS["income_yuan"]
        return None
    return int(yuan * FEN_PER_YUAN)


def _member_payload(row: MemberRow) -> dict[str, Any]:
    data: dict[str, Any] = {name: row.values[name] or None for name in MEMBER_TEXT}
    data |= {name: row.values[name] for name in MEMBER_FLAGS}
    data["name"] = row.values["name"]
    data["id_number"] = row.values["id_number"].upper()
    data["school_stage"] = row.values["school_stage"] or SchoolStage.none
    data["labour_ability"] = row.values["labour_ability"] or LabourAbility.full
    grade = row.values["disability_grade"]
    if grade and not grade.isdigit():
        row.errors["disability_grade"] = HINTS["disability_grade"]
    data["disability_grade"] = int(grade) if grade.isdigit() else None
    return data


def household_payload(form: HouseholdForm, *, create: bool) -> dict[str, Any]:
    """The registry's JSON for the form; numbers that cannot be read are marked on the form instead."""
    values = form.values
    data: dict[str, Any] = {
        "address": values["address"],
        "phone": values["phone"] or None,
        "lifted_year": _whole(form, "lifted_year", default=None),
        "resettlement_site": values["resettlement_site"] or None,
        "sheep": _whole(form, "sheep", default=0),
        "cattle": _whole(form, "cattle", default=0),
        "pigs": _whole(form, "pigs", default=0),
        "income_per_capita_fen": _fen(form),
        "income_year": _whole(form, "income_year", default=None),
        "members": [_member_payload(row) for row in form.members],
    }
    data |= {name: values[name] for name in HOUSEHOLD_FLAGS}
    if create:
        data |= {"region_code": values["region_code"], "category": values["category"]}
    if not form.members:
        form.errors["members"] = HINTS["members"]
    return data


async def form_page(
    request: Request,
    principal: Principal,
    form: HouseholdForm,
    *,
    household: dict[str, Any] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    context: dict[str, Any] = {"form": form, "household": household, "relations": list(Relation)}
    context |= {"school_stages": list(SchoolStage), "labour_abilities": list(LabourAbility)}
    tree = await region_tree(request, principal) or []
    context |= {"villages": villages(tree), "region_name": region_names(tree).get(principal.region)}
    if household is not None:
        context["village_name"] = region_names(tree).get(household["region_code"], household["region_code"])
    return render(
        request,
        "households/household_form.html",
        context,
        principal=principal,
        block="household_form",
        status_code=status_code,
    )


async def save_household(
    request: Request, principal: Principal, *, household: dict[str, Any] | None
) -> Response:
    """Send the form to the registry (POST to register, PATCH to edit); on refusal show its reasons."""
    form = HouseholdForm.of_submission(await request.form())
    payload = household_payload(form, create=household is None)
    if household is not None:
        form.values |= {"region_code": household["region_code"], "category": household["category"]}
    if form.has_errors:
        return await form_page(request, principal, form, household=household, status_code=422)
    try:
        if household is None:
            answer = await call_registry(request, principal, "POST", HOUSEHOLDS, json=payload)
        else:
            path = f"{HOUSEHOLDS}/{household['id']}"
            answer = await call_registry(request, principal, "PATCH", path, json=payload)
    except Unavailable:
        form.problem = REGISTRY_DOWN
        return await form_page(request, principal, form, household=household, status_code=503)
    if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        return went_to(request, f"/households/{answer.json()['id']}")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    body = problems_of(answer)
    for problem in body.get("errors") or []:
        form.fail(str(problem.get("field", "")), str(problem.get("reason", "")))
    if answer.status_code == status.HTTP_403_FORBIDDEN and not form.has_errors:
        form.errors["region_code"] = "您无权在该嘎查村登记农牧户"
    if not form.has_errors:
        form.problem = chinese("", str(body.get("detail") or "")) if body else REGISTRY_DOWN
    return await form_page(request, principal, form, household=household, status_code=422)


@router.get("/households/member-row")
async def member_row(request: Request, principal: Official) -> Response:
    """A blank member row for the form (htmx appends it to the member list)."""
    return render(request, "households/member_row.html", {"row": MemberRow.blank()}, principal=principal)


@router.get("/households/new")
async def new_household(request: Request, principal: MayPostHouseholds) -> Response:
    region = principal.region if len(principal.region) == 12 else ""
    return await form_page(request, principal, HouseholdForm.blank(region))


@router.post("/households/new")
async def register_household(request: Request, principal: MayPostHouseholds) -> Response:
    return await save_household(request, principal, household=None)


# --- editing one household ------------------------------------------------------------------------


@router.get("/households/{household_id}/edit")
async def edit_household(request: Request, principal: MayPatchHousehold, household_id: str) -> Response:
    household, _ = await load_household(request, principal, household_id, with_history=False)
    return await form_page(request, principal, HouseholdForm.of_household(household), household=household)


@router.post("/households/{household_id}/edit")
async def update_household(request: Request, principal: MayPatchHousehold, household_id: str) -> Response:
    household, _ = await load_household(request, principal, household_id, with_history=False)
    return await save_household(request, principal, household=household)
