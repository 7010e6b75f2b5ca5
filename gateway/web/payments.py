"""The payments pages (补贴发放): the policy table and its versions, filing claims with a live breakdown,
batches through maker-checker approval to the bank with a live progress bar and reconciliation, and the
printable public disclosure list (公示名单).

Every read and write goes to the payments service on the caller's token (households are found through the
registry's API); the services decide scope and validity, the pages put their answers next to the fields,
in Chinese. Money is typed in yuan and sent in fen, converted exactly with `Decimal`.
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import (
    HOUSEHOLDS,
    call_registry,
    call_service,
    refusal,
    region_names,
    region_tree,
    service_json,
    this_year,
)
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import CJK, RegionOption, household_choices, problems_of, went_to
from gateway.web.forms import Form as BaseForm
from gateway.web.render import DISPLAY_TZ, renderer
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import FEN_PER_YUAN
from shared.regions import Tier, is_within
from shared.vocabulary import labels
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import LIVESTOCK, BatchStatus, ClaimStatus, Kind, LineStatus, Mode

router = page_router()

PAYMENTS = "/api/v1/payments"
POLICIES = f"{PAYMENTS}/policies"
CLAIMS = f"{PAYMENTS}/claims"
BATCHES = f"{PAYMENTS}/batches"
BATCH = f"{BATCHES}/{{id}}"
PAGE_SIZE = 20
LINES_PAGE_SIZE = 50
LIST_SIZE = 500  # the service's largest page: the dashboard sums whole lists in these
DASHBOARD_PAGES = 10
FIRST_POLICY_YEAR = 2021  # the plan's first year (policy version 1 is effective from 2021-01-01)
NOTICE_DAYS = 10  # national rule: fund notices stay posted at least 10 days

PAYMENTS_DOWN = "补贴发放服务暂时不可用，请稍后再试。"
BATCH_MISSING = "未找到该发放批次，或该批次不在您的管辖范围内。"
CLAIM_MISSING = "未找到该申报，或该申报不在您的管辖范围内。"
HOUSEHOLD_MISSING = "未找到该农牧户，或该户不在您的管辖范围内。"
POLICY_MISSING = "该年度没有生效的补贴政策。"

LIVESTOCK_UNITS = {Kind.sheep: "只", Kind.cattle: "头", Kind.pig: "口"}
# Claims are filed for livestock and the case-by-case kinds; education is computed from the school stages.
CLAIM_KINDS = [kind for kind in Kind if kind != Kind.education]
# Batch actions: (Chinese button, the status the batch must have, what the page says after).
ACTIONS = {
    "submit": ("提交审批", BatchStatus.draft, "批次已提交，等待旗级审批。"),
    "approve": ("审批通过", BatchStatus.submitted, "批次已审批，可以发放。"),
    "disburse": ("发放", BatchStatus.approved, "已向代理银行发送支付指令，正在发放。"),
}
# The services' own rules answer in Chinese; schema checks answer in English: these say it for them.
HINTS = {
    "household_id": "请选择本辖区内的农牧户",
    "kind": "请选择补贴项目",
    "year": "年度应为 2013–2100 年之间的年份",
    "quantity": "数量应为 1–100000 之间的整数",
    "amount_yuan": "请填写大于 0 的金额（元，最多两位小数）",
    "evidence": "凭证号最多 500 字",
    "region": "请选择本辖区内的区域",
    "effective_from": "请选择生效日期",
    "rate": "请填写补贴标准（元，最多两位小数）",
    "cap": "每户每年上限应为 1–100000 之间的整数",
}
FORM_FIELD = {"amount_fen": "amount_yuan"}

LABELS = {
    "LIVESTOCK_UNITS": LIVESTOCK_UNITS,
    "BATCH_STATUSES": list(BatchStatus),
    "PAYMENT_KINDS": list(Kind),
    "CLAIM_KINDS": CLAIM_KINDS,
    "LIVESTOCK_KINDS": [kind.value for kind in Kind if kind in LIVESTOCK],
}


show = renderer(LABELS)


MayGetPolicies = Annotated[Principal, Depends(PageUser(("GET", POLICIES)))]
MayPutPolicies = Annotated[Principal, Depends(PageUser(("PUT", POLICIES)))]
MayPostClaims = Annotated[Principal, Depends(PageUser(("POST", CLAIMS)))]
MayGetEntitlements = Annotated[
    Principal, Depends(PageUser(("GET", f"{PAYMENTS}/households/{{id}}/entitlements")))
]
MayGetClaims = Annotated[Principal, Depends(PageUser(("GET", CLAIMS)))]
MayGetBatches = Annotated[Principal, Depends(PageUser(("GET", BATCHES)))]
MayPostBatches = Annotated[Principal, Depends(PageUser(("POST", BATCHES)))]
# `action` is the page's path parameter: the policy of the step asked for.
MayPostClaimDecisions = Annotated[Principal, Depends(PageUser(("POST", f"{CLAIMS}/{{id}}/{{action}}")))]
MayGetBatch = Annotated[Principal, Depends(PageUser(("GET", BATCH)))]
MayGetReconciliation = Annotated[Principal, Depends(PageUser(("GET", f"{BATCH}/reconciliation")))]
MayPostBatchSteps = Annotated[Principal, Depends(PageUser(("POST", f"{BATCH}/{{action}}")))]
MayGetBatchNotice = Annotated[Principal, Depends(PageUser(("GET", f"{BATCH}/notice")))]


def batch_path(raw_id: str) -> str | None:
    """The API path of a batch, or None when the id is not a UUID (a 404 either way)."""
    try:
        return f"{BATCHES}/{uuid.UUID(raw_id)}"
    except ValueError:
        return None


def years(around: int) -> list[int]:
    """The years a picker offers: the plan's first year to next year."""
    return list(range(max(around, this_year()) + 1, FIRST_POLICY_YEAR - 1, -1))


