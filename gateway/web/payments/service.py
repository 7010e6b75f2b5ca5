"""What the payments pages share: the service's paths, calling it on the caller's token, its form (money
typed in yuan, sent in fen, converted exactly) with the hints that say its English complaints in Chinese,
and the year and region pickers."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import Request

from gateway.policy import allowed
from gateway.web.clients import call_service, service_json, this_year
from gateway.web.forms import Form as BaseForm
from gateway.web.forms import RegionOption
from gateway.web.render import renderer
from shared.auth import Principal
from shared.money import FEN_PER_YUAN
from shared.regions import Tier
from shared.roles import Role
from shared.vocabulary.payments import FROM_MONITORING, LIVESTOCK, SAFETY_NET, BatchStatus, Kind

PAYMENTS = "/api/v1/payments"
POLICIES = f"{PAYMENTS}/policies"
CLAIMS = f"{PAYMENTS}/claims"
BATCHES = f"{PAYMENTS}/batches"
BATCH = f"{BATCHES}/{{id}}"
ENDPOINTS = f"{PAYMENTS}/webhook-endpoints"
PAGE_SIZE = 20
LINES_PAGE_SIZE = 50
LIST_SIZE = 500  # the service's largest page: the dashboard sums whole lists in these
DASHBOARD_PAGES = 10
FIRST_POLICY_YEAR = 2021  # the plan's first year (policy version 1 is effective from 2021-01-01)

PAYMENTS_DOWN = "补贴发放服务暂时不可用，请稍后再试。"
BATCH_MISSING = "未找到该发放批次，或该批次不在您的管辖范围内。"
CLAIM_MISSING = "未找到该申报，或该申报不在您的管辖范围内。"
HOUSEHOLD_MISSING = "未找到该农牧户，或该户不在您的管辖范围内。"
POLICY_MISSING = "该年度没有生效的补贴政策。"

LIVESTOCK_UNITS = {Kind.sheep: "只", Kind.cattle: "头", Kind.pig: "口"}
# Claims are filed for livestock and the case-by-case kinds; education and the safety net are computed from
# the registry's facts, wages and 贴息 from monitoring's records.
CLAIM_KINDS = [
    kind for kind in Kind if kind != Kind.education and kind not in SAFETY_NET and kind not in FROM_MONITORING
]


@dataclass(frozen=True)
class Action:
    """A batch step on its page: the button, the statuses it is offered in, who may not take it (`checker`:
    not its maker or submitter; `maker`: only its maker), the question asked first, what is said after."""

    label: str
    statuses: tuple[BatchStatus, ...]
    done: str
    confirm: str = ""
    who: str = ""


ACTIONS = {
    "submit": Action(
        "提交审批", (BatchStatus.draft, BatchStatus.returned), "批次已提交并公示，公示期满后由旗级审批。",
        confirm="提交后将按村公示，公示期内不能审批。确认提交？",
    ),
    "approve": Action(
        "审批通过", (BatchStatus.submitted,), "批次已审批，可以发放。",
        confirm="确认审批通过本批次？", who="checker",
    ),
    "disburse": Action(
        "发放", (BatchStatus.approved,), "已向代理银行发送支付指令，正在发放。",
        confirm="确认向代理银行发送本批次的全部支付指令？", who="checker",
    ),
    "return": Action("退回制单人", (BatchStatus.submitted,), "批次已退回制单人。", who="checker"),
    "cancel": Action(
        "撤销批次", (BatchStatus.draft, BatchStatus.returned), "批次已撤销，明细已释放，可纳入以后的批次。",
        confirm="撤销后本批次不能恢复。确认撤销？", who="maker",
    ),
    "repay-failed": Action(
        "失败明细重新发放", (BatchStatus.completed,), "",
        confirm="将账户已更正的失败、退回明细生成新的草稿批次？",
    ),
}  # fmt: skip


def offered(action: Action, batch: dict[str, Any], subject: str) -> bool:
    """Whether the page offers `action` to `subject` now: the maker is never offered a checker's step."""
    if batch["status"] not in action.statuses:
        return False
    if action.who == "checker":
        return subject not in (batch["created_by"], batch["submitted_by"])
    if action.who == "maker":
        return subject == batch["created_by"]
    return True


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
    "reason": "请填写原因（最多 500 字）",
    "note": "请填写处理意见（最多 500 字）",
    "url": "请填写代理银行接收支付指令的地址（http:// 或 https:// 开头）",
    "bank_client_id": "接口客户端编号只能由字母、数字和 . _ - 组成",
    "result_id": "请选择经走访核实的产业成果（以奖代补只奖励已核实的成果）",
}
FORM_FIELD = {"amount_fen": "amount_yuan"}

LABELS = {
    "LIVESTOCK_UNITS": LIVESTOCK_UNITS,
    "BATCH_STATUSES": list(BatchStatus),
    "PAYMENT_KINDS": list(Kind),
    "CLAIM_KINDS": CLAIM_KINDS,
    "LIVESTOCK_KINDS": [kind.value for kind in Kind if kind in LIVESTOCK],
    # Who sees the bank's receiver (代理银行) in the payments sub-navigation.
    "ENDPOINT_ROLES": frozenset(role for role in Role if allowed("GET", ENDPOINTS, role)),
}


show = renderer(LABELS)


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


@dataclass(frozen=True)
class ListFilters:
    """The batch and claim lists' filters and page: as a link keeps them, and as the service is asked."""

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
