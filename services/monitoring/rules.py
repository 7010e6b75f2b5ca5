"""The monitoring procedure and its rules as plain functions over plain data (MISSION.md §3, seed §五(二)).

No I/O here: the service loads the facts, these functions decide, the tests run them without a server.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.monitoring.enums import RecordKind
from shared.money import format_yuan
from shared.regions import is_within
from shared.roles import ROLE_LABELS, Role
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import Action, AlertKind, CaseStatus, RiskType

# --- the procedure ------------------------------------------------------------------------------------

# The order of MISSION.md §3: each status and the one step that moves it on.
FORWARD: dict[CaseStatus, tuple[Action, CaseStatus]] = {
    CaseStatus.applied: (Action.village_review, CaseStatus.village_reviewed),
    CaseStatus.village_reviewed: (Action.data_comparison, CaseStatus.data_compared),
    CaseStatus.data_compared: (Action.township_review, CaseStatus.township_reviewed),
    CaseStatus.township_reviewed: (Action.publish_notice, CaseStatus.in_public_notice),
    CaseStatus.in_public_notice: (Action.confirm, CaseStatus.confirmed),
    CaseStatus.confirmed: (Action.start_assistance, CaseStatus.assisting),
    # Risk elimination takes the same path (national practice): the village proposes, the township reviews,
    # the banner decides.
    CaseStatus.assisting: (Action.propose_elimination, CaseStatus.elimination_proposed),
    CaseStatus.elimination_proposed: (Action.review_elimination, CaseStatus.elimination_reviewed),
    CaseStatus.elimination_reviewed: (Action.eliminate_risk, CaseStatus.risk_eliminated),
}
# The national conditions for risk elimination are checked again at each of its three steps.
ELIMINATION_STEPS = frozenset({Action.propose_elimination, Action.review_elimination, Action.eliminate_risk})
# The village review is signed jointly by the village committee (两委) and the village's work team.
VILLAGE_SIGNERS = frozenset({Role.village_official, Role.work_team})
# Rejection ends the procedure at any review step up to the banner's decision.
REJECTABLE = frozenset(
    {
        CaseStatus.applied,
        CaseStatus.village_reviewed,
        CaseStatus.data_compared,
        CaseStatus.township_reviewed,
        CaseStatus.in_public_notice,
    }
)
# Undecided by the banner: the 15-day clock runs.
UNDECIDED = REJECTABLE
# A household has at most one case in these statuses.
CLOSED = frozenset({CaseStatus.rejected, CaseStatus.risk_eliminated})


class Reach(StrEnum):
    """How the actor's region must relate to the case's village."""

    village = "village"  # the case's own village
    township = "township"  # the case's township
    scope = "scope"  # anywhere the case lies within the actor's scope


@dataclass(frozen=True)
class Actors:
    roles: frozenset[Role]
    reach: Reach


ACTORS: dict[Action, Actors] = {
    Action.village_review: Actors(VILLAGE_SIGNERS, Reach.village),
    Action.data_comparison: Actors(frozenset({Role.department_officer, Role.banner_official}), Reach.scope),
    Action.township_review: Actors(frozenset({Role.township_official}), Reach.township),
    Action.publish_notice: Actors(frozenset({Role.township_official}), Reach.township),
    Action.confirm: Actors(frozenset({Role.banner_official}), Reach.scope),
    Action.start_assistance: Actors(
        frozenset({Role.village_official, Role.township_official, Role.banner_official}), Reach.scope
    ),
    Action.propose_elimination: Actors(VILLAGE_SIGNERS, Reach.village),
    Action.review_elimination: Actors(frozenset({Role.township_official}), Reach.township),
    Action.eliminate_risk: Actors(frozenset({Role.banner_official}), Reach.scope),
}
# During the notice the township that published it may also reject (an objection upheld).
NOTICE_REJECTERS = Actors(frozenset({Role.township_official, Role.banner_official}), Reach.scope)


class RefusalKind(StrEnum):
    order = "order"  # 409: not the next step, or its conditions do not hold
    role = "role"  # 403: this role may not take the step
    scope = "scope"  # 404: the case is not the actor's to see


@dataclass(frozen=True)
class Refusal:
    kind: RefusalKind
    reason: str
    blockers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signature:
    """Who has signed the village review so far."""

    actor: str
    role: Role


@dataclass(frozen=True)
class CaseFacts:
    """What the conditional steps depend on, loaded by the service at the moment of the transition."""

    notice_open: bool = False
    notice_ends: datetime | None = None
    unresolved_objections: int = 0
    upheld_objections: int = 0
    elimination_blockers: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = ()
    work_team_on_record: bool = True


READY = CaseFacts()


def pending_action(status: CaseStatus) -> Action | None:
    """The step a case in `status` waits for; None once the procedure has ended."""
    step = FORWARD.get(status)
    return step[0] if step else None


def _actors(status: CaseStatus, action: Action) -> Actors | None:
    if action != Action.reject:
        return ACTORS[action]
    if status == CaseStatus.in_public_notice:
        return NOTICE_REJECTERS
    pending = pending_action(status)
    return ACTORS[pending] if pending and status in REJECTABLE else None


def _reaches(reach: Reach, actor_region: str, case_region: str) -> bool:
    if reach == Reach.village:
        return actor_region == case_region
    if reach == Reach.township:
        return actor_region == case_region[:9]
    return True


def next_status(
    status: CaseStatus,
    action: Action,
    role: Role,
    actor_region: str,
    case_region: str,
    *,
    facts: CaseFacts,
    actor: str = "",
) -> CaseStatus | Refusal:
    """The status `action` leads to, or why it is refused (scope, then role, then order and conditions).

    A first village-review signature leads to `applied` itself: the case waits for the second signer.
    """
    if not is_within(case_region, actor_region):
        return Refusal(RefusalKind.scope, "案件不在您的管辖范围内")
    actors = _actors(status, action)
    if actors is None:
        return Refusal(RefusalKind.order, f"案件处于“{status}”，不能再作出不予纳入的决定")
    if role not in actors.roles:
        return Refusal(RefusalKind.role, f"{role} 不能执行 {action}")
    if not _reaches(actors.reach, actor_region, case_region):
        return Refusal(RefusalKind.scope, "须由案件所在嘎查村或苏木镇办理")
    if action == Action.reject:
        return CaseStatus.rejected
    pending = pending_action(status)
    if pending != action:
        expected = f"下一步应为 {pending}" if pending else "流程已结束"
        return Refusal(RefusalKind.order, f"案件处于 {status}，不能执行 {action}（{expected}）")
    if action == Action.confirm:
        if facts.notice_open:
            ends = f"（至 {facts.notice_ends:%Y-%m-%d %H:%M} UTC）" if facts.notice_ends else ""
            return Refusal(RefusalKind.order, f"公示期未满{ends}，不能确认")
        if facts.unresolved_objections:
            return Refusal(RefusalKind.order, f"有 {facts.unresolved_objections} 条异议尚未处理，不能确认")
        if facts.upheld_objections:
            return Refusal(RefusalKind.order, "公示异议成立，应由苏木镇作出不予纳入决定")
    if action in ELIMINATION_STEPS and facts.elimination_blockers:
        return Refusal(RefusalKind.order, "不符合风险消除条件", facts.elimination_blockers)
    if action == Action.village_review:
        return village_signature(role, actor, facts)
    return FORWARD[status][1]


def village_signature(role: Role, actor: str, facts: CaseFacts) -> CaseStatus | Refusal:
    """The joint village review: the committee and the work team each sign, two different people; a village
    with no work team on record is reviewed by the committee alone."""
    if any(s.actor == actor for s in facts.signatures):
        return Refusal(RefusalKind.order, "您已签署村级评议，须由另一人会签")
    if any(s.role == role for s in facts.signatures):
        [other] = VILLAGE_SIGNERS - {role}
        return Refusal(RefusalKind.order, f"{ROLE_LABELS[role]}已签署村级评议，须由{ROLE_LABELS[other]}会签")
    signed = {s.role for s in facts.signatures} | {role}
    if signed == VILLAGE_SIGNERS or (signed == {Role.village_official} and not facts.work_team_on_record):
        return CaseStatus.village_reviewed
    return CaseStatus.applied


def allowed_actions(
    status: CaseStatus, role: Role, actor_region: str, case_region: str, *, facts: CaseFacts, actor: str = ""
) -> list[Action]:
    """The steps `actor` (`role` at `actor_region`) may take on the case now: exactly the buttons its page
    offers. The elimination conditions are not known here; a step they block is refused naming them."""
    decide = (role, actor_region, case_region)
    return [
        action
        for action in Action
        if isinstance(next_status(status, action, *decide, facts=facts, actor=actor), CaseStatus)
    ]


def awaiting_statuses(role: Role, region: str) -> frozenset[CaseStatus]:
    """Statuses whose pending step `role` at `region` may take, for the inbox.

    Every case inside a caller's scope stands to the caller as a case at the caller's own region does
    (a village official's scope is one village, a township official's one township), so one probe each.
    """
    return frozenset(
        status
        for status in FORWARD
        if isinstance(next_status(status, FORWARD[status][0], role, region, region, facts=READY), CaseStatus)
    )


# --- thresholds and classification --------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """A year's figures the rules use (editable by the banner; MISSION.md §3: data, not code)."""

    income_line_fen: int
    rigid_expenditure_fen: int
    notice_days: int = 5
    decision_days: int = 15
    medical_out_of_pocket_fen: int = 500_000
    loan_max_fen: int = 5_000_000  # 5万元 (national microcredit rule)
    loan_max_term_months: int = 36
    loan_subsidy_rate_bp: int = 310  # the one-year LPR the banner subsidises
    chronic_reimbursement_floor_bp: int = 8_000  # seed §五(一)3: 慢病报销比例 80% 以上
    inpatient_reimbursement_floor_bp: int = 9_000  # 大病住院报销比例 90% 以上


