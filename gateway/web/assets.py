"""The assets pages: the asset register with incomes and status history, dividend plans (收益分配方案) with
maker-checker approval, the industry development fund (产业发展基金), and the entity and product catalogues.

Every read and write goes to the assets service on the caller's token; the service decides scope and
validity, the pages only put its answers next to the fields, in Chinese. Money is typed in yuan and sent
in fen, converted exactly with `Decimal`.
"""

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.clients import call_service, refusal, region_names, region_tree, service_json, this_year
from gateway.web.deps import Official, PageUser, page_router
from gateway.web.errors import Refusal, SignedOut
from gateway.web.forms import (
    CJK,
    REGION_PATTERN,
    RegionOption,
    problems_of,
    region_groups,
    villages,
    went_to,
)
from gateway.web.forms import Form as BaseForm
from gateway.web.render import renderer, wants_fragment
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import format_yuan
from shared.regions import Tier
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    EntityKind,
    FundingSource,
    HouseholdLink,
    PlanStatus,
)
from shared.vocabulary.households import Category

router = page_router()

ASSETS = "/api/v1/assets"
PLANS = f"{ASSETS}/distributions"
FUND = f"{ASSETS}/fund"
INVESTMENTS = f"{FUND}/investments"
ENTITIES = f"{ASSETS}/entities"
PRODUCTS = f"{ASSETS}/products"
PAGE_SIZE = 20
CATALOGUE_SIZE = 200  # the service's largest page: pickers and the dashboard read whole lists in these
DASHBOARD_PAGES = 25  # at most 5,000 assets or plans summed on the dashboard

ASSETS_DOWN = "资产服务暂时不可用，请稍后再试。"
ASSET_MISSING = "未找到该资产，或该资产不在您的管辖范围内。"
PLAN_MISSING = "未找到该分配方案，或该方案不在您的管辖范围内。"
FUND_MISSING = "产业发展基金在锡尼镇先行先试，您的辖区不含该基金。"
INVESTMENT_MISSING = "未找到该笔投资，或该投资不在您的管辖范围内。"

SHARE_LABELS = {"households": "农牧户", "public_posts": "公益岗位", "collective": "村集体"}
DEFAULT_CATEGORIES = (Category.lifted_supported, Category.monitored, Category.marginal)

# The service's own rules answer in Chinese; schema checks answer in English: these say it for them.
HINTS = {
    "name": "请填写名称（最多 100 字）",
    "asset_class": "请选择资产类别",
    "region_code": "请选择本辖区内的苏木镇或嘎查村",
    "region": "请选择本辖区内的嘎查村",
    "project": "项目名称最多 200 字",
    "funding_source": "请选择资金来源",
    "funding_year": "年度应为 2014 年以后的年份",
    "year": "年度应为 2014 年以后的年份",
    "value_yuan": "请填写金额（元，最多两位小数）",
    "amount_yuan": "请填写大于 0 的金额（元，最多两位小数）",
    "total_yuan": "请填写大于 0 的金额（元，最多两位小数）",
    "self_raised_yuan": "请填写自筹金额（元，最多两位小数，可为 0）",
    "principal_yuan": "请填写收回本金（元，最多两位小数，可为 0）",
    "income_yuan": "请填写收益（元，最多两位小数，可为 0）",
    "operator_entity_id": "请选择经营主体",
    "entity_id": "请选择经营主体",
    "status": "请选择状态",
    "reason": "请填写原因（2–500 字）",
    "note": "备注最多 500 字",
    "shares": "三项比例须为 0–100 的整数，合计 100%",
    "categories": "请至少选择一个农牧户类别",
    "term_months": "期限应为 1–240 个月",
    "expected_return_pct": "预期年收益率应为 0–100 之间的百分数（最多两位小数）",
    "start_date": "请选择起始日期",
    "paid_on": "请选择回款日期",
    "linked_households": "每行一个农牧户编号（UUID）",
    "kind": "请选择主体类型",
    "credit_code": "统一社会信用代码应为 18 位",
    "contact": "联系方式最多 100 字",
    "category": "请填写产品类别（最多 50 字）",
    "certified_on": "请选择认定日期",
    "certificate_no": "请填写认定证书编号（最多 64 字）",
    "valid_until": "请选择有效期至",
}
# The API's field names where the form names them differently (money is typed in yuan).
FORM_FIELD = {
    "value_fen": "value_yuan",
    "amount_fen": "amount_yuan",
    "total_fen": "total_yuan",
    "self_raised_fen": "self_raised_yuan",
    "principal_fen": "principal_yuan",
    "income_fen": "income_yuan",
    "expected_return_bp": "expected_return_pct",
    "asset_class": "amount_yuan",  # "only operating assets record incomes": shown at the amount
}

