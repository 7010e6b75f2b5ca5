"""Demo monitoring for `make run`: a year of the procedure on the demo households of 阿斯尔嘎查 and
巴音乌素嘎查, so the case, alert, visit and roster pages show data on first start.

A case stands in every status, its steps taken on backdated days by the demo officials whose roles the
procedure asks for (the village committee and work team, 锡尼镇, the banner, 民政局), in office hours Beijing
time. Households past the banner's confirmation are ones the registry already holds in the category the
confirmation gives; a risk-eliminated one is back in its lifted-out category; the others are not at risk yet.
Visits run month by month (some households past their month, some never visited), alerts are open or turned
into the cases they opened. Every row's id derives from its household, so loading twice adds nothing;
deterministic for a day.

The households are the registry's, handed over by `deploy/manage.py seed`: this service never reads another's
database, and the registry's own demo already holds their categories (nothing is sent to it).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import rules
from services.monitoring.cases import visit_facts
from services.monitoring.deliveries import CATEGORY_CHANGE, confirm_key, return_key
from services.monitoring.demo import DemoHousehold
from services.monitoring.findings import NONE_FOUND
from services.monitoring.models import (
    Alert,
    CaseSignature,
    CaseStep,
    Measure,
    MonitoringCase,
    Visit,
    outbox,
)
from services.monitoring.thresholds import thresholds_for
from services.monitoring.work_teams import DEMO_WORK_TEAMS
from shared.masking import mask_name
from shared.months import BEIJING
from shared.outbox import OutboxStatus
from shared.roles import Role
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import (
    Action,
    AlertKind,
    AlertStatus,
    CaseStatus,
    DepartmentList,
    MeasureKind,
    RiskType,
    Source,
)

NAMESPACE = uuid.UUID("6f1d2c1e-9a55-4c3e-8d0b-2f4e6a1c7b90")
VILLAGES = ("150625100201", "150625100202")  # 阿斯尔嘎查 (with its work team), 巴音乌素嘎查 (committee alone)
ACCOUNTS = {
    "asier": (Role.village_official, "150625100201"),
    "asier-team": (Role.work_team, "150625100201"),
    "bayin": (Role.village_official, "150625100202"),
    "xini": (Role.township_official, "150625100"),
    "banner": (Role.banner_official, "150625"),
    "minzheng": (Role.department_officer, "150625"),
}
VILLAGE_ACCOUNTS = {"150625100201": ("asier", "asier-team"), "150625100202": ("bayin", "bayin")}
AT_RISK = (Category.monitored, Category.marginal, Category.sudden_hardship)
LIFTED = (Category.lifted_supported, Category.lifted_unsupported)


@dataclass(frozen=True)
class Pending:
    """A case not yet decided by the banner (or refused): where it stands and when its risk was found."""

    status: CaseStatus
    days_ago: int
    source: Source
    risk: RiskType
    committee_signed: bool = False  # the committee has signed the village review, the work team not yet


# Per village, on households not at risk, in this order.
PENDING = {
    "150625100201": (
        Pending(CaseStatus.applied, 1, Source.household_visit, RiskType.income_drop),
        Pending(CaseStatus.applied, 3, Source.self_application, RiskType.illness, committee_signed=True),
        Pending(CaseStatus.village_reviewed, 5, Source.village_screening, RiskType.education),
        # Waiting at the township since its comparison: past the 15 days the banner has to decide.
        Pending(CaseStatus.data_compared, 20, Source.department_alert, RiskType.income_drop),
        Pending(CaseStatus.township_reviewed, 9, Source.household_visit, RiskType.disaster),
        Pending(CaseStatus.in_public_notice, 8, Source.household_visit, RiskType.income_drop),
        Pending(CaseStatus.rejected, 75, Source.village_screening, RiskType.income_drop),
    ),
    "150625100202": (
        Pending(CaseStatus.applied, 2, Source.household_visit, RiskType.accident),
        Pending(CaseStatus.in_public_notice, 8, Source.department_alert, RiskType.income_drop),
        Pending(CaseStatus.rejected, 140, Source.self_application, RiskType.other),
    ),
}
# The at-risk households of both villages, in turn; the rest are being assisted.
DECIDED = (
    (CaseStatus.assisting, 150),
    (CaseStatus.elimination_proposed, 220),
    (CaseStatus.elimination_reviewed, 230),
    (CaseStatus.confirmed, 20),
)
ELIMINATED_DAYS_AGO = {"150625100201": 330, "150625100202": 300}
# Days from one step to the next (the confirmation waits out the notice; elimination comes after six months).
GAPS = {
    Action.village_review: 1,
    Action.data_comparison: 2,
    Action.township_review: 2,
    Action.publish_notice: 1,
    Action.start_assistance: 3,
    Action.review_elimination: 6,
    Action.eliminate_risk: 8,
    Action.reject: 4,
}
ELIMINATION_AFTER_DAYS = 10  # past the six months from the confirmation
VISIT_EVERY_DAYS = 30
UNVISITED_DAYS = 45  # every third assisted household: its last visit is past the month
QUARTERLY_LAST = (20, 50, 80, 110, 140)  # households not at risk: days since their last visit


@dataclass
class Rows:
    """What one household's demo history adds, in insertion order."""

    anchor: Any  # the row whose presence means the household's history is loaded
    rows: list[Any] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def _beijing(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING).astimezone(UTC)