# Used only for a year nobody has set: the national 2021 baseline of 6,000 yuan per capita (1.5 × the
# poverty line); rigid spending of 10,000 yuan a year counts as large.
DEFAULT_THRESHOLDS = Thresholds(income_line_fen=600_000, rigid_expenditure_fen=1_000_000)

LIFTED_OUT = frozenset({Category.lifted_supported, Category.lifted_unsupported, Category.monitored})
LIFTED = frozenset({Category.lifted_supported, Category.lifted_unsupported})
SUDDEN_RISKS = frozenset({RiskType.illness, RiskType.disaster, RiskType.accident})


def classify(
    household_category: str,
    risk_types: Iterable[str],
    income_per_capita_fen: int | None,
    income_line_fen: int,
) -> Category:
    """The category a confirmed case gives its household (§四(三)(四) and the national mechanism).

    Lifted out of poverty → 脱贫监测户; a sudden illness, disaster or accident with income at or above
    the line → 突发严重困难户; any other household → 边缘易致贫户.
    """
    if household_category in LIFTED_OUT:
        return Category.monitored
    sudden = any(r in SUDDEN_RISKS for r in risk_types)
    if sudden and income_per_capita_fen is not None and income_per_capita_fen >= income_line_fen:
        return Category.sudden_hardship
    return Category.marginal


