"""The plan's payment rules as pure functions over plain data, amounts in integer fen (MISSION.md §4).

Rates and caps are not here: they come from the versioned policy tables, passed in as `Item`s.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.vocabulary.households import Category, SchoolStage
from shared.vocabulary.payments import Kind, LineStatus, Mode

# seed §五(一): the policies hold for 已脱贫享受政策户, 边缘易致贫户 and 脱贫监测户;
# 突发严重困难户 are monitoring objects under the national mechanism (MISSION.md §3), supported likewise.
ELIGIBLE_CATEGORIES = frozenset(
    {Category.lifted_supported, Category.marginal, Category.monitored, Category.sudden_hardship}
)
_WHO = "仅" + "、".join(c.label for c in Category if c in ELIGIBLE_CATEGORIES) + "可享受"


@dataclass(frozen=True)
class Item:
    """One row of a policy version: what a kind pays and up to how much."""

    kind: Kind
    mode: Mode
    unit: str
    rate_fen: int | None = None
    cap_quantity: int | None = None
    school_stage: SchoolStage | None = None
    disability_grade: int | None = None  # the disability allowances are priced by grade (1 the most severe)


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def check_eligible(category: str) -> Eligibility:
    """Whether a household of `category` may receive the plan's subsidies, and why (in Chinese)."""
    if category in ELIGIBLE_CATEGORIES:
        return Eligibility(True, "符合享受政策条件")
    if category in set(Category):
        return Eligibility(False, f"{Category(category).label}不在补贴范围内（{_WHO}）")
    return Eligibility(False, f"户类别 {category} 不在补贴范围内")


@dataclass(frozen=True)
class Breakdown:
    """Why an amount is what it is: units asked for, granted and claimed before, at which rate and cap."""

    requested: int
    eligible: int
    already_claimed: int
    rate_fen: int
    cap: int | None


@dataclass(frozen=True)
class Subsidy:
    amount_fen: int
    breakdown: Breakdown


def livestock_subsidy(kind: Kind, requested: int, already_claimed: int, item: Item) -> Subsidy:
    """Sale (出栏) subsidy: rate × head, capped per household per year across all claims (seed §五(一)1).

    15 sheep then 10 sheep at 100 yuan, cap 20 → 1500 + 500 yuan.
    """
    if item.kind != kind or item.mode != Mode.per_unit or item.rate_fen is None or item.cap_quantity is None:
        raise ValueError(f"policy item {item.kind}/{item.mode} cannot price {kind}")
    if requested < 0 or already_claimed < 0:
        raise ValueError("quantities are never negative")
    remaining = max(item.cap_quantity - already_claimed, 0)
    granted = min(requested, remaining)
    return Subsidy(
        granted * item.rate_fen,
        Breakdown(requested, granted, already_claimed, item.rate_fen, item.cap_quantity),
    )


# The registry's herd on record (its household fields) for each livestock kind.
HERD_FIELDS = {Kind.sheep: "sheep", Kind.cattle: "cattle", Kind.pig: "pigs"}


def claim_year_problem(year: int, *, today: date, previous_until: tuple[int, int]) -> str | None:
    """Claims are for this year, and for last year only until `previous_until` (month, day) of this year —
    never for a year to come or one long closed. None when `year` may be claimed on `today`."""
    month, day = previous_until
    previous_open = (today.month, today.day) <= previous_until
    if year == today.year or (year == today.year - 1 and previous_open):
        return None
    if year > today.year:
        return f"不能申报以后年度（{year}年）的补贴"
    if year == today.year - 1:
        return f"{year}年度补贴的申报已于{today.year}年{month}月{day}日截止"
    allowed = f"{today.year - 1}年、{today.year}年" if previous_open else f"{today.year}年"
    return f"只能申报{allowed}的补贴"


def herd_problem(quantity: int, *, claimed_before: int, herd: int, unit: str) -> str | None:
    """Animals sold in a year (this claim and the year's earlier ones) cannot outnumber the herd on record,
    unless the village says the record is out of date. None when they do not."""
    if claimed_before + quantity <= herd:
        return None
    before = f"（本年度已申报{claimed_before}{unit}）" if claimed_before else ""
    return (
        f"申报出栏{quantity}{unit}{before}，超过户籍登记的存栏{herd}{unit}；"
        "如存栏记录已过时，请注明“存栏记录已过时”并附动物检疫合格证明编号，报审批"
    )


@dataclass(frozen=True)
class Student:
    member_id: str
    name: str
    school_stage: SchoolStage
    rate_fen: int


@dataclass(frozen=True)
class EducationAllowance:
    year: int
    amount_fen: int
    students: list[Student] = field(default_factory=list)


def education_allowance(
    members: Iterable[Mapping[str, Any]], year: int, items: Iterable[Item]
) -> EducationAllowance:
    """Living allowance per enrolled student for `year`, by school stage (seed §五(一)2).

    `members` are the registry's member records (`id`, `name`, `school_stage`); stages without a rate
    (`none`) pay nothing.
    """
    students = [
        Student(s["member_id"], s["name"], SchoolStage(s["school_stage"]), s["rate_fen"])
        for s in education_students(members, education_rates(items))
    ]
    return EducationAllowance(year, sum(s.rate_fen for s in students), students)