def _path(target: CaseStatus) -> list[Action]:
    """The steps from an application to `target` (a refusal after the data comparison)."""
    if target == CaseStatus.rejected:
        return [*_path(CaseStatus.data_compared), Action.reject]
    path, status = [], CaseStatus.applied
    while status != target:
        action, status = rules.FORWARD[status]
        path.append(action)
    return path


def _actor(action: Action, village: str, second: bool = False) -> str:
    committee, team = VILLAGE_ACCOUNTS[village]
    return {
        Action.village_review: team if second else committee,
        Action.data_comparison: "minzheng",
        Action.township_review: "xini",
        Action.publish_notice: "xini",
        Action.confirm: "banner",
        Action.reject: "xini",
        Action.start_assistance: committee,
        Action.propose_elimination: team,
        Action.review_elimination: "xini",
        Action.eliminate_risk: "banner",
    }[action]


COMMENTS = {
    Action.township_review: "经审核，情况属实",
    Action.publish_notice: "已在嘎查村务公开栏公示",
    Action.confirm: "同意纳入防返贫监测",
    Action.reject: "经数据比对，家庭收入和三保障情况正常，不符合纳入条件",
    Action.start_assistance: "已制定帮扶计划，落实帮扶责任人",
    Action.propose_elimination: "收入持续稳定，三保障和饮水安全均有保障",
    Action.review_elimination: "经核实，符合风险消除条件",
    Action.eliminate_risk: "同意标注风险消除",
}


async def seed_cases(
    session: AsyncSession, households: Sequence[DemoHousehold], *, today: date | None = None
) -> int:
    """Add each household's demo history unless it is there; returns the rows added."""
    today = today or datetime.now(UTC).date()
    limits = await thresholds_for(session, year=today.year)
    histories = plan(households, today, limits)
    present = set(
        (
            await session.exec(
                select(MonitoringCase.id).where(
                    col(MonitoringCase.id).in_(_anchors(histories, MonitoringCase))
                )
            )
        ).all()
    ) | set((await session.exec(select(Visit.id).where(col(Visit.id).in_(_anchors(histories, Visit))))).all())
    open_elsewhere = set(
        (
            await session.exec(
                select(MonitoringCase.active_household_id).where(
                    col(MonitoringCase.active_household_id).in_([h.id for h in households])
                )
            )
        ).all()
    )
    added = 0
    for history in histories:
        if history.anchor.id in present or history.anchor.household_id in open_elsewhere:
            continue
        session.add(history.anchor)
        await session.flush()  # a case before its steps: no relationship orders them
        session.add_all(history.rows)
        await session.flush()
        for delivery in history.deliveries:
            await session.execute(outbox.insert().values(**delivery))
        added += len(history.rows) + len(history.deliveries)
    return added


