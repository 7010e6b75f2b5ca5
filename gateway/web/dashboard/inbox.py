"""待我处理: every item awaiting the signed-in official, from every service's own list, on their token.

Each kind of item is one list of one service (cases whose next step is the caller's, claims to approve,
batches to submit, approve or disburse…), shown only when the caller's role may take its action; the lists
are read concurrently, and a service that is down makes a notice, never a failed dashboard."""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request, status

from gateway.policy import allowed
from gateway.web.clients import SERVICE_LABELS, call_service
from gateway.web.render import DISPLAY_TZ, today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import format_yuan
from shared.roles import Role
from shared.vocabulary import labels
from shared.vocabulary.monitoring import Action, CaseStatus, WaterProblem
from shared.vocabulary.payments import Kind as PaymentKind

SHOWN = 5  # items shown per kind, oldest first
READ = 100  # items read per kind to find the oldest; the count is the service's total

Item = dict[str, Any]
ACTIONS = labels(Action)
CASE_STATUSES = labels(CaseStatus)
PAYMENT_KINDS = labels(PaymentKind)
WATER_PROBLEMS = labels(WaterProblem)
# Renovations and water fixes left waiting are chased by the village and its township (seed §五(一)5), though
# the work team, the banner and the departments may record their progress too.
VILLAGE_AND_TOWNSHIP = frozenset({Role.village_official, Role.township_official})


@dataclass(frozen=True)
class InboxKind:
    """One kind of waiting item: the list that holds them and what the caller would do with one."""

    key: str
    label: str
    service: str
    path: str
    params: Mapping[str, str]
    action: tuple[str, str]  # the API operation the official takes on an item, as gateway/policy.py lists it
    since: Callable[[Item], str | None]  # when the item began waiting (a date or an RFC 3339 time)
    title: Callable[[Item, Mapping[str, str]], str]  # the item in words, given region names
    href: Callable[[Item], str | None]  # the page to act on it
    keep: Callable[[Item], bool] | None = None  # for a list the service cannot filter itself
    roles: frozenset[Role] | None = None  # who chases these, when fewer than all who may take the action


def _plan_title(item: Item, names: Mapping[str, str]) -> str:
    village = names.get(item["region"], item["region"])
    return f"{item['year']} 年 · {village} · {format_yuan(item['total_fen'])} 元"


def _notice_over(item: Item) -> bool:
    return bool(item["notice_until"]) and datetime.fromisoformat(item["notice_until"]) <= datetime.now(UTC)


def _earliest_overdue(plan: Item) -> str | None:
    return min((m["due_on"] for m in plan["measures"] if m["overdue"]), default=None)


def _batch(item: Item, names: Mapping[str, str]) -> str:
    region = names.get(item["region_code"], item["region_code"])
    kind = PAYMENT_KINDS.get(item["kind"], item["kind"])
    return f"{item['year']} 年{kind} · {region} · {format_yuan(item['total_fen'])} 元"


def _batches(status_: str, label: str, action: str, since: str) -> InboxKind:
    return InboxKind(
        f"batches_{status_}",
        label,
        "payments",
        "/api/v1/payments/batches",
        {"status": status_},
        ("POST", f"/api/v1/payments/batches/{{id}}/{action}"),
        lambda item: item[since],
        _batch,
        lambda item: f"/payments/batches/{item['id']}",
    )


