"""Monitoring cases: opening, the procedure's steps, the public notice and its objections, emergency
reliefs and assistance measures — always within the caller's scope (MISSION.md §3)."""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, func, not_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import assistance_rules, findings, plans, rules, work_teams
from services.monitoring.clients import RegistryClient, RegistryHousehold
from services.monitoring.deliveries import CATEGORY_CHANGE, confirm_key, delivery_state, return_key
from services.monitoring.models import (
    CaseSignature,
    CaseStep,
    Measure,
    MonitoringCase,
    Objection,
    Relief,
    Visit,
    audit_log,
    aware,
    aware_or_none,
    outbox,
)
from services.monitoring.schemas import (
    Authorisation,
    CaseClock,
    CaseCreate,
    CasePublic,
    CaseSummary,
    MeasureIn,
    MeasurePublic,
    MeasureUpdate,
    NoticeItem,
    ObjectionIn,
    ObjectionPublic,
    ObjectionResolve,
    ReliefIn,
    ReliefPublic,
    SignaturePublic,
    StepPublic,
    StepSpanPublic,
    TransitionIn,
)
from services.monitoring.thresholds import thresholds_for
from shared import audit
from shared import outbox as outbox_module
from shared.auth import Principal
from shared.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from shared.masking import mask_name
from shared.roles import Role
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.households import Category
from shared.vocabulary.monitoring import Action, CaseStatus, DeliveryState, RiskType, Source

OPEN_STEP = "open"


def scoped_cases(principal: Principal) -> Any:
    """The only way this module reads cases: inside the caller's region."""
    return scoped(select(MonitoringCase), MonitoringCase.region_code, principal)


async def get_case(session: AsyncSession, *, principal: Principal, case_id: uuid.UUID) -> MonitoringCase:
    statement = scoped_cases(principal).where(MonitoringCase.id == case_id)
    return await fetch_in_scope(session, statement, what="case")


async def active_case_of(session: AsyncSession, household_id: uuid.UUID) -> MonitoringCase | None:
    statement = select(MonitoringCase).where(MonitoringCase.active_household_id == household_id)
    return (await session.exec(statement)).first()


# --- opening ------------------------------------------------------------------------------------------


async def create_case(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, now: datetime, data: CaseCreate
) -> CasePublic:
    """Open a case for a household the caller can see; a self-application needs the signed authorisation."""
    authorisation = data.authorisation or Authorisation(signed=False)
    if data.source == Source.self_application and not authorisation.signed:
        raise Invalid.field("authorisation", "户申请须由申请人签署承诺授权书（承诺授权）")
    if authorisation.signed_on and authorisation.signed_on > now.date():
        raise Invalid.field("authorisation.signed_on", "签署日期不能晚于今天")
    household = await registry.household(token=principal.token, household_id=data.household_id)
    if household is None:
        raise Invalid.field("household_id", "该户不存在或不在您的管辖范围内")
    case = await open_case(
        session,
        principal=principal,
        household=household,
        now=now,
        source=data.source,
        risk_types=data.risk_types,
        description=data.description,
        authorisation=authorisation,
    )
    return await case_public(session, case, principal=principal, now=now)


async def open_case(
    session: AsyncSession,
    *,
    principal: Principal,
    household: RegistryHousehold,
    now: datetime,
    source: Source,
    risk_types: Sequence[RiskType],
    description: str,
    authorisation: Authorisation,
    discovered_at: datetime | None = None,
    alert_id: uuid.UUID | None = None,
) -> MonitoringCase:
    """Start the procedure (status `applied`) with a snapshot of the household as the registry shows it."""
    if (existing := await active_case_of(session, household.id)) is not None:
        raise _already_open(existing.id)
    discovered = discovered_at or now
    limits = await thresholds_for(session, year=discovered.year)
    case = MonitoringCase(
        household_id=household.id,
        active_household_id=household.id,
        household_number=household.number,
        head_name=household.head_name,
        head_name_masked=mask_name(household.head_name),
        region_code=household.region_code,
        category_at_opening=household.category,
        income_per_capita_fen=household.income_per_capita_fen,
        source=source,
        risk_types=[str(r) for r in risk_types],
        description=description,
        authorisation_signed=authorisation.signed,
        authorisation_signed_on=(authorisation.signed_on or now.date()) if authorisation.signed else None,
        status=CaseStatus.applied,
        discovered_at=discovered,
        decision_due_at=discovered + timedelta(days=limits.decision_days),
        alert_id=alert_id,
        opened_by=principal.subject,
        opened_role=principal.role,
        opened_at=now,
    )
    session.add(case)
    try:
        await session.flush()
    except IntegrityError:
        raise _already_open(None) from None
    session.add(_step(case, principal, 0, OPEN_STEP, None, CaseStatus.applied, now, None))
    await _audit(
        session,
        principal,
        case,
        "case.open",
        after={
            "household_id": str(case.household_id),
            "source": case.source,
            "risk_types": case.risk_types,
            "status": case.status,
        },
    )
    return case