def _anchors(histories: Sequence[Rows], model: type) -> list[uuid.UUID]:
    return [h.anchor.id for h in histories if isinstance(h.anchor, model)]


def plan(households: Sequence[DemoHousehold], today: date, limits: rules.Thresholds) -> list[Rows]:
    """Every demo household's history: the cases, then the visits of households not in the procedure."""
    histories: list[Rows] = []
    by_village = {v: [h for h in households if h.region_code == v] for v in VILLAGES}
    at_risk = [h for v in VILLAGES for h in by_village[v] if h.category in AT_RISK]
    for index, household in enumerate(at_risk):
        status, days_ago = (
            DECIDED[index] if index < len(DECIDED) else (CaseStatus.assisting, 60 + index * 23 % 200)
        )
        unvisited = index % 3 == 2
        histories.append(_case(household, status, days_ago, today, limits, index, unvisited=unvisited))
    for village in VILLAGES:
        lifted = [h for h in by_village[village] if h.category in LIFTED]
        ordinary = [h for h in by_village[village] if h.category == Category.ordinary]
        if lifted:
            histories.append(
                _case(lifted[0], CaseStatus.risk_eliminated, ELIMINATED_DAYS_AGO[village], today, limits, 0)
            )
        for index, (pending, household) in enumerate(zip(PENDING[village], ordinary, strict=False)):
            histories.append(
                _case(household, pending.status, pending.days_ago, today, limits, index, pending)
            )
        rest = ordinary[len(PENDING[village]) :]
        for index, (household, days_ago) in enumerate(zip(rest, QUARTERLY_LAST, strict=False)):
            histories.append(_watched(household, today, days_ago, limits, alerted=index == 1))
    return histories


def _opening(household: DemoHousehold, status: CaseStatus) -> Category:
    """The household's category when the case opened, from the one it holds now (see the module docstring)."""
    if status == CaseStatus.risk_eliminated or household.category not in AT_RISK:
        return Category(household.category)
    return Category.lifted_supported if household.category == Category.monitored else Category.ordinary


def _risk(household: DemoHousehold, pending: Pending | None) -> RiskType:
    if pending is not None:
        return pending.risk
    return RiskType.illness if household.category == Category.sudden_hardship else RiskType.income_drop


def _case(
    household: DemoHousehold,
    target: CaseStatus,
    days_ago: int,
    today: date,
    limits: rules.Thresholds,
    index: int,
    pending: Pending | None = None,
    *,
    unvisited: bool = False,
) -> Rows:
    """One case reaching `target`, with the visit or alert that found it, its steps and later visits."""
    village = household.region_code
    found = today - timedelta(days=days_ago)
    risk = _risk(household, pending)
    source = pending.source if pending else (Source.household_visit, Source.department_alert)[index % 2]
    # A sudden illness keeps income above the line (突发严重困难户); the others fell below it.
    income = (
        limits.income_line_fen + 120_000
        if risk == RiskType.illness
        else limits.income_line_fen - 90_000 - index * 7_000
    )
    opener = VILLAGE_ACCOUNTS[village][1 if source == Source.household_visit else 0]
    case_id = _id("case", household.id)
    history = Rows(
        MonitoringCase(
            id=case_id,
            household_id=household.id,
            active_household_id=household.id,
            household_number=household.number,
            head_name=household.head_name,
            head_name_masked=mask_name(household.head_name),
            region_code=village,
            category_at_opening=_opening(household, target),
            income_per_capita_fen=income,
            source=source,
            risk_types=[str(risk)],
            description=DESCRIPTIONS[risk],
            authorisation_signed=source == Source.self_application,
            authorisation_signed_on=found if source == Source.self_application else None,
            status=target,
            discovered_at=_beijing(found, 9, 30),
            decision_due_at=_beijing(found, 9, 30) + timedelta(days=limits.decision_days),
            opened_by=opener,
            opened_role=ACCOUNTS[opener][0],
            opened_at=_beijing(found, 11),
        )
    )
    case = history.anchor
    history.rows.append(case)
    history.rows += _finding(household, case, source, income, limits, found)
    steps = _steps(case, target, pending, limits)
    history.rows += steps
    history.rows += _signatures(case, steps)
    _decide(case, steps, limits, history)
    if any(s.action == Action.start_assistance for s in steps):
        history.rows.append(_measure(case, steps))
    history.rows += _later_visits(household, case, steps, today, limits, unvisited)
    return history