KINDS: tuple[InboxKind, ...] = (
    InboxKind(
        "cases",
        "监测案件待办",
        "monitoring",
        "/api/v1/monitoring/cases",
        {"awaiting_me": "true"},
        ("GET", "/api/v1/monitoring/cases"),
        lambda item: item["discovered_at"],
        lambda item, names: (
            f"{item['head_name']} · {CASE_STATUSES.get(item['status'], item['status'])}"
            + (f" · 待{ACTIONS[item['pending_action']]}" if item.get("pending_action") in ACTIONS else "")
        ),
        lambda item: f"/monitoring/cases/{item['id']}",
    ),
    InboxKind(
        "plans_overdue",
        "帮扶措施逾期",
        "monitoring",
        "/api/v1/monitoring/plans",
        {"overdue": "true"},
        ("PATCH", "/api/v1/monitoring/plans/{id}/measures/{mid}"),
        _earliest_overdue,
        lambda item, names: f"{item['head_name']} · {item['overdue_measures']} 项措施逾期",
        lambda item: f"/households/{item['household_id']}",
    ),
    InboxKind(
        "loans_overdue",
        "小额信贷逾期",
        "monitoring",
        "/api/v1/monitoring/loans",
        {"overdue": "true"},
        ("POST", "/api/v1/monitoring/loans/{id}/repayments"),
        lambda item: item["due_on"],
        lambda item, names: f"{item['borrower_name']} · 未还 {format_yuan(item['outstanding_fen'])} 元",
        lambda item: f"/households/{item['household_id']}",
    ),
    InboxKind(
        "renovations_overdue",
        "危房改造逾期",
        "monitoring",
        "/api/v1/monitoring/renovations",
        {"overdue": "true"},
        ("PATCH", "/api/v1/monitoring/renovations/{id}"),
        lambda item: item["due_on"],
        lambda item, names: (
            f"{item['head_name']} · {names.get(item['region_code'], item['region_code'])} · "
            + ("鉴定后逾期未开工" if item["started_on"] is None else "开工后逾期未验收")
        ),
        lambda item: f"/guarantees/renovations?overdue=true&region={item['region_code']}#record-{item['id']}",
        roles=VILLAGE_AND_TOWNSHIP,
    ),
    InboxKind(
        "water_fixes_overdue",
        "饮水问题逾期未解决",
        "monitoring",
        "/api/v1/monitoring/water-fixes",
        {"overdue": "true"},
        ("PATCH", "/api/v1/monitoring/water-fixes/{id}"),
        lambda item: item["due_on"],
        lambda item, names: (
            f"{item['head_name']} · {names.get(item['region_code'], item['region_code'])} · "
            f"{WATER_PROBLEMS.get(item['problem'], item['problem'])}"
        ),
        lambda item: f"/guarantees/water-fixes?overdue=true&region={item['region_code']}#record-{item['id']}",
        roles=VILLAGE_AND_TOWNSHIP,
    ),
    InboxKind(
        "claims",
        "补贴申报待审批",
        "payments",
        "/api/v1/payments/claims",
        {"status": "pending_approval"},
        ("POST", "/api/v1/payments/claims/{id}/approve"),
        lambda item: item["created_at"],
        lambda item, names: (
            f"{item['payee_name']} · {PAYMENT_KINDS.get(item['kind'], item['kind'])} · "
            f"{format_yuan(item['amount_fen'])} 元"
        ),
        lambda item: "/payments/claims?status=pending_approval",
    ),
    _batches("draft", "发放批次待提交", "submit", "created_at"),
    _batches("submitted", "发放批次待审批", "approve", "submitted_at"),
    _batches("approved", "发放批次待发放", "disburse", "approved_at"),
    InboxKind(
        "discrepancies",
        "银行回执差异待处理",
        "payments",
        "/api/v1/payments/discrepancies",
        {"open": "true"},
        ("POST", "/api/v1/payments/discrepancies/{id}/resolve"),
        lambda item: item["received_at"],
        lambda item, names: (
            f"{names.get(item['region_code'], item['region_code'])} · {format_yuan(item['amount_fen'])} 元 · "
            f"{item.get('reason') or '银行结果与系统不符'}"
        ),
        lambda item: f"/payments/batches/{item['batch_id']}",
    ),
    InboxKind(
        "endpoints",
        "银行回调地址待审批",
        "payments",
        "/api/v1/payments/webhook-endpoints",
        {},
        ("POST", "/api/v1/payments/webhook-endpoints/{id}/approve"),
        lambda item: item["created_at"],
        lambda item, names: f"{item['url']} · 由 {item['created_by']} 提出",
        lambda item: None,
        keep=lambda item: item["status"] == "proposed",
    ),
    InboxKind(
        "dividend_plans_to_publish",
        "收益分配方案待公示",
        "assets",
        "/api/v1/assets/distributions",
        {"status": "draft"},
        ("POST", "/api/v1/assets/distributions/{id}/publish"),
        lambda item: item["created_at"],
        _plan_title,
        lambda item: f"/assets/distributions/{item['id']}",
    ),
    InboxKind(
        "dividend_plans",
        "收益分配方案待审批",
        "assets",
        "/api/v1/assets/distributions",
        {"status": "in_notice"},
        ("POST", "/api/v1/assets/distributions/{id}/approve"),
        lambda item: item["notice_until"],
        _plan_title,
        lambda item: f"/assets/distributions/{item['id']}",
        keep=_notice_over,  # approved only once its notice to the village has run
    ),
)