def _already_open(case_id: uuid.UUID | None) -> Conflict:
    which = f"（{case_id}）" if case_id else ""
    return Conflict(
        f"该户已有进行中的监测案件{which}",
        errors=[FieldProblem(field="household_id", reason="该户已有进行中的监测案件")],
    )


def _step(
    case: MonitoringCase,
    principal: Principal,
    position: int,
    action: str,
    before: CaseStatus | None,
    after: CaseStatus,
    now: datetime,
    comment: str | None,
) -> CaseStep:
    return CaseStep(
        case_id=case.id,
        position=position,
        action=action,
        from_status=before,
        to_status=after,
        actor=principal.subject,
        role=principal.role,
        at=now,
        comment=comment,
    )


# --- the procedure ------------------------------------------------------------------------------------


def _refused(refusal: rules.Refusal) -> Exception:
    if refusal.kind == rules.RefusalKind.scope:
        return NotFound("case not found")
    if refusal.kind == rules.RefusalKind.role:
        return Forbidden(refusal.reason)
    errors = [FieldProblem(field=b, reason=rules.BLOCKER_REASONS[b]) for b in refusal.blockers] or [
        FieldProblem(field="action", reason=refusal.reason)
    ]
    detail = refusal.reason + (": " + "；".join(e.reason for e in errors) if refusal.blockers else "")
    return Conflict(detail, errors=errors)


# Steps whose outcome depends on more than the status: the notice, the signatures, the elimination conditions.
CONDITIONAL = frozenset({Action.confirm, Action.village_review}) | rules.ELIMINATION_STEPS


async def _facts(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    case: MonitoringCase,
    action: Action,
    now: datetime,
) -> rules.CaseFacts:
    """Load what a conditional step depends on: the notice and its objections, the village review's
    signatures and work team, or (for the three elimination steps) the national conditions."""
    objections = await _children(session, Objection, case.id, col(Objection.raised_at))
    signatures = await _children(session, CaseSignature, case.id, col(CaseSignature.at))
    facts = await case_facts(session, case, objections, signatures, now)
    if action not in rules.ELIMINATION_STEPS:
        return facts
    household = await registry.household(token=principal.token, household_id=case.household_id)
    blockers = await elimination_blockers(session, case=case, household=household, now=now)
    return replace(facts, elimination_blockers=tuple(blockers))


async def case_facts(
    session: AsyncSession,
    case: MonitoringCase,
    objections: Sequence[Objection],
    signatures: Sequence[CaseSignature],
    now: datetime,
) -> rules.CaseFacts:
    """What the confirmation and the village review wait for: the notice period's end and every objection
    settled; who has signed the review, and whether the village has a work team on record to sign it."""
    ends = aware_or_none(case.notice_ends_at)
    return rules.CaseFacts(
        notice_open=ends is None or now < ends,
        notice_ends=ends,
        unresolved_objections=sum(o.resolved_at is None for o in objections),
        upheld_objections=sum(bool(o.upheld) for o in objections),
        signatures=tuple(rules.Signature(s.actor, Role(s.role)) for s in signatures),
        work_team_on_record=await work_teams.on_record(
            session, village_code=case.region_code, day=now.date()
        ),
    )