DESCRIPTIONS = {
    RiskType.income_drop: "主要劳动力外出务工收入减少，家庭人均纯收入低于监测线",
    RiskType.illness: "家庭成员患重病住院，医疗自付费用较高",
    RiskType.education: "两个孩子同时上学，教育支出较大",
    RiskType.disaster: "遭受冰雹灾害，牧草和饲料损失较重",
    RiskType.accident: "家庭主要劳动力意外受伤，暂时不能务工",
    RiskType.other: "申请人反映家庭生活困难",
}


def _finding(
    household: DemoHousehold,
    case: MonitoringCase,
    source: Source,
    income: int,
    limits: rules.Thresholds,
    found: date,
) -> list[Any]:
    """The visit and alert that found the risk (turned into this case), or a department's alert."""
    if source == Source.household_visit:
        visit = _visit(household, found, income, limits, visitor=case.opened_by, key="found")
        finding = rules.visit_findings(visit_facts(visit), limits)[0]
        alert = _alert(household, finding.kind, "household_visit", finding.reason, found, visit_id=visit.id)
        alert.amount_fen = (
            income if finding.kind == AlertKind.income_below_line else visit.rigid_expenditure_fen
        )
        rows: list[Any] = [visit, alert]
    elif source == Source.department_alert:
        alert = _alert(household, AlertKind.dibao, DepartmentList.civil_affairs, "新纳入低保", found)
        rows = [alert]
    else:
        return []
    alert.status, alert.case_id, alert.decided_by = AlertStatus.converted, case.id, case.opened_by
    alert.decided_at = case.opened_at
    case.alert_id = alert.id
    return rows


def _steps(
    case: MonitoringCase, target: CaseStatus, pending: Pending | None, limits: rules.Thresholds
) -> list[CaseStep]:
    """The application and each step to `target`, dated by GAPS; the village review signed by two when the
    village has a work team on record."""
    village = case.region_code
    day = case.opened_at.astimezone(BEIJING).date()
    steps = [_step(case, 0, "open", None, CaseStatus.applied, case.opened_by, case.opened_at)]
    status = CaseStatus.applied
    confirmed_on = day
    for action in _path(target) if not (pending and pending.committee_signed) else [Action.village_review]:
        day += timedelta(days=_gap(action, limits, confirmed_on, day))
        after = CaseStatus.rejected if action == Action.reject else rules.FORWARD[status][1]
        if action == Action.village_review and village in DEMO_WORK_TEAMS:
            first = _step(
                case,
                len(steps),
                action,
                status,
                CaseStatus.applied,
                _actor(action, village),
                _beijing(day, 10),
            )
            first.note = "已签署，待另一方会签"
            steps.append(first)
            if pending and pending.committee_signed:
                break
            step = _step(
                case, len(steps), action, status, after, _actor(action, village, True), _beijing(day, 15)
            )
            step.note = "村两委和驻村工作队均已签署"
        else:
            step = _step(case, len(steps), action, status, after, _actor(action, village), _beijing(day, 10))
            step.comment = COMMENTS.get(action)
            if action == Action.village_review:
                step.note = "本嘎查村无驻村工作队在册，由村两委单独评议"
            elif action == Action.data_comparison:
                step.note = NONE_FOUND
        if action == Action.confirm:
            confirmed_on = day
        steps.append(step)
        status = after
    return steps