def age_days(since: str | None, on: date) -> int | None:
    """Whole days an item has waited by `on` (Beijing dates), from a date or an RFC 3339 time."""
    if not since:
        return None
    started = datetime.fromisoformat(since)
    day = started.astimezone(DISPLAY_TZ).date() if started.tzinfo else started.date()
    return max(0, (on - day).days)


@dataclass
class InboxEntry:
    title: str
    age: int | None
    href: str | None


@dataclass
class InboxGroup:
    """One kind's items awaiting the caller: how many, the oldest's age, the oldest few."""

    kind: InboxKind
    count: int = 0
    oldest: int | None = None
    entries: list[InboxEntry] = field(default_factory=list)


@dataclass
class Inbox:
    groups: list[InboxGroup]  # only kinds with items
    down: list[str]  # the Chinese names of the services that could not be asked

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def group_of(kind: InboxKind, body: Item, names: Mapping[str, str], on: date) -> InboxGroup:
    """A kind's page of items as the inbox shows it: the oldest first."""
    items = [item for item in body["items"] if kind.keep is None or kind.keep(item)]
    entries = sorted(
        (
            InboxEntry(kind.title(item, names), age_days(kind.since(item), on), kind.href(item))
            for item in items
        ),
        key=lambda entry: -(entry.age or 0),
    )
    count = body["total"] if kind.keep is None else len(items)
    return InboxGroup(kind, count, entries[0].age if entries else None, entries[:SHOWN])


def kinds_for(principal: Principal) -> list[InboxKind]:
    """The kinds whose list the caller may read, whose action they may take and that are theirs to chase."""
    return [
        k
        for k in KINDS
        if allowed("GET", k.path, principal.role)
        and allowed(*k.action, principal.role)
        and (k.roles is None or principal.role in k.roles)
    ]


async def inbox(request: Request, principal: Principal, names: Mapping[str, str]) -> Inbox:
    """Everything awaiting the caller, each kind read concurrently; a service down is named, not fatal."""
    kinds = kinds_for(principal)

    async def read(kind: InboxKind) -> Item | None:
        try:
            answer = await call_service(
                request,
                kind.service,
                "GET",
                kind.path,
                token=principal.token,
                params={**kind.params, "page_size": READ},
            )
        except Unavailable:
            return None
        return answer.json() if answer.status_code == status.HTTP_200_OK else None

    bodies = await asyncio.gather(*(read(kind) for kind in kinds))
    on = today()
    groups = [group_of(kind, body, names, on) for kind, body in zip(kinds, bodies, strict=True) if body]
    down = sorted(
        {SERVICE_LABELS[kind.service] for kind, body in zip(kinds, bodies, strict=True) if body is None}
    )
    return Inbox([group for group in groups if group.count], down)