def education_rates(items: Iterable[Item]) -> dict[str, int]:
    """The education rate of each school stage that pays one, looked up once per run, not per household."""
    return {str(i.school_stage): i.rate_fen for i in items if i.kind == Kind.education and i.rate_fen}


def education_students(
    members: Iterable[Mapping[str, Any]], rates: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The members `rates` pay for, as a payment line records them (member id, name, stage, rate): plain
    dicts, so a banner's run prices each household with a dict look-up per member."""
    return [
        {"member_id": str(m["id"]), "name": str(m["name"]), "school_stage": stage, "rate_fen": rates[stage]}
        for m in members
        if (stage := m.get("school_stage")) in rates
    ]


# Which bank-reported outcome may follow which: forward only, so a duplicate or a late, reordered
# callback changes nothing; a paid line may still come back (returned).
_LINE_MOVES: dict[LineStatus, frozenset[LineStatus]] = {
    LineStatus.pending: frozenset({LineStatus.sent, LineStatus.paid, LineStatus.failed, LineStatus.returned}),
    LineStatus.sent: frozenset({LineStatus.paid, LineStatus.failed, LineStatus.returned}),
    LineStatus.paid: frozenset({LineStatus.returned}),
    LineStatus.failed: frozenset(),
    LineStatus.returned: frozenset(),
    LineStatus.cancelled: frozenset(),  # never sent: nothing a bank says moves it
}
FINAL_LINE_STATUSES = frozenset(
    {LineStatus.paid, LineStatus.failed, LineStatus.returned, LineStatus.cancelled}
)
# A line in one of these holds its entitlement: it is paid or may still be, so no other line may pay it.
LIVE_LINE_STATUSES = frozenset({LineStatus.pending, LineStatus.sent, LineStatus.paid})


def next_line_status(current: LineStatus, reported: LineStatus) -> LineStatus | None:
    """The status a line moves to when `reported` arrives, or None when the report changes nothing."""
    return reported if reported in _LINE_MOVES[current] else None


# Reports that say the opposite of a final status about whether the money moved. Never applied and never
# ignored: a `paid` means the money left the account, so the line is held as a discrepancy until a banner
# official resolves it (a late `paid` after `returned`, or `returned` after `failed`, is only reordering).
_CONTRADICTIONS = frozenset({(LineStatus.failed, LineStatus.paid), (LineStatus.paid, LineStatus.failed)})


def contradicts(current: LineStatus, reported: LineStatus) -> bool:
    """Whether `reported` contradicts the line's final status `current` (a bank discrepancy)."""
    return (current, reported) in _CONTRADICTIONS


@dataclass(frozen=True)
class Reconciliation:
    total_fen: int
    paid_fen: int
    failed_fen: int
    pending_fen: int


# How a batch's readable number names its kind (2026-肉羊-0003); a kind not here is named by its label.
BATCH_NUMBER_KIND = {
    Kind.sheep: "肉羊", Kind.cattle: "肉牛", Kind.pig: "生猪", Kind.education: "教育",
    Kind.industry: "产业", Kind.insurance_premium: "代缴医保", Kind.dibao_gradual_exit: "低保渐退",
    Kind.disability_living: "残疾生活", Kind.disability_nursing: "重残护理", Kind.pension_premium: "代缴养老",
    Kind.pension_loan: "养老借款", Kind.industry_reward: "以奖代补", Kind.public_welfare_post: "公益岗位",
    Kind.dividend: "分红", Kind.post_wage: "岗位工资", Kind.work_relief_wage: "以工代赈",
    Kind.loan_interest_subsidy: "贴息",
}  # fmt: skip


def batch_number(year: int, kind: Kind, sequence: int) -> str:
    """The `sequence`th batch of a year and kind as officials name it: 2026-肉羊-0003."""
    return f"{year}-{BATCH_NUMBER_KIND.get(kind, kind.label)}-{sequence:04d}"


def reconcile(lines: Iterable[tuple[LineStatus, int]]) -> Reconciliation:
    """Sum a batch's lines by outcome (returned counts as failed, sent as pending; a line taken out of the
    batch, cancelled, counts nowhere); parts sum to the total."""
    paid = failed = pending = 0
    for status, amount in lines:
        if status == LineStatus.cancelled:
            continue
        if status == LineStatus.paid:
            paid += amount
        elif status in (LineStatus.failed, LineStatus.returned):
            failed += amount
        else:
            pending += amount
    return Reconciliation(paid + failed + pending, paid, failed, pending)


def dividend_plan_problem(
    plan: Mapping[str, Any], *, year: int, region: str, lines: Mapping[str, int]
) -> tuple[str, str] | None:
    """Why a handed-over dividend batch is not the plan assets approved (field, reason), or None.

    `lines` maps each household id to its amount in fen; the plan's lines must be exactly these.
    """
    if plan.get("status") != "approved":
        return "plan_id", f"分配方案未处于已审批状态（{plan.get('status')}）"
    if plan.get("year") != year:
        return "year", f"与分配方案的年度 {plan.get('year')} 不一致"
    if plan.get("region") != region:
        return "region", f"与分配方案的区域 {plan.get('region')} 不一致"
    planned = {str(line["household_id"]): line["amount_fen"] for line in plan.get("lines", [])}
    if planned != dict(lines):
        return "lines", "与已审批的分配方案的农牧户或金额不一致"
    return None
