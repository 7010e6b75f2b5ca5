"""How cases are found (MISSION.md §3): household visits and department data raise alerts by the year's
thresholds; an alert becomes a case in one step; households also report themselves (一键申报)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import cases, rules
from services.monitoring.clients import RegistryClient, RegistryHousehold
from services.monitoring.deliveries import GUARANTEES, guarantees_key
from services.monitoring.enums import SelfReportStatus
from services.monitoring.models import Alert, SelfReport, Visit, audit_log, aware, aware_or_none, outbox
from services.monitoring.schemas import (
    AlertDismiss,
    AlertPublic,
    AlertToCase,
    Authorisation,
    CasePublic,
    DepartmentBatchIn,
    DepartmentBatchResult,
    SelfReportIn,
    SelfReportPublic,
    UnmatchedRecord,
    VisitIn,
    VisitPublic,
    VisitResult,
)
from services.monitoring.thresholds import thresholds_for
from shared import audit
from shared import outbox as outbox_module
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.idempotency import request_hash
from shared.idnumber import mask_id_number, parse_id_number
from shared.registry_client import LOOKUP_LIMIT
from shared.scope import narrowed, scoped
from shared.vocabulary.monitoring import AlertKind, AlertStatus, Source

VISIT_ORIGIN = "household_visit"
GUARANTEE_FLAGS = ("education_secure", "medical_secure", "housing_secure", "water_secure")
NOT_IN_REGISTRY = "登记库中无此人或不在您的管辖范围内"


# --- alerts -------------------------------------------------------------------------------------------


def alert_public(alert: Alert) -> AlertPublic:
    return AlertPublic.model_validate(
        {
            **alert.model_dump(exclude={"visit_id"}),
            "raised_at": aware(alert.raised_at),
            "decided_at": aware_or_none(alert.decided_at),
        }
    )


async def _open_alert_keys(session: AsyncSession, household_ids: Sequence[uuid.UUID]) -> set[tuple[Any, str]]:
    """(household, kind) pairs that already have an open alert, so a risk is raised once until handled."""
    keys: set[tuple[Any, str]] = set()
    ids = list(dict.fromkeys(household_ids))
    for start in range(0, len(ids), LOOKUP_LIMIT):
        rows = await session.exec(
            select(Alert.household_id, Alert.kind).where(
                col(Alert.household_id).in_(ids[start : start + LOOKUP_LIMIT]),
                Alert.status == AlertStatus.open,
            )
        )
        keys |= {(h, k) for h, k in rows}
    return keys


async def raise_alerts(
    session: AsyncSession,
    *,
    principal: Principal,
    findings: Sequence[tuple[RegistryHousehold, rules.Finding, int | None]],
    origin: str,
    year: int,
    now: datetime,
    visit_id: uuid.UUID | None = None,
) -> list[Alert]:
    """Add one open alert per new (household, kind); audited in one multi-row append."""
    seen = await _open_alert_keys(session, [h.id for h, _, _ in findings])
    alerts = []
    for household, finding, amount in findings:
        if (household.id, finding.kind) in seen:
            continue
        seen.add((household.id, finding.kind))
        alerts.append(
            Alert(
                household_id=household.id,
                region_code=household.region_code,
                household_number=household.number,
                head_name=household.head_name,
                kind=finding.kind,
                origin=origin,
                year=year,
                reason=finding.reason,
                amount_fen=amount,
                visit_id=visit_id,
                status=AlertStatus.open,
                raised_at=now,
            )
        )
    session.add_all(alerts)
    await session.flush()
    await audit.append_many(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        changes=[
            audit.Change(
                region=a.region_code,
                action="alert.raise",
                entity="alert",
                entity_id=str(a.id),
                after={"household_id": str(a.household_id), "kind": a.kind, "origin": origin},
            )
            for a in alerts
        ],
    )
    return alerts


async def search_alerts(
    session: AsyncSession,
    *,
    principal: Principal,
    status: AlertStatus | None,
    kind: AlertKind | None,
    region: str | None,
    household_id: uuid.UUID | None,
    page: int,
    page_size: int,
) -> tuple[list[AlertPublic], int]:
    statement = narrowed(select(Alert), Alert.region_code, principal, region)
    if status is not None:
        statement = statement.where(Alert.status == status)
    if kind is not None:
        statement = statement.where(Alert.kind == kind)
    if household_id is not None:
        statement = statement.where(Alert.household_id == household_id)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Alert.raised_at).desc(), col(Alert.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [alert_public(a) for a in rows], int(total)


async def get_alert(session: AsyncSession, *, principal: Principal, alert_id: uuid.UUID) -> Alert:
    statement = scoped(select(Alert), Alert.region_code, principal).where(Alert.id == alert_id)
    alert = (await session.exec(statement)).first()
    if alert is None:
        raise NotFound("alert not found")
    return alert


def _still_open(alert: Alert) -> None:
    if alert.status != AlertStatus.open:
        raise Conflict(f"该预警已处理（{alert.status}）")


async def open_case_from_alert(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    alert: Alert,
    data: AlertToCase,
    now: datetime,
) -> CasePublic:
    """Turn an alert into a case in one step; the case's clock starts at the alert's discovery."""
    _still_open(alert)
    household = await registry.household(token=principal.token, household_id=alert.household_id)
    if household is None:
        raise NotFound("alert not found")
    case = await cases.open_case(
        session,
        principal=principal,
        household=household,
        now=now,
        source=Source.household_visit if alert.origin == VISIT_ORIGIN else Source.department_alert,
        risk_types=data.risk_types or [rules.ALERT_RISKS[AlertKind(alert.kind)]],
        description=data.description or alert.reason,
        authorisation=Authorisation(signed=False),
        discovered_at=aware(alert.raised_at),
        alert_id=alert.id,
    )
    await _decide(session, principal, alert, AlertStatus.converted, now, case_id=case.id)
    return await cases.case_public(session, case, principal=principal, now=now)


async def dismiss_alert(
    session: AsyncSession, *, principal: Principal, alert: Alert, data: AlertDismiss, now: datetime
) -> AlertPublic:
    """Close an alert without a case, with the reason (核实后无风险)."""
    _still_open(alert)
    await _decide(session, principal, alert, AlertStatus.dismissed, now, reason=data.reason)
    return alert_public(alert)


async def _decide(
    session: AsyncSession,
    principal: Principal,
    alert: Alert,
    status: AlertStatus,
    now: datetime,
    *,
    case_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    alert.status, alert.case_id, alert.dismissed_reason = status, case_id, reason
    alert.decided_by, alert.decided_at = principal.subject, now
    session.add(alert)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=alert.region_code,
        action=f"alert.{status}",
        entity="alert",
        entity_id=str(alert.id),
        before={"status": AlertStatus.open},
        after={"status": status, "case_id": str(case_id) if case_id else None, "reason": reason},
    )


# --- visits -------------------------------------------------------------------------------------------


def visit_public(visit: Visit) -> VisitPublic:
    return VisitPublic.model_validate({**visit.model_dump(), "recorded_at": aware(visit.recorded_at)})


async def _visit_keyed(
    session: AsyncSession, *, principal: Principal, key: str, digest: str
) -> VisitResult | None:
    """The visit this visitor already recorded under `key` with its alerts, None for a new key; the key
    reused with another body is refused (422)."""
    visit = (
        await session.exec(
            select(Visit).where(Visit.visitor == principal.subject, Visit.idempotency_key == key)
        )
    ).first()
    if visit is None:
        return None
    if visit.request_hash != digest:
        raise Invalid.field("Idempotency-Key", "该幂等键已用于内容不同的另一次走访")
    alerts = await session.exec(
        select(Alert).where(Alert.visit_id == visit.id).order_by(col(Alert.raised_at))
    )
    return VisitResult(visit=visit_public(visit), alerts=[alert_public(a) for a in alerts])


async def record_visit(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: VisitIn,
    now: datetime,
    idempotency_key: str | None = None,
) -> VisitResult:
    """A visit by the village committee or work team of the household's village, and the alerts it raises;
    its 三保障 and water answers go to the household's registry record through the outbox. With an
    `Idempotency-Key`, a repeat answers the visit already recorded — also a twin sent at the same moment,
    which finds the key taken by the unique index once the first commits, and answers what it recorded."""
    digest = request_hash(data)
    if idempotency_key:
        first = await _visit_keyed(session, principal=principal, key=idempotency_key, digest=digest)
        if first is not None:
            return first
    if data.visited_on > now.date():
        raise Invalid.field("visited_on", "走访日期不能晚于今天")
    household = await registry.household(token=principal.token, household_id=data.household_id)
    if household is None or household.region_code != principal.region:
        raise Invalid.field("household_id", "该户不存在或不在本嘎查村")
    visit = Visit(
        region_code=household.region_code,
        household_number=household.number,
        visitor=principal.subject,
        visitor_role=principal.role,
        recorded_at=now,
        idempotency_key=idempotency_key or None,
        request_hash=digest if idempotency_key else None,
        **data.model_dump(),
    )
    try:
        async with session.begin_nested():
            session.add(visit)
    except IntegrityError:
        if not idempotency_key:
            raise
        first = await _visit_keyed(session, principal=principal, key=idempotency_key, digest=digest)
        if first is None:
            raise
        return first
    await outbox_module.enqueue(
        session,
        outbox,
        topic=GUARANTEES,
        payload={
            "household_id": str(visit.household_id),
            **{name: getattr(visit, name) for name in GUARANTEE_FLAGS},
            "visit_id": str(visit.id),
            "visited_on": visit.visited_on.isoformat(),
        },
        idempotency_key=guarantees_key(visit.id),
    )
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=visit.region_code,
        action="visit.create",
        entity="visit",
        entity_id=str(visit.id),
        after={"household_id": str(visit.household_id), "visited_on": visit.visited_on.isoformat()},
    )
    limits = await thresholds_for(session, year=data.visited_on.year)
    findings = rules.visit_findings(cases.visit_facts(visit), limits)
    alerts = await raise_alerts(
        session,
        principal=principal,
        findings=[(household, f, _visit_amount(visit, f)) for f in findings],
        origin=VISIT_ORIGIN,
        year=data.visited_on.year,
        now=now,
        visit_id=visit.id,
    )
    return VisitResult(visit=visit_public(visit), alerts=[alert_public(a) for a in alerts])


def _visit_amount(visit: Visit, finding: rules.Finding) -> int | None:
    if finding.kind == AlertKind.income_below_line:
        return visit.income_per_capita_fen
    if finding.kind == AlertKind.rigid_expenditure:
        return visit.rigid_expenditure_fen
    return None


async def search_visits(
    session: AsyncSession,
    *,
    principal: Principal,
    household_id: uuid.UUID | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[VisitPublic], int]:
    statement = narrowed(select(Visit), Visit.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(Visit.household_id == household_id)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(Visit.visited_on).desc(), col(Visit.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [visit_public(v) for v in rows], int(total)


# --- department data comparison -----------------------------------------------------------------------


def person_key(id_masked: str, birth: Any) -> tuple[str, str]:
    """The registry returns IDs masked; the mask plus the birth date tells matched members apart."""
    return id_masked, str(birth)


async def compare_department_records(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: DepartmentBatchIn,
    now: datetime,
) -> DepartmentBatchResult:
    """Match a department's records to households (one registry call per 1000) and raise alerts.

    A record the registry does not know (or not within the caller's scope) is reported back, not an error.
    """
    numbers = list(dict.fromkeys(r.id_number for r in data.records))
    people: dict[tuple[str, str], RegistryHousehold] = {}
    for household in await registry.lookup(token=principal.token, id_numbers=numbers):
        for member in household.members:
            if member.matched:
                people[person_key(member.id_masked, member.birth_date)] = household
    limits = await thresholds_for(session, year=data.year)
    findings: list[tuple[RegistryHousehold, rules.Finding, int | None]] = []
    unmatched = []
    for index, record in enumerate(data.records):
        masked = mask_id_number(record.id_number)
        household = people.get(person_key(masked, parse_id_number(record.id_number).birth_date))
        if household is None:
            unmatched.append(
                UnmatchedRecord(
                    index=index,
                    id_masked=masked,
                    kind=record.kind,
                    reason=NOT_IN_REGISTRY,
                )
            )
            continue
        findings += [
            (household, f, record.amount_fen)
            for f in rules.record_findings(record.kind, record.amount_fen, limits)
        ]
    alerts = await raise_alerts(
        session, principal=principal, findings=findings, origin=data.source, year=data.year, now=now
    )
    return DepartmentBatchResult(
        received=len(data.records),
        matched=len(data.records) - len(unmatched),
        unmatched=unmatched,
        alerts=[alert_public(a) for a in alerts],
    )


# --- self-reports (一键申报) --------------------------------------------------------------------------


def self_report_public(report: SelfReport) -> SelfReportPublic:
    return SelfReportPublic.model_validate({**report.model_dump(), "received_at": aware(report.received_at)})


async def receive_self_report(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: SelfReportIn,
    now: datetime,
) -> SelfReportPublic:
    """Match the reporter's household by ID number and open an `applied` case for its village; an unknown
    reporter is kept for the named village to follow up."""
    found = await registry.lookup(token=principal.token, id_numbers=[data.id_number])
    household = found[0] if found else None
    case_id, status = None, SelfReportStatus.unmatched
    if household is not None:
        existing = await cases.active_case_of(session, household.id)
        if existing is not None:
            case_id, status = existing.id, SelfReportStatus.existing_case
        else:
            case = await cases.open_case(
                session,
                principal=principal,
                household=household,
                now=now,
                source=Source.self_application,
                risk_types=data.risk_types,
                description=data.description,
                authorisation=Authorisation(signed=data.authorisation_signed),
            )
            case_id, status = case.id, SelfReportStatus.case_opened
    elif not await registry.is_village(token=principal.token, code=data.village_code):
        raise Invalid.field("village_code", "嘎查村不存在")
    report = SelfReport(
        village_code=data.village_code,
        region_code=household.region_code if household else data.village_code,
        name=data.name,
        phone=data.phone,
        id_masked=mask_id_number(data.id_number),
        description=data.description,
        risk_types=[str(r) for r in data.risk_types],
        status=status,
        household_id=household.id if household else None,
        case_id=case_id,
        received_at=now,
    )
    session.add(report)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=report.region_code,
        action="self_report.create",
        entity="self_report",
        entity_id=str(report.id),
        after={"status": status, "case_id": str(case_id) if case_id else None},
    )
    return self_report_public(report)


async def search_self_reports(
    session: AsyncSession,
    *,
    principal: Principal,
    status: SelfReportStatus | None,
    region: str | None,
    page: int,
    page_size: int,
) -> tuple[list[SelfReportPublic], int]:
    statement = narrowed(select(SelfReport), SelfReport.region_code, principal, region)
    if status is not None:
        statement = statement.where(SelfReport.status == status)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(SelfReport.received_at).desc(), col(SelfReport.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [self_report_public(r) for r in rows], int(total)