async def elimination_blockers(
    session: AsyncSession, *, case: MonitoringCase, household: RegistryHousehold | None, now: datetime
) -> list[str]:
    """The national conditions for risk elimination that do not hold for this case yet."""
    visits = (await session.exec(select(Visit).where(Visit.household_id == case.household_id))).all()
    measures = (
        await session.exec(select(func.count()).select_from(Measure).where(Measure.case_id == case.id))
    ).one()
    confirmed = aware_or_none(case.confirmed_at)
    return rules.elimination_blockers(
        visits=[visit_facts(v) for v in visits],
        measures=assistance_rules.measures_taken(
            int(measures), await plans.done_measures(session, case.household_id)
        ),
        confirmed_on=confirmed.date() if confirmed else None,
        today=now.date(),
        has_labour=household.has_labour if household else False,
        thresholds=await thresholds_for(session, year=now.year),
    )


def visit_facts(visit: Visit) -> rules.VisitFacts:
    return rules.VisitFacts(
        visited_on=visit.visited_on,
        income_per_capita_fen=visit.income_per_capita_fen,
        rigid_expenditure_fen=visit.rigid_expenditure_fen,
        education_secure=visit.education_secure,
        medical_secure=visit.medical_secure,
        housing_secure=visit.housing_secure,
        water_secure=visit.water_secure,
    )


