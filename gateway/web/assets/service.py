"""What the assets pages share: the service's paths, calling it on the caller's token, its form (money
typed in yuan, shares in percent) and the hints that say its English schema complaints in Chinese, and the
region and year pickers."""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from fastapi import Request, status

from gateway.web.clients import call_service, service_json
from gateway.web.forms import CJK, REGION_PATTERN, RegionOption
from gateway.web.forms import Form as BaseForm
from gateway.web.render import renderer
from shared.auth import Principal
from shared.errors import Unavailable
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

ASSETS = "/api/v1/assets"
PLANS = f"{ASSETS}/distributions"
FUND = f"{ASSETS}/fund"
INVESTMENTS = f"{FUND}/investments"
ENTITIES = f"{ASSETS}/entities"
PRODUCTS = f"{ASSETS}/products"
PARTNERSHIPS = f"{ASSETS}/partnerships"
PROJECTS = f"{ASSETS}/projects"
ALLOCATIONS = f"{ASSETS}/allocations"
SPECIAL_FUNDS = f"{ASSETS}/reports/special-funds"
PERFORMANCE = f"{ASSETS}/performance"
NOTICES = f"{ASSETS}/notices"
PAGE_SIZE = 20
CATALOGUE_SIZE = 200  # the service's largest page: pickers and the dashboard read whole lists in these
DASHBOARD_PAGES = 25  # at most 5,000 assets or plans summed on the dashboard

ASSETS_DOWN = "资产服务暂时不可用，请稍后再试。"
ASSET_MISSING = "未找到该资产，或该资产不在您的管辖范围内。"
PLAN_MISSING = "未找到该分配方案，或该方案不在您的管辖范围内。"
FUND_MISSING = "产业发展基金在锡尼镇先行先试，您的辖区不含该基金。"
INVESTMENT_MISSING = "未找到该笔投资，或该投资不在您的管辖范围内。"
PARTNERSHIP_MISSING = "未找到该结对帮扶，或该结对不在您的管辖范围内。"
PRODUCT_MISSING = "未找到该扶贫产品，或该产品不在您的管辖范围内。"
PROJECT_MISSING = "未找到该项目或绩效目标，或该项目不在您的管辖范围内。"

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
    "enterprise_id": "请选择有统一社会信用代码的企业",
    "signed_on": "请选择签约日期",
    "commitments": "每项承诺须填写大于 0 的数额和到期日期",
    "commitment_id": "请选择承诺事项",
    "amount": "请填写大于 0 的数额（金额按元，就业按人）",
    "delivered_on": "请选择兑现日期",
    "evidence": "请填写兑现凭证（2–2000 字）",
    "check": "请选择审核环节",
    "passed": "请选择通过或不通过",
    "channel": "请选择销售渠道",
    "sold_on": "请选择销售日期",
    "buyer": "购买方最多 100 字",
    "household_incomes": "带动农牧户收入须为大于 0 的金额（元，最多两位小数）",
    "project_id": "请选择项目",
    "source": "请选择资金来源",
    "allocated_on": "请选择下达日期",
    "document_no": "文号最多 100 字",
    "actual_value": "请填写完成值（非负整数）",
    "recorded_on": "请选择填报日期",
    "posted_on": "请选择公示开始日期",
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