def category_after_elimination(category_at_opening: str) -> Category:
    """Where a household returns when its risk is eliminated: its lifted-out category, or 一般农牧户.

    A household already 脱贫监测户 when the case opened (identified before this system) is lifted out, and
    its lifted category is not known here: it returns to 已脱贫享受政策户, the category the policies keep
    supporting, which a village official can still change with a dated, reasoned category change.
    """
    if category_at_opening in LIFTED:
        return Category(category_at_opening)
    if category_at_opening == Category.monitored:
        return Category.lifted_supported
    return Category.ordinary


# --- discovery: alerts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFacts:
    """What a household visit (入户排查) found."""

    visited_on: date
    income_per_capita_fen: int
    rigid_expenditure_fen: int
    education_secure: bool = True
    medical_secure: bool = True
    housing_secure: bool = True
    water_secure: bool = True


@dataclass(frozen=True)
class Finding:
    """One risk a rule found: which kind and why, in Chinese."""

    kind: AlertKind
    reason: str


GUARANTEES = (
    ("education_secure", AlertKind.education_unsecured, "义务教育"),
    ("medical_secure", AlertKind.medical_unsecured, "基本医疗"),
    ("housing_secure", AlertKind.housing_unsecured, "住房安全"),
    ("water_secure", AlertKind.water_unsecured, "饮水安全"),
)


def _income_below(income: int, thresholds: Thresholds) -> Finding | None:
    if income >= thresholds.income_line_fen:
        return None
    return Finding(
        AlertKind.income_below_line,
        f"人均纯收入 {format_yuan(income)} 元，低于监测线 {format_yuan(thresholds.income_line_fen)} 元",
    )


def _rigid_above(amount: int, thresholds: Thresholds) -> Finding | None:
    if amount <= thresholds.rigid_expenditure_fen:
        return None
    return Finding(
        AlertKind.rigid_expenditure,
        f"刚性支出 {format_yuan(amount)} 元，超过 {format_yuan(thresholds.rigid_expenditure_fen)} 元",
    )


def visit_findings(visit: VisitFacts, thresholds: Thresholds) -> list[Finding]:
    """Risks a visit shows: income below the line, a guarantee not secured, large rigid spending."""
    findings = [_income_below(visit.income_per_capita_fen, thresholds)]
    findings += [
        Finding(kind, f"{label}未保障") for attr, kind, label in GUARANTEES if not getattr(visit, attr)
    ]
    findings.append(_rigid_above(visit.rigid_expenditure_fen, thresholds))
    return [f for f in findings if f is not None]