async def transition(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    case: MonitoringCase,
    data: TransitionIn,
    now: datetime,
) -> CasePublic:
    """Take one step of the procedure, or refuse it and change nothing (scope 404, role 403, order 409).

    The status moves by a conditional UPDATE (… WHERE status = the status read), so of two concurrent
    identical steps exactly one wins and the other is refused with 409.
    """
    before = CaseStatus(case.status)
    decide = (principal.role, principal.region, case.region_code)
    outcome = rules.next_status(before, data.action, *decide, facts=rules.READY, actor=principal.subject)
    facts = rules.READY
    if isinstance(outcome, CaseStatus) and data.action in CONDITIONAL:
        await _hold(session, case, before)
        facts = await _facts(
            session, principal=principal, registry=registry, case=case, action=data.action, now=now
        )
        outcome = rules.next_status(before, data.action, *decide, facts=facts, actor=principal.subject)
    if isinstance(outcome, rules.Refusal):
        raise _refused(outcome)
    note = None
    if data.action == Action.village_review:
        note = await _sign(session, principal, case, data, facts, outcome, now)
    elif data.action == Action.data_comparison:
        note = await findings.comparison_note(session, case)
    values: dict[str, Any] = {"status": outcome}
    if data.action == Action.publish_notice:
        limits = await thresholds_for(session, year=now.year)
        values.update(notice_starts_at=now, notice_ends_at=rules.notice_end(now, limits.notice_days))
    elif data.action == Action.confirm:
        limits = await thresholds_for(session, year=now.year)
        target = rules.classify(
            case.category_at_opening, case.risk_types, case.income_per_capita_fen, limits.income_line_fen
        )
        values.update(confirmed_at=now, decided_at=now, confirmed_category=target)
    elif data.action == Action.reject:
        values.update(decided_at=now, active_household_id=None)
    elif data.action == Action.eliminate_risk:
        returned = rules.category_after_elimination(case.category_at_opening)
        values.update(eliminated_at=now, active_household_id=None, return_category=returned)
    result = await session.execute(
        update(MonitoringCase)
        .where(col(MonitoringCase.id) == case.id, col(MonitoringCase.status) == before)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("案件已由他人办理到下一步，请刷新后重试")
    taken = await session.exec(select(func.count()).select_from(CaseStep).where(CaseStep.case_id == case.id))
    step = _step(case, principal, taken.one(), data.action, before, outcome, now, data.comment)
    step.note = note
    session.add(step)
    target = values.get("confirmed_category")
    if target is not None and target != case.category_at_opening:
        await _send_category(session, case, target, _confirm_reason(case), confirm_key(case.id), now)
    if (returned := values.get("return_category")) is not None:
        reason = f"风险消除，恢复为{returned.label}，监测案件 {case.id}"
        await _send_category(session, case, returned, reason, return_key(case.id), now)
    await session.flush()
    await session.refresh(case)
    await _audit(
        session,
        principal,
        case,
        f"case.{data.action}",
        before={"status": before},
        after={"status": outcome, "comment": data.comment, **{k: str(v) for k, v in values.items()}},
    )
    return await case_public(session, case, principal=principal, now=now)


async def _hold(session: AsyncSession, case: MonitoringCase, status: CaseStatus) -> None:
    """Lock the case row before reading what the step depends on, so two signers of the village review
    (or two of any conditional step) decide one after the other; 409 if it moved on meanwhile."""
    result = await session.execute(
        update(MonitoringCase)
        .where(col(MonitoringCase.id) == case.id, col(MonitoringCase.status) == status)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("案件已由他人办理到下一步，请刷新后重试")


async def _sign(
    session: AsyncSession,
    principal: Principal,
    case: MonitoringCase,
    data: TransitionIn,
    facts: rules.CaseFacts,
    outcome: CaseStatus,
    now: datetime,
) -> str | None:
    """Add the caller's signature to the village review; the note the step's history carries about it."""
    session.add(
        CaseSignature(
            case_id=case.id, actor=principal.subject, role=principal.role, at=now, comment=data.comment
        )
    )
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("该角色或该人员已签署村级评议") from None
    if outcome == CaseStatus.applied:
        return "已签署，待另一方会签"
    if not facts.signatures:
        return "本嘎查村无驻村工作队在册，由村两委单独评议"
    return "村两委和驻村工作队均已签署"


async def _send_category(
    session: AsyncSession, case: MonitoringCase, category: Category, reason: str, key: str, now: datetime
) -> None:
    """Enqueue a registry category change, delivered once by the outbox with this service's credentials."""
    await outbox_module.enqueue(
        session,
        outbox,
        topic=CATEGORY_CHANGE,
        payload={
            "household_id": str(case.household_id),
            "category": str(category),
            "reason": reason,
            "effective_date": now.date().isoformat(),
            "case_id": str(case.id),
        },
        idempotency_key=key,
    )


def _confirm_reason(case: MonitoringCase) -> str:
    risks = "、".join(RiskType(r).label for r in case.risk_types)
    return f"旗级确认纳入防返贫监测（{risks}），监测案件 {case.id}"


# --- reading ------------------------------------------------------------------------------------------


def _age_days(case: MonitoringCase, now: datetime) -> int:
    return max(int((now - aware(case.discovered_at)).total_seconds() // 86400), 0)


def _overdue(case: MonitoringCase, now: datetime) -> bool:
    return rules.is_overdue(
        CaseStatus(case.status), aware(case.decision_due_at), aware_or_none(case.decided_at), now
    )


def summary(case: MonitoringCase, *, now: datetime) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        household_id=case.household_id,
        household_number=case.household_number,
        head_name=case.head_name,
        region_code=case.region_code,
        status=CaseStatus(case.status),
        source=Source(case.source),
        risk_types=[RiskType(r) for r in case.risk_types],
        discovered_at=aware(case.discovered_at),
        decision_due_at=aware(case.decision_due_at),
        age_days=_age_days(case, now),
        overdue=_overdue(case, now),
        pending_action=rules.pending_action(CaseStatus(case.status)),
    )


async def _children(session: AsyncSession, model: Any, case_id: uuid.UUID, order: Any) -> list[Any]:
    statement = select(model).where(model.case_id == case_id).order_by(order, col(model.id))
    return list((await session.exec(statement)).all())


async def case_public(
    session: AsyncSession, case: MonitoringCase, *, principal: Principal, now: datetime
) -> CasePublic:
    """The case with its full history, its 15-day clock, objections, measures, reliefs and delivery, and
    the steps the caller may take on it now."""
    steps = await _children(session, CaseStep, case.id, col(CaseStep.position))
    objections = await _children(session, Objection, case.id, col(Objection.raised_at))
    measures = await _children(session, Measure, case.id, col(Measure.recorded_at))
    reliefs = await _children(session, Relief, case.id, col(Relief.recorded_at))
    signatures = await _children(session, CaseSignature, case.id, col(CaseSignature.at))
    spans = rules.step_spans([(CaseStatus(s.to_status), aware(s.at)) for s in steps], now)
    allowed = rules.allowed_actions(
        CaseStatus(case.status),
        principal.role,
        principal.region,
        case.region_code,
        facts=await case_facts(session, case, objections, signatures, now),
        actor=principal.subject,
    )
    return CasePublic(
        **summary(case, now=now).model_dump(),
        allowed_actions=allowed,
        head_name_masked=case.head_name_masked,
        category_at_opening=Category(case.category_at_opening),
        income_per_capita_fen=case.income_per_capita_fen,
        description=case.description,
        authorisation=Authorisation(signed=case.authorisation_signed, signed_on=case.authorisation_signed_on),
        opened_by=case.opened_by,
        opened_at=aware(case.opened_at),
        alert_id=case.alert_id,
        notice_starts_at=aware_or_none(case.notice_starts_at),
        notice_ends_at=aware_or_none(case.notice_ends_at),
        confirmed_at=aware_or_none(case.confirmed_at),
        confirmed_category=Category(case.confirmed_category) if case.confirmed_category else None,
        registry_change=await _registry_change(session, case),
        eliminated_at=aware_or_none(case.eliminated_at),
        return_category=Category(case.return_category) if case.return_category else None,
        return_change=await _return_change(session, case),
        signatures=[
            SignaturePublic(actor=s.actor, role=s.role, at=aware(s.at), comment=s.comment) for s in signatures
        ],
        clock=CaseClock(
            discovered_at=aware(case.discovered_at),
            decision_due_at=aware(case.decision_due_at),
            decided_at=aware_or_none(case.decided_at),
            age_days=_age_days(case, now),
            overdue=_overdue(case, now),
            steps=[StepSpanPublic(**vars(span)) for span in spans],
        ),
        steps=[
            StepPublic(
                action=s.action,
                from_status=CaseStatus(s.from_status) if s.from_status else None,
                to_status=CaseStatus(s.to_status),
                actor=s.actor,
                role=s.role,
                at=aware(s.at),
                comment=s.comment,
                note=s.note,
            )
            for s in steps
        ],
        objections=[_objection_public(o) for o in objections],
        measures=[_measure_public(m) for m in measures],
        reliefs=[_relief_public(r) for r in reliefs],
    )


async def _registry_change(session: AsyncSession, case: MonitoringCase) -> DeliveryState | None:
    if case.confirmed_category is None:
        return None
    if case.confirmed_category == case.category_at_opening:
        return DeliveryState.not_needed
    state = await delivery_state(session, key=confirm_key(case.id))
    return DeliveryState(state) if state else None


async def _return_change(session: AsyncSession, case: MonitoringCase) -> DeliveryState | None:
    if case.return_category is None:
        return None
    state = await delivery_state(session, key=return_key(case.id))
    return DeliveryState(state) if state else None


def _open_or_upheld_objection() -> Any:
    return exists().where(
        Objection.case_id == MonitoringCase.id,
        or_(col(Objection.resolved_at).is_(None), col(Objection.upheld).is_(True)),
    )


def _overdue_clause(now: datetime) -> Any:
    return or_(
        and_(col(MonitoringCase.status).in_(list(rules.UNDECIDED)), MonitoringCase.decision_due_at < now),
        and_(
            col(MonitoringCase.decided_at).is_not(None),
            col(MonitoringCase.decided_at) > col(MonitoringCase.decision_due_at),
        ),
    )


def _awaiting_clause(principal: Principal, now: datetime) -> Any:
    """Cases whose pending step the caller may take now (rules.awaiting_statuses decides the steps)."""
    status = col(MonitoringCase.status)
    clauses = []
    for pending in rules.awaiting_statuses(principal.role, principal.region):
        if pending == CaseStatus.in_public_notice:  # confirmable once the notice closed without objections
            clauses.append(
                and_(
                    status == pending,
                    col(MonitoringCase.notice_ends_at) <= now,
                    not_(_open_or_upheld_objection()),
                )
            )
        elif pending == CaseStatus.applied:  # the village review, unless the caller's side has signed it
            signed = exists().where(
                CaseSignature.case_id == MonitoringCase.id, CaseSignature.role == principal.role
            )
            clauses.append(and_(status == pending, not_(signed)))
        elif pending == CaseStatus.assisting:  # due for the elimination review 6 months after confirmation
            cutoff = datetime.combine(rules.add_months(now.date(), -rules.STABLE_MONTHS), time(), tzinfo=UTC)
            clauses.append(and_(status == pending, col(MonitoringCase.confirmed_at) <= cutoff))
        else:
            clauses.append(status == pending)
    if principal.role == Role.township_official:  # objections to resolve, or an upheld one to reject on
        clauses.append(and_(status == CaseStatus.in_public_notice, _open_or_upheld_objection()))
    return or_(*clauses) if clauses else false()


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    now: datetime,
    status: CaseStatus | None,
    region: str | None,
    household_id: uuid.UUID | None,
    overdue: bool | None,
    awaiting_me: bool,
    page: int,
    page_size: int,
) -> tuple[list[CaseSummary], int]:
    """One page of the caller's cases; `awaiting_me` is the inbox, oldest deadline first."""
    statement = narrowed(select(MonitoringCase), MonitoringCase.region_code, principal, region)
    if status is not None:
        statement = statement.where(MonitoringCase.status == status)
    if household_id is not None:
        statement = statement.where(MonitoringCase.household_id == household_id)
    if overdue is not None:
        statement = statement.where(_overdue_clause(now) if overdue else not_(_overdue_clause(now)))
    if awaiting_me:
        statement = statement.where(_awaiting_clause(principal, now))
        order = (col(MonitoringCase.decision_due_at), col(MonitoringCase.id))
    else:
        order = (col(MonitoringCase.opened_at).desc(), col(MonitoringCase.id))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(*order).offset((page - 1) * page_size).limit(page_size))
    return [summary(c, now=now) for c in rows], int(total)


async def notices(
    session: AsyncSession, *, principal: Principal, region: str | None, page: int, page_size: int
) -> tuple[list[NoticeItem], int]:
    """Cases now in public notice: number, masked head name, risks and dates — nothing personal beyond."""
    statement = narrowed(select(MonitoringCase), MonitoringCase.region_code, principal, region).where(
        MonitoringCase.status == CaseStatus.in_public_notice
    )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(MonitoringCase.region_code), col(MonitoringCase.household_number))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = []
    for case in rows:
        ends = aware(case.notice_ends_at) if case.notice_ends_at else aware(case.decision_due_at)
        items.append(
            NoticeItem(
                case_id=case.id,
                region_code=case.region_code,
                household_number=case.household_number,
                head_name=case.head_name,
                risk_types=[RiskType(r) for r in case.risk_types],
                notice_starts_at=aware(case.notice_starts_at or case.opened_at),
                notice_ends_at=ends,
                objection_deadline=ends,
            )
        )
    return items, int(total)