def _gap(action: Action, limits: rules.Thresholds, confirmed_on: date, day: date) -> int:
    if action == Action.confirm:
        return limits.notice_days + 1
    if action == Action.propose_elimination:
        return (rules.add_months(confirmed_on, rules.STABLE_MONTHS) - day).days + ELIMINATION_AFTER_DAYS
    return GAPS[action]


def _step(
    case: MonitoringCase,
    position: int,
    action: str,
    before: CaseStatus | None,
    after: CaseStatus,
    actor: str,
    at: datetime,
) -> CaseStep:
    return CaseStep(
        id=_id("step", case.household_id, position),
        case_id=case.id,
        position=position,
        action=action,
        from_status=before,
        to_status=after,
        actor=actor,
        role=ACCOUNTS[actor][0],
        at=at,
    )


def _signatures(case: MonitoringCase, steps: Sequence[CaseStep]) -> list[CaseSignature]:
    return [
        CaseSignature(
            id=_id("signature", case.household_id, s.position),
            case_id=case.id,
            actor=s.actor,
            role=s.role,
            at=s.at,
        )
        for s in steps
        if s.action == Action.village_review
    ]


def _decide(case: MonitoringCase, steps: Sequence[CaseStep], limits: rules.Thresholds, history: Rows) -> None:
    """What the steps leave on the case: the notice, the decision, the categories and their delivery."""
    for step in steps:
        if step.action == Action.publish_notice:
            case.notice_starts_at, case.notice_ends_at = (
                step.at,
                rules.notice_end(step.at, limits.notice_days),
            )
        elif step.action == Action.confirm:
            case.confirmed_at = case.decided_at = step.at
            case.confirmed_category = rules.classify(
                case.category_at_opening, case.risk_types, case.income_per_capita_fen, limits.income_line_fen
            )
            if case.confirmed_category != case.category_at_opening:
                history.deliveries.append(
                    _delivered(case, case.confirmed_category, confirm_key(case.id), step.at)
                )
        elif step.action == Action.reject:
            case.decided_at, case.active_household_id = step.at, None
        elif step.action == Action.eliminate_risk:
            case.eliminated_at, case.active_household_id = step.at, None
            case.return_category = rules.category_after_elimination(case.category_at_opening)
            history.deliveries.append(_delivered(case, case.return_category, return_key(case.id), step.at))


def _delivered(case: MonitoringCase, category: str, key: str, at: datetime) -> dict[str, Any]:
    """The registry change the step sent, as the outbox keeps it once delivered."""
    return {
        "id": _id("outbox", key),
        "topic": CATEGORY_CHANGE,
        "idempotency_key": key,
        "payload": {
            "household_id": str(case.household_id),
            "category": str(category),
            "reason": f"监测案件 {case.id}",
            "effective_date": at.astimezone(BEIJING).date().isoformat(),
            "case_id": str(case.id),
        },
        "status": OutboxStatus.delivered,
        "attempts": 1,
        "next_attempt_at": at,
        "created_at": at,
        "delivered_at": at + timedelta(seconds=2),
    }


def _measure(case: MonitoringCase, steps: Sequence[CaseStep]) -> Measure:
    started = next(s for s in steps if s.action == Action.start_assistance)
    done = any(s.action == Action.propose_elimination for s in steps)
    started_on = started.at.astimezone(BEIJING).date()
    illness = RiskType.illness in case.risk_types
    return Measure(
        id=_id("measure", case.household_id),
        case_id=case.id,
        kind=MeasureKind.medical if illness else MeasureKind.industry,
        description="落实大病专项救治和慢病签约服务" if illness else "补栏基础母羊 10 只，落实养殖技术指导",
        cadre_name="赵文静" if case.region_code in DEMO_WORK_TEAMS else "其木格",
        outcome="已落实，家庭收入稳定增加" if done else None,
        started_on=started_on,
        completed_on=started_on + timedelta(days=120) if done else None,
        recorded_by=started.actor,
        recorded_at=started.at,
    )