def record_findings(kind: RecordKind, amount_fen: int | None, thresholds: Thresholds) -> list[Finding]:
    """Risks one department record shows (民政、教育、住建、医保、乡村振兴 data comparison)."""
    if kind == RecordKind.dibao:
        return [Finding(AlertKind.dibao, "新纳入低保")]
    if kind == RecordKind.tekun:
        return [Finding(AlertKind.tekun, "新纳入特困供养")]
    if kind == RecordKind.school_dropout:
        return [Finding(AlertKind.school_dropout, "有辍学学生")]
    if kind == RecordKind.housing_unsafe:
        return [Finding(AlertKind.housing_unsecured, "住房鉴定为危房")]
    if amount_fen is None:
        return []
    finding = (
        _rigid_above(amount_fen, thresholds)
        if kind == RecordKind.medical_expense
        else _income_below(amount_fen, thresholds)
    )
    return [finding] if finding else []


ALERT_RISKS: dict[AlertKind, RiskType] = {
    AlertKind.income_below_line: RiskType.income_drop,
    AlertKind.education_unsecured: RiskType.education,
    AlertKind.school_dropout: RiskType.education,
    AlertKind.medical_unsecured: RiskType.illness,
    AlertKind.rigid_expenditure: RiskType.rigid_expenditure,
    AlertKind.housing_unsecured: RiskType.other,
    AlertKind.water_unsecured: RiskType.other,
    AlertKind.dibao: RiskType.other,
    AlertKind.tekun: RiskType.other,
    AlertKind.low_income_edge: RiskType.income_drop,
    AlertKind.severe_disability: RiskType.disability,
    AlertKind.unemployed: RiskType.unemployment,
    AlertKind.reimbursement_shortfall: RiskType.illness,
}


# --- risk elimination (风险消除) ----------------------------------------------------------------------

STABLE_MONTHS = 6
BLOCKER_REASONS = {
    "income": ("人均纯收入未稳定高于监测线满 6 个月（最近连续几次走访收入均不低于监测线，且跨度满 6 个月）"),
    "rigid_expenditure": "最近一次走访的刚性支出仍超过标准，尚未解决",
    "guarantees": "最近一次走访显示“三保障”或饮水安全尚未全部保障",
    "measures": "尚未落实任何帮扶措施",
    "case_age": "确认纳入监测不满 6 个月",
    "labour_ability": "家庭无劳动能力成员，不能标注风险消除",
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def income_stable(visits: Sequence[VisitFacts], income_line_fen: int) -> bool:
    """The latest visits, without a break, are at or above the line, and that run spans 6 months."""
    ordered = sorted(visits, key=lambda v: v.visited_on)
    run_start: date | None = None
    for visit in reversed(ordered):
        if visit.income_per_capita_fen < income_line_fen:
            break
        run_start = visit.visited_on
    return run_start is not None and add_months(run_start, STABLE_MONTHS) <= ordered[-1].visited_on


def elimination_blockers(
    *,
    visits: Sequence[VisitFacts],
    measures: int,
    confirmed_on: date | None,
    today: date,
    has_labour: bool,
    thresholds: Thresholds,
) -> list[str]:
    """Every national condition for risk elimination that does not hold (keys of BLOCKER_REASONS)."""
    blockers = []
    latest = max(visits, key=lambda v: v.visited_on) if visits else None
    if latest is None or not income_stable(visits, thresholds.income_line_fen):
        blockers.append("income")
    if latest is None or latest.rigid_expenditure_fen > thresholds.rigid_expenditure_fen:
        blockers.append("rigid_expenditure")
    if latest is None or not all(getattr(latest, attr) for attr, _, _ in GUARANTEES):
        blockers.append("guarantees")
    if measures < 1:
        blockers.append("measures")
    if confirmed_on is None or add_months(confirmed_on, STABLE_MONTHS) > today:
        blockers.append("case_age")
    if not has_labour:
        blockers.append("labour_ability")
    return blockers


# --- the 15-day clock and public notices ----------------------------------------------------------------


@dataclass(frozen=True)
class StepSpan:
    status: CaseStatus
    entered_at: datetime
    left_at: datetime | None
    days: float


def step_spans(steps: Sequence[tuple[CaseStatus, datetime]], now: datetime) -> list[StepSpan]:
    """How long a case stayed in each status, from its history of (status entered, when)."""
    spans = []
    for index, (status, entered) in enumerate(steps):
        left = steps[index + 1][1] if index + 1 < len(steps) else None
        seconds = ((left or now) - entered).total_seconds()
        spans.append(StepSpan(status, entered, left, round(seconds / 86400, 2)))
    return spans


def is_overdue(
    status: CaseStatus, decision_due_at: datetime, decided_at: datetime | None, now: datetime
) -> bool:
    """Not decided by the banner within the deadline (still open past it, or decided after it)."""
    if status in UNDECIDED:
        return now > decision_due_at
    return decided_at is not None and decided_at > decision_due_at


def notice_end(start: datetime, notice_days: int) -> datetime:
    return start + timedelta(days=notice_days)