def clean_year(raw: str | int | None, default: int | None = None) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() and 2013 <= int(text) <= 2100 else default


# --- talking to the payments service ------------------------------------------------------------------


async def call_payments(
    request: Request,
    principal: Principal,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Call the payments service on the caller's token (pages never read its database); may raise
    `Unavailable`. `headers` go along (a claim's Idempotency-Key)."""
    return await call_service(
        request, "payments", method, path, token=principal.token, headers=headers, **kwargs
    )


async def payments_json(
    request: Request, principal: Principal, path: str, *, missing: str = BATCH_MISSING, **kwargs: Any
) -> Any:
    return await service_json(request, principal, "payments", path, missing=missing, **kwargs)


def detail_of(answer: httpx.Response, fallback: str) -> str:
    """The service's own Chinese reason (409 maker-checker, wrong status…), or `fallback`."""
    body = problems_of(answer)
    reasons = [str(p.get("reason", "")) for p in body.get("errors") or []]
    for text in [*reasons, str(body.get("detail") or "")]:
        if CJK.search(text):
            return text
    return fallback


# --- forms ---------------------------------------------------------------------------------------------


class Form(BaseForm):
    """A payments form: its hints, and a policy row's complaint next to that row's inputs."""

    hints = HINTS
    api_fields = FORM_FIELD

    def column(self, name: str) -> str:
        parts = name.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit():  # a policy row: items.3.rate_fen
            return f"{'cap' if parts[-1] == 'cap_quantity' else 'rate'}-{parts[1]}"
        return self.api_fields.get(parts[-1], parts[-1])


def yuan_text(fen: int | None) -> str:
    """Fen as the yuan a form shows ("100", "3750", "12.5")."""
    if fen is None:
        return ""
    return (
        f"{Decimal(fen) / FEN_PER_YUAN:f}".rstrip("0").rstrip(".") if fen % FEN_PER_YUAN else str(fen // 100)
    )


# --- regions -------------------------------------------------------------------------------------------


def batch_regions(tree: list[dict[str, Any]]) -> list[RegionOption]:
    """Where a batch may be drafted: the banner, townships and villages of the caller's scope."""
    found: list[RegionOption] = []

    def walk(node: dict[str, Any], township: str | None) -> None:
        if node["tier"] == Tier.banner:
            found.append(RegionOption(node["code"], f"{node['name']}（全旗）"))
        elif node["tier"] == Tier.township:
            found.append(RegionOption(node["code"], f"{node['name']}（全镇）"))
        else:
            found.append(
                RegionOption(node["code"], f"{township} · {node['name']}" if township else node["name"])
            )
        for child in node.get("children", []):
            walk(child, node["name"] if node["tier"] == Tier.township else township)

    for root in tree:
        walk(root, None)
    return found


# --- policies ------------------------------------------------------------------------------------------


def item_label(item: dict[str, Any]) -> str:
    """A policy row in Chinese: 肉羊出栏补贴, or 教育生活补贴 · 初中."""
    label = labels(Kind).get(item["kind"], item.get("label", item["kind"]))
    stage = item.get("school_stage")
    shown = stage in set(SchoolStage) and stage != SchoolStage.none
    return f"{label} · {SchoolStage(stage).label}" if shown else label


async def policy_history(request: Request, principal: Principal, year: int) -> list[dict[str, Any]]:
    """The versions in force over the years (the API answers per year): each with the years it priced."""
    span = list(range(FIRST_POLICY_YEAR, max(year, this_year()) + 2))
    answers = await asyncio.gather(
        *(call_payments(request, principal, "GET", POLICIES, params={"year": y}) for y in span),
        return_exceptions=True,
    )
    versions: dict[str, dict[str, Any]] = {}
    for y, answer in zip(span, answers, strict=True):
        if not isinstance(answer, httpx.Response) or answer.status_code != status.HTTP_200_OK:
            continue
        body = answer.json()
        versions.setdefault(body["id"], body | {"years": []})["years"].append(y)
    return sorted(versions.values(), key=lambda v: v["version"], reverse=True)


def policy_form(policy: dict[str, Any]) -> Form:
    """The new-version form, filled with the rates of the table shown (in yuan)."""
    values: dict[str, Any] = {"effective_from": ""}
    for index, item in enumerate(policy["items"]):
        values[f"rate-{index}"] = yuan_text(item.get("rate_fen"))
        values[f"cap-{index}"] = "" if item.get("cap_quantity") is None else str(item["cap_quantity"])
    return Form(values=values)


async def policy_page(
    request: Request,
    principal: Principal,
    year: int,
    *,
    form: Form | None = None,
    done: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    policy, history, tree = await asyncio.gather(
        payments_json(request, principal, POLICIES, missing=POLICY_MISSING, params={"year": year}),
        policy_history(request, principal, year),
        region_tree(request, principal),
    )
    can_edit = allowed("PUT", POLICIES, principal.role)
    context = {
        "policy": policy,
        "rows": [item | {"title": item_label(item)} for item in policy["items"]],
        "history": history,
        "year": year,
        "years": years(year),
        "can_edit": can_edit,
        "form": form or policy_form(policy),
        "done": done,
        "region_name": region_names(tree or []).get(principal.region),
    }
    return show(request, principal, "policy.html", context, block=block, status_code=status_code)


@router.get("/payments/policies")
async def policies(request: Request, principal: MayGetPolicies, year: str = "") -> Response:
    return await policy_page(request, principal, clean_year(year, this_year()) or this_year())


@router.post("/payments/policies")
async def new_policy_version(request: Request, principal: MayPutPolicies) -> Response:
    """A new version of the table shown: the same rows, the rates and caps typed (yuan → fen, exactly)."""
    submitted = await request.form()
    year = clean_year(str(submitted.get("year") or ""), this_year()) or this_year()
    try:
        base = await payments_json(
            request, principal, POLICIES, missing=POLICY_MISSING, params={"year": year}
        )
        names = ["effective_from"] + [
            f"{kind}-{i}" for i in range(len(base["items"])) for kind in ("rate", "cap")
        ]
        form = await Form.of(request, names)
        items = []
        for index, item in enumerate(base["items"]):
            row = {k: item[k] for k in ("kind", "mode", "unit", "school_stage")}
            if item["mode"] == Mode.case_by_case:
                items.append(row | {"rate_fen": None, "cap_quantity": None})
                continue
            rate = form.fen(f"rate-{index}", positive=True)
            cap = form.whole(f"cap-{index}", low=1, high=100_000) if item["mode"] == Mode.per_unit else None
            items.append(row | {"rate_fen": rate, "cap_quantity": cap})
        try:
            date.fromisoformat(form.values["effective_from"])
        except ValueError:
            form.errors["effective_from"] = HINTS["effective_from"]
        if form.has_errors:
            return await policy_page(
                request, principal, year, form=form, block="policy_form", status_code=422
            )
        body = {"effective_from": form.values["effective_from"], "items": items}
        answer = await call_payments(request, principal, "PUT", POLICIES, json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            created = answer.json()
            return went_to(request, f"/payments/policies?year={year}&created={created['version']}")
        if answer.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignedOut
        form.absorb(answer, "新版本未能保存，请检查后重试。")
        return await policy_page(request, principal, year, form=form, block="policy_form", status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


# --- claims --------------------------------------------------------------------------------------------

CLAIM_FIELDS = ("household_id", "kind", "year", "quantity", "amount_yuan", "evidence", "idempotency_key")


@dataclass(frozen=True)
class Preview:
    """The breakdown shown as the quantity is typed (预计): computed from the household's entitlements; the
    amount filed is the one the service returns."""

    household: dict[str, Any] | None = None
    entitlements: dict[str, Any] | None = None
    kind: str = ""
    quantity: int | None = None
    amount_fen: int | None = None  # case-by-case: the amount asked for
    problem: str | None = None

    @property
    def livestock(self) -> dict[str, Any] | None:
        for row in (self.entitlements or {}).get("livestock", []):
            if row["kind"] == self.kind:
                return dict(row)
        return None

    @property
    def granted(self) -> int:
        row = self.livestock
        return min(self.quantity or 0, row["remaining"]) if row else 0

    @property
    def amount(self) -> int:
        row = self.livestock
        return self.granted * row["rate_fen"] if row else 0


async def household_of(request: Request, principal: Principal, household_id: str) -> dict[str, Any] | None:
    """A household in the caller's scope, from the registry; None when it is not one."""
    try:
        answer = await call_registry(request, principal, "GET", f"{HOUSEHOLDS}/{uuid.UUID(household_id)}")
    except (ValueError, Unavailable):
        return None
    return dict(answer.json()) if answer.status_code == status.HTTP_200_OK else None


async def preview_of(request: Request, principal: Principal, values: dict[str, Any]) -> Preview:
    """What the claim would come to, from the registry's household and the payments' entitlements."""
    kind = values.get("kind", "")
    quantity = int(values["quantity"]) if str(values.get("quantity", "")).isdigit() else None
    if not values.get("household_id"):
        return Preview(kind=kind, quantity=quantity)
    household = await household_of(request, principal, values["household_id"])
    if household is None:
        return Preview(kind=kind, quantity=quantity, problem=HOUSEHOLD_MISSING)
    year = clean_year(values.get("year"), this_year())
    try:
        answer = await call_payments(
            request,
            principal,
            "GET",
            f"{PAYMENTS}/households/{household['id']}/entitlements",
            params={"year": year},
        )
    except Unavailable:
        return Preview(household, kind=kind, quantity=quantity, problem=PAYMENTS_DOWN)
    if answer.status_code != status.HTTP_200_OK:
        return Preview(household, kind=kind, quantity=quantity, problem=detail_of(answer, POLICY_MISSING))
    amount = Form(values={"amount_yuan": values.get("amount_yuan", "")})
    fen = amount.fen("amount_yuan", positive=True) if values.get("amount_yuan") else None
    return Preview(household, answer.json(), kind, quantity, fen)


def blank_claim_form(household_id: str = "") -> Form:
    values = dict.fromkeys(CLAIM_FIELDS, "")
    values |= {
        "household_id": household_id,
        "kind": Kind.sheep.value,
        "year": str(this_year()),
        "quantity": "1",
        "idempotency_key": str(uuid.uuid4()),  # minted with the form: a double click never files twice
    }
    return Form(values=values)


async def claim_form_page(
    request: Request,
    principal: Principal,
    form: Form,
    *,
    claim: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    preview, tree = await asyncio.gather(
        preview_of(request, principal, form.values), region_tree(request, principal)
    )
    names = region_names(tree or [])
    context = {
        "form": form,
        "preview": preview,
        "claim": claim,
        "found": [preview.household] if preview.household else [],
        "picked": form.values["household_id"],
        "q": "",
        "years": years(this_year()),
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "claim_form.html", context, block=block, status_code=status_code)


@router.get("/payments/claims/new")
async def new_claim(request: Request, principal: MayPostClaims, household_id: str = "") -> Response:
    return await claim_form_page(request, principal, blank_claim_form(household_id.strip()[:36]))


@router.get("/payments/claims/households")
async def household_picker(
    request: Request, principal: MayPostClaims, q: str = "", household_id: str = ""
) -> Response:
    """The picker's choices: households in scope whose name or number matches (registry search)."""
    context = await household_choices(request, principal, q) | {"picked": household_id}
    return show(request, principal, "claim_form.html", context, block="household_options")


@router.get("/payments/claims/preview")
async def claim_preview(request: Request, principal: MayGetEntitlements) -> Response:
    """The computed breakdown (预计), refreshed as the form is filled in."""
    values = {name: str(request.query_params.get(name, "")).strip() for name in CLAIM_FIELDS}
    preview = await preview_of(request, principal, values)
    return show(request, principal, "claim_form.html", {"preview": preview}, block="claim_preview")


@router.post("/payments/claims/new")
async def file_claim(request: Request, principal: MayPostClaims) -> Response:
    """File the claim with the form's Idempotency-Key; the service's reasons go next to the fields."""
    form = await Form.of(request, CLAIM_FIELDS)
    values = form.values
    if not values["household_id"]:
        form.errors["household_id"] = "请先查找并选择农牧户"
    if values["kind"] not in set(CLAIM_KINDS):
        form.errors["kind"] = HINTS["kind"]
    year = form.whole("year", low=2013, high=2100)
    body: dict[str, Any] = {"household_id": values["household_id"], "kind": values["kind"], "year": year}
    if values["kind"] in LIVESTOCK:
        body["quantity"] = form.whole("quantity", low=1, high=100_000)
    else:
        body["amount_fen"] = form.fen("amount_yuan", positive=True)
    if values["evidence"]:
        body["evidence"] = values["evidence"]
    key = values["idempotency_key"] or str(uuid.uuid4())
    if form.has_errors:
        return await claim_form_page(request, principal, form, block="claim_form", status_code=422)
    try:
        answer = await call_payments(
            request, principal, "POST", CLAIMS, json=body, headers={"Idempotency-Key": key}
        )
    except Unavailable:
        form.problem = PAYMENTS_DOWN
        return await claim_form_page(request, principal, form, block="claim_form", status_code=503)
    if answer.status_code in (status.HTTP_200_OK, status.HTTP_201_CREATED):
        return await claim_form_page(request, principal, form, claim=answer.json(), block="claim_form")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    if answer.status_code == status.HTTP_404_NOT_FOUND:
        form.errors["household_id"] = HOUSEHOLD_MISSING
    form.absorb(answer, "申报未能提交，请检查后重试。")
    return await claim_form_page(request, principal, form, block="claim_form", status_code=422)


@dataclass(frozen=True)
class ClaimFilters:
    kind: str = ""
    year: int | None = None
    status: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {"kind": self.kind, "year": self.year, "status": self.status, "page": self.page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    def api_params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "page_size": PAGE_SIZE}
        return params | {
            k: v for k, v in (("kind", self.kind), ("year", self.year), ("status", self.status)) if v
        }


async def claim_list_page(
    request: Request,
    principal: Principal,
    filters: ClaimFilters,
    *,
    problem: str | None = None,
    done: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    result, tree = await asyncio.gather(
        payments_json(request, principal, CLAIMS, missing=CLAIM_MISSING, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "years": years(this_year()),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_file": allowed("POST", CLAIMS, principal.role),
        "can_decide": allowed("POST", f"{CLAIMS}/{{id}}/approve", principal.role),
        "problem": problem,
        "done": done,
    }
    return show(request, principal, "claims.html", context, block="claim_results", status_code=status_code)


def clean_claim_filters(kind: str, year: str, claim_status: str, page: int) -> ClaimFilters:
    return ClaimFilters(
        kind=kind if kind in set(Kind) else "",
        year=clean_year(year),
        status=claim_status if claim_status in set(ClaimStatus) else "",
        page=page,
    )


@router.get("/payments/claims")
async def claim_list(
    request: Request,
    principal: MayGetClaims,
    kind: str = "",
    year: str = "",
    status: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return await claim_list_page(request, principal, clean_claim_filters(kind, year, status, page))


@router.post("/payments/claims/{claim_id}/{action}")
async def decide_claim(
    request: Request, principal: MayPostClaimDecisions, claim_id: str, action: str
) -> Response:
    """Approve or reject a case-by-case claim; the filer may not (the service's 409, shown in Chinese)."""
    if action not in ("approve", "reject"):
        raise Refusal(404, CLAIM_MISSING)
    try:
        path = f"{CLAIMS}/{uuid.UUID(claim_id)}/{action}"
    except ValueError:
        raise Refusal(404, CLAIM_MISSING) from None
    form = await request.form()
    filters = clean_claim_filters(*(str(form.get(k) or "") for k in ("kind", "year", "status")), 1)
    try:
        answer = await call_payments(request, principal, "POST", path, json={})
        if answer.status_code == status.HTTP_200_OK:
            done = "申报已批准。" if action == "approve" else "申报已驳回。"
            return await claim_list_page(request, principal, filters, done=done)
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=CLAIM_MISSING)
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
        return await claim_list_page(request, principal, filters, problem=problem, status_code=422)
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


# --- batches -------------------------------------------------------------------------------------------

BATCH_FIELDS = ("year", "kind", "region")


@dataclass(frozen=True)
class BatchFilters:
    status: str = ""
    year: int | None = None
    kind: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {"status": self.status, "year": self.year, "kind": self.kind, "page": self.page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    def api_params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "page_size": PAGE_SIZE}
        return params | {
            k: v for k, v in (("status", self.status), ("year", self.year), ("kind", self.kind)) if v
        }


def blank_batch_form(principal: Principal) -> Form:
    return Form(values={"year": str(this_year()), "kind": Kind.sheep.value, "region": principal.region})


async def batch_list_page(
    request: Request,
    principal: Principal,
    filters: BatchFilters,
    *,
    form: Form | None = None,
    block: str | None = "batch_results",
    status_code: int = status.HTTP_200_OK,
) -> Response:
    result, tree = await asyncio.gather(
        payments_json(request, principal, BATCHES, params=filters.api_params()),
        region_tree(request, principal),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "years": years(this_year()),
        "regions": batch_regions(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", BATCHES, principal.role),
        "form": form or blank_batch_form(principal),
    }
    return show(request, principal, "batches.html", context, block=block, status_code=status_code)


@router.get("/payments", dependencies=[Depends(PageUser())])
async def payments_home(request: Request) -> Response:
    return went_to(request, "/payments/batches")


@router.get("/payments/batches")
async def batch_list(
    request: Request,
    principal: MayGetBatches,
    status: str = "",
    year: str = "",
    kind: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = BatchFilters(
        status=status if status in set(BatchStatus) else "",
        year=clean_year(year),
        kind=kind if kind in set(Kind) else "",
        page=page,
    )
    return await batch_list_page(request, principal, filters)


@router.post("/payments/batches")
async def create_batch(request: Request, principal: MayPostBatches) -> Response:
    """Draft a batch of every unbatched claim or entitlement of the kind, year and region; then show it."""
    form = await Form.of(request, BATCH_FIELDS)
    year = form.whole("year", low=2013, high=2100)
    if form.values["kind"] not in set(Kind):
        form.errors["kind"] = HINTS["kind"]
    if not form.values["region"] or not is_within(form.values["region"], principal.region):
        form.errors["region"] = HINTS["region"]
    try:
        if form.has_errors:
            return await batch_list_page(
                request, principal, BatchFilters(), form=form, block="batch_form", status_code=422
            )
        body = {"year": year, "kind": form.values["kind"], "region": form.values["region"]}
        answer = await call_payments(request, principal, "POST", BATCHES, json=body)
        if answer.status_code == status.HTTP_201_CREATED:
            return went_to(request, f"/payments/batches/{answer.json()['id']}")
        if answer.status_code == status.HTTP_401_UNAUTHORIZED:
            raise SignedOut
        form.absorb(answer, "批次未能生成，请检查后重试。")
        return await batch_list_page(
            request, principal, BatchFilters(), form=form, block="batch_form", status_code=422
        )
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


@dataclass(frozen=True)
class Progress:
    """How far the bank has got with a batch: lines settled (paid, failed or returned) of all lines."""

    batch: dict[str, Any]
    reconciliation: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.reconciliation.get("counts") or {})

    @property
    def settled(self) -> int:
        return sum(self.counts.get(s, 0) for s in (LineStatus.paid, LineStatus.failed, LineStatus.returned))

    @property
    def percent(self) -> int:
        lines = self.batch["line_count"]
        return 100 if not lines else self.settled * 100 // lines

    @property
    def balances(self) -> bool:
        r = self.reconciliation
        return bool(r["total_fen"] == r["paid_fen"] + r["failed_fen"] + r["pending_fen"])

    @property
    def polling(self) -> bool:
        """Poll while the bank is still answering; the fragment without the trigger stops it."""
        return bool(self.batch["status"] == BatchStatus.disbursing)


async def load_progress(request: Request, principal: Principal, path: str) -> Progress:
    batch, reconciliation = await asyncio.gather(
        payments_json(request, principal, path), payments_json(request, principal, f"{path}/reconciliation")
    )
    return Progress(batch, reconciliation)


async def batch_page(
    request: Request,
    principal: Principal,
    path: str,
    *,
    page: int = 1,
    problem: str | None = None,
    done: str | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The batch: its facts, the actions the caller may take now, progress, reconciliation and lines."""
    progress, lines, tree = await asyncio.gather(
        load_progress(request, principal, path),
        payments_json(
            request, principal, f"{path}/lines", params={"page": page, "page_size": LINES_PAGE_SIZE}
        ),
        region_tree(request, principal),
    )
    batch = progress.batch
    names = region_names(tree or [])
    actions = [
        (action, label)
        for action, (label, needed, _) in ACTIONS.items()
        if batch["status"] == needed and allowed("POST", f"{path}/{action}", principal.role)
    ]
    context = {
        "batch": batch,
        "progress": progress,
        "lines": lines,
        "line_pages": max(1, -(-lines["total"] // LINES_PAGE_SIZE)),
        "actions": actions,
        "problem": problem,
        "done": done,
        "region_names": names,
        "region_name": names.get(principal.region),
    }
    return show(request, principal, "batch.html", context, block=block, status_code=status_code)


@router.get("/payments/batches/{batch_id}")
async def batch_detail(
    request: Request, principal: MayGetBatch, batch_id: str, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    return await batch_page(request, principal, path, page=page, block="batch_lines")


@router.get("/payments/batches/{batch_id}/progress")
async def batch_progress(request: Request, principal: MayGetReconciliation, batch_id: str) -> Response:
    """The progress and reconciliation fragment, polled every 2 s while the batch is disbursing."""
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    progress = await load_progress(request, principal, path)
    context = {"batch": progress.batch, "progress": progress, "oob": True}
    return show(request, principal, "batch.html", context, block=["batch_progress", "batch_status"])


@router.post("/payments/batches/{batch_id}/{action}")
async def batch_action(
    request: Request, principal: MayPostBatchSteps, batch_id: str, action: str
) -> Response:
    """Submit, approve or disburse; a refusal (the maker approving, a status moved on) is shown in Chinese
    as the service words it, above the buttons."""
    path = batch_path(batch_id)
    if path is None or action not in ACTIONS:
        raise Refusal(404, BATCH_MISSING)
    try:
        answer = await call_payments(request, principal, "POST", f"{path}/{action}")
        if answer.status_code == status.HTTP_200_OK:
            return await batch_page(request, principal, path, done=ACTIONS[action][2], block="batch_body")
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="payments", missing=BATCH_MISSING)
        problem = detail_of(answer, "操作未能完成，请刷新页面后重试。")
        return await batch_page(
            request, principal, path, problem=problem, block="batch_body", status_code=422
        )
    except Unavailable:
        raise Refusal(503, PAYMENTS_DOWN) from None


def notice_regions(tree: list[dict[str, Any]], batch_region: str) -> list[RegionOption]:
    """The levels a batch's notice may be printed for: its region and the regions under it in scope."""
    inside = [o for o in batch_regions(tree) if is_within(o.code, batch_region)]
    return inside or [o for o in batch_regions(tree) if is_within(batch_region, o.code)][-1:]


@router.get("/payments/batches/{batch_id}/notice")
async def batch_notice(
    request: Request, principal: MayGetBatchNotice, batch_id: str, region: str = ""
) -> Response:
    """The printable public disclosure list (公示名单), names and ID numbers masked by the service."""
    path = batch_path(batch_id)
    if path is None:
        raise Refusal(404, BATCH_MISSING)
    params = {"region": region.strip()} if region.strip().isdigit() else {}
    notice, tree = await asyncio.gather(
        payments_json(request, principal, f"{path}/notice", params=params),
        region_tree(request, principal),
    )
    posted = datetime.now(DISPLAY_TZ).date()
    context = {
        "notice": notice,
        "level": labels(Tier).get(notice["level"], ""),
        "posted": posted,
        "until": posted + timedelta(days=NOTICE_DAYS),
        "regions": notice_regions(tree or [], notice["region_code"]),
    }
    return show(request, principal, "notice_payments.html", context)


# --- the dashboard -------------------------------------------------------------------------------------


@dataclass
class StatusTotal:
    count: int = 0
    total_fen: int = 0


@dataclass
class PaymentsOverview:
    """Batches by status in the caller's scope: how many and how much."""

    rows: list[tuple[str, str, StatusTotal]]
    truncated: bool = False

    @property
    def total(self) -> StatusTotal:
        return StatusTotal(sum(r.count for _, _, r in self.rows), sum(r.total_fen for _, _, r in self.rows))


async def payments_overview(request: Request, principal: Principal) -> PaymentsOverview | None:
    """The dashboard's payments section; None when the role may not see batches or the service is down."""
    if not allowed("GET", BATCHES, principal.role):
        return None
    by_status = {s.value: StatusTotal() for s in BatchStatus}
    seen = 0
    try:
        for page in range(1, DASHBOARD_PAGES + 1):
            answer = await call_payments(
                request, principal, "GET", BATCHES, params={"page": page, "page_size": LIST_SIZE}
            )
            if answer.status_code != status.HTTP_200_OK:
                return None
            body = answer.json()
            for batch in body["items"]:
                row = by_status[batch["status"]]
                row.count += 1
                row.total_fen += batch["total_fen"]
            seen += len(body["items"])
            if seen >= body["total"] or not body["items"]:
                break
        else:
            return PaymentsOverview(_status_rows(by_status), truncated=True)
    except Unavailable:
        return None
    return PaymentsOverview(_status_rows(by_status))


def _status_rows(by_status: dict[str, StatusTotal]) -> list[tuple[str, str, StatusTotal]]:
    return [(s.value, s.label, by_status[s.value]) for s in BatchStatus]