LABELS = {
    "ASSET_CLASSES": list(AssetClass),
    "ASSET_STATUSES": list(AssetStatus),
    "FUNDING_SOURCES": list(FundingSource),
    "ENTITY_KINDS": list(EntityKind),
    "HOUSEHOLD_LINKS": list(HouseholdLink),
    "PLAN_STATUSES": list(PlanStatus),
    "SHARE_CATEGORIES": list(Category),
    "SHARE_LABELS": SHARE_LABELS,
}


show = renderer(LABELS)

# --- talking to the assets service ---------------------------------------------------------------------


MayGetAssets = Annotated[Principal, Depends(PageUser(("GET", ASSETS)))]
MayPostAssets = Annotated[Principal, Depends(PageUser(("POST", ASSETS)))]
MayGetPlans = Annotated[Principal, Depends(PageUser(("GET", PLANS)))]
MayPostPlans = Annotated[Principal, Depends(PageUser(("POST", PLANS)))]
MayGetFund = Annotated[Principal, Depends(PageUser(("GET", FUND)))]
MayPostInvestments = Annotated[Principal, Depends(PageUser(("POST", INVESTMENTS)))]
MayGetEntities = Annotated[Principal, Depends(PageUser(("GET", ENTITIES)))]
MayPostEntities = Annotated[Principal, Depends(PageUser(("POST", ENTITIES)))]
MayGetProducts = Annotated[Principal, Depends(PageUser(("GET", PRODUCTS)))]
MayPostProducts = Annotated[Principal, Depends(PageUser(("POST", PRODUCTS)))]
MayGetAsset = Annotated[Principal, Depends(PageUser(("GET", f"{ASSETS}/{{id}}")))]
MayPostIncomes = Annotated[Principal, Depends(PageUser(("POST", f"{ASSETS}/{{id}}/incomes")))]
MayPostStatus = Annotated[Principal, Depends(PageUser(("POST", f"{ASSETS}/{{id}}/status")))]
MayGetPlan = Annotated[Principal, Depends(PageUser(("GET", f"{PLANS}/{{id}}")))]
MayApprovePlans = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/approve")))]
MayCancelPlans = Annotated[Principal, Depends(PageUser(("POST", f"{PLANS}/{{id}}/cancel")))]
MayPostRepayments = Annotated[Principal, Depends(PageUser(("POST", f"{INVESTMENTS}/{{id}}/repayments")))]


async def call_assets(
    request: Request, principal: Principal, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Call the assets service on the caller's token; may raise `Unavailable`."""
    return await call_service(request, "assets", method, path, token=principal.token, **kwargs)


async def assets_json(
    request: Request, principal: Principal, path: str, *, missing: str = ASSET_MISSING, **kwargs: Any
) -> Any:
    return await service_json(request, principal, "assets", path, missing=missing, **kwargs)


async def catalogue(request: Request, principal: Principal, path: str, **params: str) -> list[dict[str, Any]]:
    """The first `CATALOGUE_SIZE` rows of a list (for pickers); empty when it cannot be had."""
    try:
        answer = await call_assets(
            request, principal, "GET", path, params={"page_size": CATALOGUE_SIZE} | params
        )
    except Unavailable:
        return []
    return list(answer.json()["items"]) if answer.status_code == status.HTTP_200_OK else []


def resource_path(base: str, raw_id: str) -> str | None:
    """The API path of one record, or None when the id is not a UUID (a 404 either way)."""
    try:
        return f"{base}/{uuid.UUID(raw_id)}"
    except ValueError:
        return None


# --- forms ---------------------------------------------------------------------------------------------


class Form(BaseForm):
    """An assets form: its hints; a complaint about a plan's split goes next to the share table."""

    hints = HINTS
    api_fields = FORM_FIELD

    def fail(self, name: str, reason: str) -> None:
        if self.column(name) != "shares":
            super().fail(name, reason)
        else:
            self.errors.setdefault("shares", reason if CJK.search(reason) else self.hint("shares"))


def percent_bp(raw: str) -> int | None:
    """A yearly rate typed in percent ("4.5") as basis points (450), exactly; None if unreadable."""
    try:
        pct = Decimal(raw.replace("%", ""))
    except InvalidOperation:
        return None
    if not pct.is_finite() or not 0 <= pct <= 100 or pct != pct.quantize(Decimal("0.01")):
        return None
    return int(pct * 100)


def bp_percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}%"