# --- objections, measures, reliefs --------------------------------------------------------------------


def _objection_public(o: Objection) -> ObjectionPublic:
    return ObjectionPublic(
        id=o.id,
        content=o.content,
        raised_by_name=o.raised_by_name,
        raised_at=aware(o.raised_at),
        recorded_by=o.recorded_by,
        resolved_at=aware_or_none(o.resolved_at),
        resolution=o.resolution,
        upheld=o.upheld,
        resolved_by=o.resolved_by,
    )


def _measure_public(m: Measure) -> MeasurePublic:
    return MeasurePublic.model_validate(
        {**m.model_dump(exclude={"case_id"}), "recorded_at": aware(m.recorded_at)}
    )


def _relief_public(r: Relief) -> ReliefPublic:
    return ReliefPublic.model_validate(
        {**r.model_dump(exclude={"case_id"}), "recorded_at": aware(r.recorded_at)}
    )


async def raise_objection(
    session: AsyncSession, *, principal: Principal, case: MonitoringCase, data: ObjectionIn, now: datetime
) -> ObjectionPublic:
    """Record an objection (异议) raised while the notice is posted."""
    ends = aware_or_none(case.notice_ends_at)
    if case.status != CaseStatus.in_public_notice or ends is None or now >= ends:
        raise Conflict("案件不在公示期内，不能登记异议")
    objection = Objection(
        case_id=case.id,
        content=data.content,
        raised_by_name=data.raised_by_name,
        raised_at=now,
        recorded_by=principal.subject,
    )
    session.add(objection)
    await session.flush()
    await _audit(session, principal, case, "objection.create", after={"objection_id": str(objection.id)})
    return _objection_public(objection)


