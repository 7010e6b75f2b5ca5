"""What the monitoring pages share: the service's paths, calling it on the caller's token, a filtered list
page's context and a form about one household, its form and its Chinese: the service's own rules answer in
Chinese, schema checks in English (the hints say it for them), and its status and step names are said with
the vocabulary's labels, its times in Beijing time."""

import asyncio
import re
import uuid
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response

from gateway.web.clients import HOUSEHOLDS, call_service, region_names, region_tree, service_json
from gateway.web.forms import Form, household_choices, region_groups
from gateway.web.render import local_times, renderer
from shared.auth import Principal
from shared.regions import Tier
from shared.vocabulary import labels
from shared.vocabulary.monitoring import Action, CaseStatus, MeasureKind, ReliefKind, RiskType, Source

MONITORING = "/api/v1/monitoring"
CASES = f"{MONITORING}/cases"
CASE = f"{CASES}/{{id}}"
PLANS = f"{MONITORING}/plans"
FINDINGS = f"{MONITORING}/findings"
DEPARTMENT_LISTS = f"{MONITORING}/department-lists"
LOANS = f"{MONITORING}/loans"
POSTS = f"{MONITORING}/posts"
PAGE_SIZE = 20

MONITORING_DOWN = "防返贫监测服务暂时不可用，请稍后再试。"
CASE_MISSING = "未找到该监测对象，或该案件不在您的管辖范围内。"
HOUSEHOLD_MISSING = "未找到该农牧户，或该户不在您的管辖范围内。"

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


def chinese(text: str) -> str:
    """The service's reason with its status and step names (English values) said in Chinese, its times
    in Beijing time."""
    return local_times(ENUM_WORDS.sub(lambda m: WORDS.get(m.group(0), m.group(0)), text))


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


ASSISTANCE_HINTS = {
    "username": "请填写帮扶责任人的登录账号（字母、数字、._@-）",
    "display_name": "请填写帮扶责任人姓名（最多 50 字）",
    "target": "请填写帮扶目标（2–500 字）",
    "due_on": "请选择计划完成日期",
    "status": "请选择状态",
    "evidence": "完成须填写佐证材料（最多 1000 字）",
    "borrower_member_id": "请选择借款人",
    "bank": "请填写放贷银行（2–100 字）",
    "term_months": "请填写 1–120 个月的期限",
    "annual_rate": "请填写年利率（%，0–20，最多两位小数）",
    "purpose": "请选择生产性用途",
    "disbursed_on": "请选择放款日期",
    "paid_on": "请选择还款日期",
    "department": "请选择报送部门",
    "year": "请填写年度",
    "file": "请选择 .csv 或 .xlsx 名单文件",
    "name": "请填写岗位名称（2–100 字）",
    "holder_member_id": "请选择上岗人员",
    "monthly_wage_yuan": "请填写大于 0 的月工资（元，最多两位小数）",
    "starts_on": "请选择开始日期",
    "ends_on": "请选择结束日期（不早于开始日期）",
    "priority_exception": "非脱贫户、边缘户上岗须说明理由（最多 200 字）",
}


class AssistanceForm(MonitoringForm):
    """A form of the assistance pages (plans, loans, posts, departments' lists): their own hints."""

    hints = HINTS | ASSISTANCE_HINTS
    api_fields = API_TO_FORM | {"monthly_wage_fen": "monthly_wage_yuan", "annual_rate_bp": "annual_rate"}


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


async def household_of(request: Request, principal: Principal, raw_id: str) -> dict[str, Any] | None:
    """The household an assistance form is for, with its members (registry, caller's scope); None when
    none is chosen yet."""
    try:
        household_id = uuid.UUID(raw_id)
    except ValueError:
        return None
    found: dict[str, Any] = await service_json(
        request, principal, "registry", f"{HOUSEHOLDS}/{household_id}", missing=HOUSEHOLD_MISSING
    )
    return found


async def where(request: Request, principal: Principal) -> dict[str, Any]:
    """The region names a page shows (its villages, and the caller's own in the top bar)."""
    names = region_names(await region_tree(request, principal) or [])
    return {"region_names": names, "region_name": names.get(principal.region)}


async def listing(
    request: Request, principal: Principal, path: str, filters: dict[str, str], page: int
) -> dict[str, Any]:
    """What a filtered list page shows: one page of `path` with the filters that are set (the service
    keeps it to the caller's scope), the page count, and the region picker and names of the caller's tree."""
    params: dict[str, Any] = {k: v for k, v in filters.items() if v} | {"page": page, "page_size": PAGE_SIZE}
    result, tree = await asyncio.gather(
        monitoring_json(request, principal, path, params=params), region_tree(request, principal)
    )
    names = region_names(tree or [])
    return {
        "result": result,
        "filters": filters,
        "pages": max(1, -(-result["total"] // PAGE_SIZE)),
        "region_groups": region_groups(tree or []),
        "region_names": names,
        "region_name": names.get(principal.region),
    }


async def household_form_page(
    request: Request,
    principal: Principal,
    template: str,
    form: AssistanceForm,
    q: str = "",
    status_code: int = 200,
) -> Response:
    """An assistance form about one household: the household once chosen, else the picker that finds one
    in the caller's scope by `q`."""
    household = await household_of(request, principal, str(form.values.get("household_id", "")))
    picker = {} if household else await household_choices(request, principal, q)
    context = {"form": form, "household": household, "picker": picker, **await where(request, principal)}
    return show(request, principal, template, context, status_code=status_code)


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