# --- regions -------------------------------------------------------------------------------------------


def holders(tree: list[dict[str, Any]]) -> list[RegionOption]:
    """Where an asset may be registered: the townships (镇级资产) and villages of the caller's scope."""
    found: list[RegionOption] = []
    pending = list(tree)
    while pending:
        node = pending.pop(0)
        if node["tier"] == Tier.township:
            found.append(RegionOption(node["code"], f"{node['name']}（镇级）"))
            found += [
                RegionOption(v["code"], f"{node['name']} · {v['name']}") for v in node.get("children", [])
            ]
        elif node["tier"] == Tier.village:
            found.append(RegionOption(node["code"], node["name"]))
        else:
            pending = list(node.get("children", [])) + pending
    return found


def clean_region(raw: str) -> str:
    raw = raw.strip()
    return raw if REGION_PATTERN.fullmatch(raw) else ""


def clean_year(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and 2014 <= int(raw) <= 2100 else None


# --- the asset register --------------------------------------------------------------------------------

ASSET_FIELDS = (
    "name",
    "asset_class",
    "region_code",
    "project",
    "funding_source",
    "funding_year",
    "value_yuan",
    "operator_entity_id",
)


@dataclass(frozen=True)
class AssetFilters:
    asset_class: str = ""
    region: str = ""
    year: int | None = None
    page: int = 1

    def query(self, **changes: Any) -> str:
        values = {
            "asset_class": self.asset_class,
            "region": self.region,
            "year": self.year,
            "page": self.page,
        }
        values |= changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    def api_params(self) -> dict[str, str | int]:
        params: dict[str, str | int] = {"page": self.page, "page_size": PAGE_SIZE}
        for key, value in (("asset_class", self.asset_class), ("region", self.region), ("year", self.year)):
            if value:
                params[key] = value
        return params


def blank_asset_form(principal: Principal) -> Form:
    values = dict.fromkeys(ASSET_FIELDS, "")
    values |= {
        "asset_class": AssetClass.operating,
        "region_code": principal.region if len(principal.region) > 6 else "",
        "funding_year": str(this_year()),
    }
    return Form(values=values)


async def asset_list_page(
    request: Request,
    principal: Principal,
    filters: AssetFilters,
    *,
    form: Form,
    block: str,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    result, tree, operators = await asyncio.gather(
        assets_json(request, principal, ASSETS, params=filters.api_params()),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    context = {
        "filters": filters,
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "region_groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
        "holders": holders(tree or []),
        "operators": operators,
        "form": form,
        "can_register": allowed("POST", ASSETS, principal.role),
        "this_year": this_year(),
    }
    return show(
        request, principal, "assets.html", context, block=block, status_code=status_code, headers=headers
    )


@router.get("/assets")
async def asset_list(
    request: Request,
    principal: MayGetAssets,
    asset_class: str = "",
    region: str = "",
    year: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    filters = AssetFilters(
        asset_class=asset_class if asset_class in set(AssetClass) else "",
        region=clean_region(region),
        year=clean_year(year),
        page=page,
    )
    # The address bar shows the filters that apply, without the empty ones the form sent.
    canonical = {"HX-Push-Url": "/assets" + (f"?{filters.query()}" if filters.query() else "")}
    return await asset_list_page(
        request, principal, filters, form=blank_asset_form(principal), block="results", headers=canonical
    )


@router.post("/assets")
async def register_asset(request: Request, principal: MayPostAssets) -> Response:
    """Register an asset through POST /api/v1/assets; its refusals go next to the fields."""
    form = await Form.of(request, ASSET_FIELDS)
    values = form.values
    payload = {
        "name": values["name"],
        "asset_class": values["asset_class"],
        "region_code": values["region_code"],
        "project": values["project"] or None,
        "funding_source": values["funding_source"],
        "funding_year": form.whole("funding_year", low=2014, high=2100),
        "value_fen": form.fen("value_yuan"),
        "operator_entity_id": values["operator_entity_id"] or None,
    }
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", ASSETS, json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/assets/{answer.json()['id']}")
            if answer.status_code == status.HTTP_401_UNAUTHORIZED:
                raise SignedOut
            form.absorb(answer, "资产未能登记，请检查后重试。")
        return await asset_list_page(
            request, principal, AssetFilters(), form=form, block="asset_form", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@dataclass
class AssetForms:
    income: Form = field(default_factory=lambda: Form(values={"year": "", "amount_yuan": "", "note": ""}))
    status_change: Form = field(default_factory=lambda: Form(values={"status": "", "reason": ""}))


async def asset_detail_page(
    request: Request,
    principal: Principal,
    asset_id: str,
    *,
    forms: AssetForms | None = None,
    block: str | list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    path = resource_path(ASSETS, asset_id)
    if path is None:
        raise Refusal(404, ASSET_MISSING)
    asset, tree, operators = await asyncio.gather(
        assets_json(request, principal, path),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),
    )
    names = region_names(tree or [])
    forms = forms or AssetForms()
    if not forms.income.values["year"]:
        recorded = {income["year"] for income in asset["incomes"]}
        forms.income.values["year"] = str(
            next((y for y in range(this_year() - 1, asset["funding_year"] - 1, -1) if y not in recorded), "")
        )
    operator = next((e for e in operators if e["id"] == asset["operator_entity_id"]), None)
    context = {
        "asset": asset,
        "history": list(reversed(asset["status_history"])),
        "incomes": list(reversed(asset["incomes"])),
        "income_total": sum(income["amount_fen"] for income in asset["incomes"]),
        "holder_name": names.get(asset["region_code"], asset["region_code"]),
        "region_name": names.get(principal.region),
        "operator": operator,
        "forms": forms,
        "can_income": asset["asset_class"] == AssetClass.operating
        and allowed("POST", f"{path}/incomes", principal.role),
        "can_status": asset["status"] != AssetStatus.disposed
        and allowed("POST", f"{path}/status", principal.role),
        "oob": isinstance(block, list),
        "this_year": this_year(),
    }
    return show(request, principal, "assets_detail.html", context, block=block, status_code=status_code)


def asset_path(asset_id: str) -> str:
    """The asset's API path, or a 404 for an id that is not one."""
    path = resource_path(ASSETS, asset_id)
    if path is None:
        raise Refusal(404, ASSET_MISSING)
    return path


@router.post("/assets/{asset_id}/incomes")
async def add_income(request: Request, principal: MayPostIncomes, asset_id: str) -> Response:
    """Record a year's income (经营性资产收益); the answer refreshes the incomes panel in place."""
    path = asset_path(asset_id)
    form = await Form.of(request, ("year", "amount_yuan", "note"))
    payload = {
        "year": form.whole("year", low=2014, high=2100),
        "amount_fen": form.fen("amount_yuan"),
        "note": form.values["note"] or None,
    }
    try:
        if not form.has_errors:
            answer = await call_assets(request, principal, "POST", f"{path}/incomes", json=payload)
            if answer.status_code == status.HTTP_201_CREATED:
                income = answer.json()
                done = AssetForms(income=Form(values={"year": "", "amount_yuan": "", "note": ""}))
                done.income.done = f"已登记 {income['year']} 年度收益。"
                return await asset_detail_page(
                    request, principal, asset_id, forms=done, block=["incomes", "asset_head"]
                )
            if answer.status_code in (401, 403, 404):
                raise refusal(answer, service="assets", missing=ASSET_MISSING)
            form.absorb(answer, "收益未能登记，请检查后重试。")
        forms = AssetForms(income=form)
        return await asset_detail_page(
            request, principal, asset_id, forms=forms, block="incomes", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.post("/assets/{asset_id}/status")
async def change_status(request: Request, principal: MayPostStatus, asset_id: str) -> Response:
    """Change an asset's status with a reason; the answer refreshes the head and the history in place."""
    path = asset_path(asset_id)
    form = await Form.of(request, ("status", "reason"))
    try:
        answer = await call_assets(request, principal, "POST", f"{path}/status", json=form.values)
        if answer.status_code == status.HTTP_201_CREATED:
            done = AssetForms()
            done.status_change.done = f"状态已变更为{AssetStatus(answer.json()['to_status']).label}。"
            return await asset_detail_page(
                request, principal, asset_id, forms=done, block=["status_panel", "asset_head"]
            )
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="assets", missing=ASSET_MISSING)
        form.absorb(answer, "状态未能变更，请检查后重试。")
        return await asset_detail_page(
            request,
            principal,
            asset_id,
            forms=AssetForms(status_change=form),
            block="status_panel",
            status_code=422,
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


# --- dividend plans ------------------------------------------------------------------------------------

PLAN_FIELDS = ("year", "region", "total_yuan", "share_households", "share_public_posts", "share_collective")


def blank_plan_form(principal: Principal) -> Form:
    values: dict[str, Any] = {
        "year": str(this_year() - 1),
        "region": principal.region if len(principal.region) == 12 else "",
        "total_yuan": "",
        "share_households": "60",
        "share_public_posts": "20",
        "share_collective": "20",
        "categories": [c.value for c in DEFAULT_CATEGORIES],
    }
    return Form(values=values)


def share_sum(values: dict[str, Any]) -> int | None:
    """The three shares' sum as typed, or None while one of them is not a whole number."""
    raws = [str(values.get(f"share_{part}", "")).strip() for part in SHARE_LABELS]
    return sum(int(raw) for raw in raws) if all(raw.isdigit() for raw in raws) else None


@router.get("/assets/distributions")
async def plan_list(
    request: Request,
    principal: MayGetPlans,
    year: str = "",
    plan_status: Annotated[str, Query(alias="status")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen_year = clean_year(year)
    chosen_status = plan_status if plan_status in set(PlanStatus) else ""
    params: dict[str, str | int] = {"page": page, "page_size": PAGE_SIZE}
    params |= {k: v for k, v in (("year", chosen_year), ("status", chosen_status)) if v}
    result, tree = await asyncio.gather(
        assets_json(request, principal, PLANS, params=params), region_tree(request, principal)
    )
    names = region_names(tree or [])

    def query(**changes: Any) -> str:
        values = {"year": chosen_year, "status": chosen_status, "page": page} | changes
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == 1)})

    context = {
        "result": result,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "year": chosen_year,
        "status": chosen_status,
        "query": query,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", PLANS, principal.role),
        "this_year": this_year(),
    }
    canonical = {"HX-Push-Url": "/assets/distributions" + (f"?{query()}" if query() else "")}
    return show(request, principal, "distributions.html", context, block="results", headers=canonical)


async def plan_form_page(
    request: Request,
    principal: Principal,
    form: Form,
    *,
    plan: dict[str, Any] | None = None,
    block: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    tree = await region_tree(request, principal) or []
    names = region_names(tree)
    context = {
        "form": form,
        "plan": plan,
        "sum": share_sum(form.values),
        "villages": villages(tree),
        "region_names": names,
        "region_name": names.get(principal.region),
        "this_year": this_year(),
    }
    return show(request, principal, "distribution_form.html", context, block=block, status_code=status_code)


@router.get("/assets/distributions/new")
async def new_plan(request: Request, principal: MayPostPlans) -> Response:
    return await plan_form_page(request, principal, blank_plan_form(principal))


@router.get("/assets/distributions/share-sum")
async def plan_share_sum(request: Request, principal: Official) -> Response:
    """The shares' sum as the official types them (the form shows it live)."""
    values = {name: request.query_params.get(name, "") for name in PLAN_FIELDS}
    context = {"sum": share_sum(values)}
    return show(request, principal, "distribution_form.html", context, block="share_sum")


@router.post("/assets/distributions/new")
async def create_plan(request: Request, principal: MayPostPlans) -> Response:
    """Draft a plan through POST /api/v1/assets/distributions and show its computed split."""
    form = await Form.of(request, PLAN_FIELDS)
    chosen = (await request.form()).getlist("categories")
    form.values["categories"] = [c for c in chosen if isinstance(c, str) and c in set(Category)]
    shares = {part: form.whole(f"share_{part}", low=0, high=100) for part in SHARE_LABELS}
    if any(value is None for value in shares.values()):
        form.errors = {k: v for k, v in form.errors.items() if not k.startswith("share_")}
        form.errors["shares"] = HINTS["shares"]
    elif sum(v for v in shares.values() if v is not None) != 100:
        form.errors["shares"] = f"三项比例合计须为 100%，现为 {share_sum(form.values)}%"
    if not form.values["categories"]:
        form.errors["categories"] = HINTS["categories"]
    payload = {
        "year": form.whole("year", low=2014, high=2100),
        "region": form.values["region"],
        "total_fen": form.fen("total_yuan", positive=True),
        "shares": shares,
        "categories": form.values["categories"],
    }
    if form.has_errors:
        return await plan_form_page(request, principal, form, block="plan_form", status_code=422)
    try:
        answer = await call_assets(request, principal, "POST", PLANS, json=payload)
    except Unavailable:
        form.problem = ASSETS_DOWN
        return await plan_form_page(request, principal, form, block="plan_form", status_code=503)
    if answer.status_code == status.HTTP_201_CREATED:
        plan = answer.json()
        if not wants_fragment(request):
            return went_to(request, f"/assets/distributions/{plan['id']}")
        return await plan_form_page(request, principal, form, plan=plan, block="plan_form")
    if answer.status_code == status.HTTP_401_UNAUTHORIZED:
        raise SignedOut
    form.absorb(answer, "分配方案未能生成，请检查后重试。")
    return await plan_form_page(request, principal, form, block="plan_form", status_code=422)


async def plan_detail_page(
    request: Request,
    principal: Principal,
    plan_id: str,
    *,
    problem: str | None = None,
    done: str | None = None,
    block: str | list[str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    path = resource_path(PLANS, plan_id)
    if path is None:
        raise Refusal(404, PLAN_MISSING)
    plan, tree = await asyncio.gather(
        assets_json(request, principal, path, missing=PLAN_MISSING), region_tree(request, principal)
    )
    names = region_names(tree or [])
    draft = plan["status"] == PlanStatus.draft
    context = {
        "plan": plan,
        "village_name": names.get(plan["region"], plan["region"]),
        "region_name": names.get(principal.region),
        "can_approve": draft and allowed("POST", f"{path}/approve", principal.role),
        "can_cancel": draft and allowed("POST", f"{path}/cancel", principal.role),
        "problem": problem,
        "done": done,
        "oob": isinstance(block, list),
    }
    return show(request, principal, "distribution.html", context, block=block, status_code=status_code)


@router.get("/assets/distributions/{plan_id}")
async def plan_detail(request: Request, principal: MayGetPlan, plan_id: str) -> Response:
    return await plan_detail_page(request, principal, plan_id)


async def plan_decision(request: Request, principal: Principal, plan_id: str, action: str) -> Response:
    """Approve or cancel a draft; a refusal (the maker approving, a plan already decided) is shown in
    Chinese as the service words it, next to the buttons."""
    path = resource_path(PLANS, plan_id)
    if path is None:
        raise Refusal(404, PLAN_MISSING)
    blocks = ["plan_actions", "plan_head"]
    try:
        answer = await call_assets(request, principal, "POST", f"{path}/{action}")
        if answer.status_code == status.HTTP_200_OK:
            done = "方案已审批，正在移交支付服务发放。" if action == "approve" else "方案已撤销。"
            return await plan_detail_page(request, principal, plan_id, done=done, block=blocks)
        if answer.status_code in (401, 403, 404):
            raise refusal(answer, service="assets", missing=PLAN_MISSING)
        detail = str(problems_of(answer).get("detail") or "")
        problem = detail if CJK.search(detail) else "操作未能完成，请刷新页面后重试。"
        return await plan_detail_page(
            request, principal, plan_id, problem=problem, block="plan_actions", status_code=422
        )
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.post("/assets/distributions/{plan_id}/approve")
async def approve_plan(request: Request, principal: MayApprovePlans, plan_id: str) -> Response:
    return await plan_decision(request, principal, plan_id, "approve")


@router.post("/assets/distributions/{plan_id}/cancel")
async def cancel_plan(request: Request, principal: MayCancelPlans, plan_id: str) -> Response:
    return await plan_decision(request, principal, plan_id, "cancel")


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
    return show(request, principal, "fund.html", context, block=block, status_code=status_code)


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


# --- entities and products -----------------------------------------------------------------------------

ENTITY_FIELDS = ("name", "kind", "region_code", "credit_code", "contact")
PRODUCT_FIELDS = ("name", "entity_id", "category", "certified_on", "certificate_no", "valid_until")


@dataclass(frozen=True)
class Catalogue:
    """One of the two catalogue pages: its list, its form and the API they use."""

    path: str
    api: str
    template: str
    fields: tuple[str, ...]
    changed: str  # the htmx event that makes the list refresh itself
    saved: str  # "已登记{name}。"


ENTITY_PAGE = Catalogue(
    "/assets/entities",
    ENTITIES,
    "assets_entities.html",
    ENTITY_FIELDS,
    "entities-changed",
    "已登记经营主体{name}。",
)
PRODUCT_PAGE = Catalogue(
    "/assets/products",
    PRODUCTS,
    "assets_products.html",
    PRODUCT_FIELDS,
    "products-changed",
    "已认定扶贫产品{name}。",
)


async def catalogue_page(
    request: Request,
    principal: Principal,
    page_of: Catalogue,
    *,
    form: Form,
    page: int = 1,
    block: str,
    status_code: int = status.HTTP_200_OK,
    headers: dict[str, str] | None = None,
) -> Response:
    result, tree, entities = await asyncio.gather(
        assets_json(request, principal, page_of.api, params={"page": page, "page_size": PAGE_SIZE}),
        region_tree(request, principal),
        catalogue(request, principal, ENTITIES),  # the products form picks one; the entity list names them
    )
    names = region_names(tree or [])
    context = {
        "result": result,
        "page": page,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "form": form,
        "holders": holders(tree or []),
        "entities": entities,
        "region_names": names,
        "region_name": names.get(principal.region),
        "can_create": allowed("POST", page_of.api, principal.role),
    }
    return show(
        request, principal, page_of.template, context, block=block, status_code=status_code, headers=headers
    )


async def catalogue_list(request: Request, principal: Principal, page_of: Catalogue, page: int) -> Response:
    form = Form(values=dict.fromkeys(page_of.fields, ""))
    return await catalogue_page(request, principal, page_of, form=form, page=page, block="table")


async def catalogue_create(request: Request, principal: Principal, page_of: Catalogue) -> Response:
    form = await Form.of(request, page_of.fields)
    payload = {name: value or None for name, value in form.values.items()}
    try:
        answer = await call_assets(request, principal, "POST", page_of.api, json=payload)
        if answer.status_code == status.HTTP_201_CREATED:
            done = Form(
                values=dict.fromkeys(page_of.fields, ""),
                done=page_of.saved.format(name=answer.json()["name"]),
            )
            return await catalogue_page(
                request, principal, page_of, form=done, block="form", headers={"HX-Trigger": page_of.changed}
            )
        if answer.status_code in (401, 403):
            raise refusal(answer, service="assets", missing=ASSET_MISSING)
        form.absorb(answer, "未能保存，请检查后重试。")
        return await catalogue_page(request, principal, page_of, form=form, block="form", status_code=422)
    except Unavailable:
        raise Refusal(503, ASSETS_DOWN) from None


@router.get("/assets/entities")
async def entity_list(
    request: Request, principal: MayGetEntities, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await catalogue_list(request, principal, ENTITY_PAGE, page)


@router.post("/assets/entities")
async def create_entity(request: Request, principal: MayPostEntities) -> Response:
    return await catalogue_create(request, principal, ENTITY_PAGE)


@router.get("/assets/products")
async def product_list(
    request: Request, principal: MayGetProducts, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    return await catalogue_list(request, principal, PRODUCT_PAGE, page)


@router.post("/assets/products")
async def certify_product(request: Request, principal: MayPostProducts) -> Response:
    return await catalogue_create(request, principal, PRODUCT_PAGE)


# --- one asset (last: `/assets/{asset_id}` would shadow the paths above) ---------------------------------


@router.get("/assets/{asset_id}")
async def asset_detail(request: Request, principal: MayGetAsset, asset_id: str) -> Response:
    return await asset_detail_page(request, principal, asset_id)


# --- the dashboard's section ---------------------------------------------------------------------------


@dataclass
class ClassTotal:
    count: int = 0
    value_fen: int = 0


@dataclass
class PlanTotal:
    count: int = 0
    total_fen: int = 0
    households_fen: int = 0


@dataclass
class AssetsOverview:
    """Assets by class, dividend plans by status, and the fund's position (None when not the caller's)."""

    classes: dict[str, ClassTotal]
    plans: dict[str, PlanTotal]
    fund: dict[str, Any] | None
    truncated: bool = False

    @property
    def class_rows(self) -> list[tuple[str, str, ClassTotal]]:
        """(class, Chinese label, totals) in the register's order."""
        return [(c.value, c.label, self.classes[c.value]) for c in AssetClass]

    @property
    def assets(self) -> ClassTotal:
        return ClassTotal(
            sum(c.count for c in self.classes.values()), sum(c.value_fen for c in self.classes.values())
        )

    def plan_sum(self, statuses: Iterable[str]) -> PlanTotal:
        rows = [self.plans[s] for s in statuses]
        return PlanTotal(
            sum(r.count for r in rows), sum(r.total_fen for r in rows), sum(r.households_fen for r in rows)
        )

    @property
    def paid(self) -> PlanTotal:
        return self.plan_sum([PlanStatus.paid, PlanStatus.handed_over])

    @property
    def pending(self) -> PlanTotal:
        return self.plan_sum([PlanStatus.draft, PlanStatus.approved, PlanStatus.handover_failed])


async def every_item(request: Request, principal: Principal, path: str) -> tuple[list[dict[str, Any]], bool]:
    """All rows of a list (up to `DASHBOARD_PAGES` pages), and whether there were more."""
    items: list[dict[str, Any]] = []
    for page in range(1, DASHBOARD_PAGES + 1):
        answer = await call_assets(
            request, principal, "GET", path, params={"page": page, "page_size": CATALOGUE_SIZE}
        )
        if answer.status_code != status.HTTP_200_OK:
            raise Unavailable(f"assets answered {answer.status_code}")
        body = answer.json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items, False
    return items, True


async def fund_position(request: Request, principal: Principal) -> dict[str, Any] | None:
    """The fund for callers who may see it; None when the API says it is not theirs (404)."""
    if not allowed("GET", FUND, principal.role):
        return None
    answer = await call_assets(request, principal, "GET", FUND)
    if answer.status_code != status.HTTP_200_OK:
        return None
    position: dict[str, Any] = answer.json()
    return position


async def assets_overview(request: Request, principal: Principal) -> AssetsOverview | None:
    """The dashboard's assets section for the caller's scope; None when not allowed or unavailable."""
    if not (allowed("GET", ASSETS, principal.role) and allowed("GET", PLANS, principal.role)):
        return None
    try:
        (assets, more_assets), (plans, more_plans), position = await asyncio.gather(
            every_item(request, principal, ASSETS),
            every_item(request, principal, PLANS),
            fund_position(request, principal),
        )
    except Unavailable:
        return None
    classes = {c.value: ClassTotal() for c in AssetClass}
    for asset in assets:
        total = classes[asset["asset_class"]]
        total.count += 1
        total.value_fen += asset["value_fen"]
    by_status = {s.value: PlanTotal() for s in PlanStatus}
    for plan in plans:
        row = by_status[plan["status"]]
        row.count += 1
        row.total_fen += plan["total_fen"]
        row.households_fen += plan["households_fen"]
    return AssetsOverview(classes, by_status, position, truncated=more_assets or more_plans)