async def resolve_objection(
    session: AsyncSession,
    *,
    principal: Principal,
    case: MonitoringCase,
    objection_id: uuid.UUID,
    data: ObjectionResolve,
    now: datetime,
) -> ObjectionPublic:
    """The township's finding on an objection; an upheld one leaves the case for the township to reject."""
    objection = (
        await session.exec(
            select(Objection).where(Objection.id == objection_id, Objection.case_id == case.id)
        )
    ).first()
    if objection is None:
        raise NotFound("objection not found")
    if objection.resolved_at is not None:
        raise Conflict("该异议已处理")
    if case.status != CaseStatus.in_public_notice:
        raise Conflict("案件已不在公示阶段")
    objection.resolved_at, objection.resolution = now, data.resolution
    objection.upheld, objection.resolved_by = data.upheld, principal.subject
    session.add(objection)
    await session.flush()
    await _audit(
        session,
        principal,
        case,
        "objection.resolve",
        after={"objection_id": str(objection.id), "upheld": data.upheld},
    )
    return _objection_public(objection)


ASSISTED = frozenset(
    {
        CaseStatus.confirmed,
        CaseStatus.assisting,
        CaseStatus.elimination_proposed,
        CaseStatus.elimination_reviewed,
    }
)


async def add_measure(
    session: AsyncSession, *, principal: Principal, case: MonitoringCase, data: MeasureIn, now: datetime
) -> MeasurePublic:
    """An assistance measure for a confirmed monitoring object (帮扶措施), with its responsible cadre."""
    if case.status not in ASSISTED:
        raise Conflict("只有旗级确认后的监测对象才能落实帮扶措施")
    measure = Measure(case_id=case.id, recorded_by=principal.subject, recorded_at=now, **data.model_dump())
    session.add(measure)
    await session.flush()
    await _audit(
        session, principal, case, "measure.create", after={"measure_id": str(measure.id), "kind": data.kind}
    )
    return _measure_public(measure)