def _later_visits(
    household: DemoHousehold,
    case: MonitoringCase,
    steps: Sequence[CaseStep],
    today: date,
    limits: rules.Thresholds,
    unvisited: bool,
) -> list[Visit]:
    """Monthly visits after the confirmation, income back above the line and everything secured (the day
    before a proposed elimination among them); an undecided case's household visited once since it opened."""
    confirm = next((s for s in steps if s.action == Action.confirm), None)
    ends = {s.action: s.at.astimezone(BEIJING).date() for s in steps}
    if confirm is None:
        first = case.opened_at.astimezone(BEIJING).date() + timedelta(days=VISIT_EVERY_DAYS)
        days = [first] if first < today else []
    else:
        start = confirm.at.astimezone(BEIJING).date() + timedelta(days=5)
        last = ends.get(Action.eliminate_risk, today - timedelta(days=UNVISITED_DAYS if unvisited else 1))
        days = [
            start + timedelta(days=n * VISIT_EVERY_DAYS)
            for n in range((last - start).days // VISIT_EVERY_DAYS + 1)
        ]
        if Action.propose_elimination in ends:
            days = sorted({*days, ends[Action.propose_elimination] - timedelta(days=1)})
    visitor = VILLAGE_ACCOUNTS[household.region_code][1]
    return [
        _visit(household, day, limits.income_line_fen + 40_000 + n * 6_000, limits, visitor=visitor, key=n)
        for n, day in enumerate(days)
    ]


def _watched(
    household: DemoHousehold, today: date, days_ago: int, limits: rules.Thresholds, *, alerted: bool
) -> Rows:
    """A household not at risk visited each quarter until `days_ago`; one whose last visit found its income
    below the line has that alert open, waiting for the village."""
    days = [today - timedelta(days=days_ago + 91 * n) for n in (2, 1, 0)]
    visitor = VILLAGE_ACCOUNTS[household.region_code][1]
    incomes = [limits.income_line_fen + 300_000] * 2 + [
        limits.income_line_fen - (60_000 if alerted else -250_000)
    ]
    visits = [
        _visit(household, d, i, limits, visitor=visitor, key=n)
        for n, (d, i) in enumerate(zip(days, incomes, strict=True))
    ]
    history = Rows(visits[0], rows=list(visits))
    if alerted:
        [finding] = rules.visit_findings(visit_facts(visits[-1]), limits)
        alert = _alert(
            household, finding.kind, "household_visit", finding.reason, days[-1], visit_id=visits[-1].id
        )
        alert.amount_fen = incomes[-1]
        history.rows.append(alert)
    return history


def _visit(
    household: DemoHousehold, day: date, income: int, limits: rules.Thresholds, *, visitor: str, key: object
) -> Visit:
    illness = income >= limits.income_line_fen and key == "found"
    at = _beijing(day, 16)
    return Visit(
        id=_id("visit", household.id, key),
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        visited_on=day,
        education_secure=True,
        medical_secure=True,
        housing_secure=True,
        water_secure=True,
        income_per_capita_fen=income,
        rigid_expenditure_fen=limits.rigid_expenditure_fen + 800_000 if illness else 180_000,
        employment="外出务工 1 人" if income >= limits.income_line_fen else "在家务农放牧",
        medical_note="住院治疗，自付费用较高" if illness else None,
        note="入户走访，核实家庭收支和三保障情况",
        visitor=visitor,
        visitor_role=ACCOUNTS[visitor][0],
        recorded_at=at,
    )


def _alert(
    household: DemoHousehold,
    kind: AlertKind,
    origin: str,
    reason: str,
    day: date,
    *,
    visit_id: uuid.UUID | None = None,
) -> Alert:
    return Alert(
        id=_id("alert", household.id, kind),
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        head_name=household.head_name,
        kind=kind,
        origin=origin,
        year=day.year,
        reason=reason,
        visit_id=visit_id,
        status=AlertStatus.open,
        raised_at=_beijing(day, 9, 30),
    )