async def update_measure(
    session: AsyncSession,
    *,
    principal: Principal,
    case: MonitoringCase,
    measure_id: uuid.UUID,
    data: MeasureUpdate,
    now: datetime,
) -> MeasurePublic:
    """Record a measure's outcome and, when it ended, the date."""
    measure = (
        await session.exec(select(Measure).where(Measure.id == measure_id, Measure.case_id == case.id))
    ).first()
    if measure is None:
        raise NotFound("measure not found")
    if data.completed_on is not None and data.completed_on < measure.started_on:
        raise Invalid.field("completed_on", "完成日期不能早于开始日期")
    if data.completed_on is not None and data.completed_on > now.date():
        raise Invalid.field("completed_on", "完成日期不能晚于今天")
    before = {"outcome": measure.outcome, "completed_on": _iso(measure.completed_on)}
    measure.outcome, measure.completed_on = data.outcome, data.completed_on
    session.add(measure)
    await session.flush()
    await _audit(
        session,
        principal,
        case,
        "measure.update",
        before=before,
        after={"outcome": data.outcome, "completed_on": _iso(data.completed_on)},
    )
    return _measure_public(measure)


async def add_relief(
    session: AsyncSession, *, principal: Principal, case: MonitoringCase, data: ReliefIn, now: datetime
) -> ReliefPublic:
    """Emergency relief first (§五(二)3): recorded before or during the procedure, not after it ended."""
    if case.status in rules.CLOSED:
        raise Conflict("案件已结束，不能再登记先行救助")
    if data.granted_on > now.date():
        raise Invalid.field("granted_on", "救助日期不能晚于今天")
    relief = Relief(case_id=case.id, recorded_by=principal.subject, recorded_at=now, **data.model_dump())
    session.add(relief)
    await session.flush()
    await _audit(
        session,
        principal,
        case,
        "relief.create",
        after={"relief_id": str(relief.id), "kind": data.kind, "amount_fen": data.amount_fen},
    )
    return _relief_public(relief)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


async def _audit(
    session: AsyncSession, principal: Principal, case: MonitoringCase, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=case.region_code,
        action=action,
        entity="monitoring_case",
        entity_id=str(case.id),
        **change,
    )
