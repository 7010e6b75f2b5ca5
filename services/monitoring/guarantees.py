"""The three guarantees per member (seed §五(一)2–3): the 控辍保学 list read from the registry in bulk with
its follow-ups, a member's medical insurance for a year, and reimbursements kept and checked against the
year's floors, a shortfall raising an alert — all within the caller's scope."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import guarantee_rules, members, rules
from services.monitoring.clients import RegistryClient
from services.monitoring.discovery import raise_alerts
from services.monitoring.guarantee_schemas import (
    DropoutPage,
    DropoutPublic,
    FollowUpCreate,
    FollowUpPublic,
    InsuranceIn,
    InsurancePublic,
    ReimbursementIn,
    ReimbursementPublic,
)
from services.monitoring.models import DropoutFollowUp, InsuranceRecord, Reimbursement, audit_log, aware
from services.monitoring.thresholds import thresholds_for
from shared import audit
from shared.auth import Principal
from shared.errors import Invalid
from shared.money import format_yuan
from shared.registry_client import LOOKUP_LIMIT
from shared.scope import narrowed, scoped
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.monitoring import AlertKind, CareKind

REIMBURSEMENT_ORIGIN = "reimbursement_check"


def _recorded(principal: Principal, person: members.Person, now: datetime) -> dict[str, Any]:
    """The columns every per-member record shares: whose it is, where, and who recorded it when."""
    return {
        "member_id": person.member.id,
        "member_name": person.member.name,
        "household_id": person.household.id,
        "region_code": person.household.region_code,
        "household_number": person.household.number,
        "recorded_by": principal.subject,
        "recorded_at": now,
    }


async def _person(registry: RegistryClient, principal: Principal, data: Any) -> members.Person:
    [person] = await members.people(
        registry, principal, [(data.household_id, data.member_id)], field="member_id"
    )
    return person


# --- 控辍保学 -----------------------------------------------------------------------------------------


def follow_up_public(row: DropoutFollowUp) -> FollowUpPublic:
    return FollowUpPublic.model_validate(
        {**row.model_dump(), "on": row.followed_on, "recorded_at": aware(row.recorded_at)}
    )


async def _follow_ups(
    session: AsyncSession, principal: Principal, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[DropoutFollowUp]]:
    """Each member's follow-ups in date order, read 1000 members a query."""
    found: dict[uuid.UUID, list[DropoutFollowUp]] = {}
    for start in range(0, len(member_ids), LOOKUP_LIMIT):
        rows = await session.exec(
            scoped(select(DropoutFollowUp), DropoutFollowUp.region_code, principal)
            .where(col(DropoutFollowUp.member_id).in_(member_ids[start : start + LOOKUP_LIMIT]))
            .order_by(col(DropoutFollowUp.followed_on), col(DropoutFollowUp.recorded_at))
        )
        for row in rows:
            found.setdefault(row.member_id, []).append(row)
    return found


async def dropouts(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    region: str | None,
    year: int,
    page: int,
    page_size: int,
) -> DropoutPage:
    """Members 6–15 on 1 September of `year` whom the registry records as not enrolled, read in one bulk
    stream with the caller's token, less those whose latest follow-up is a return to school. The registry
    picks the school-age members from their birth dates, which roles that see only ages cannot: every role
    gets the same children for the same scope."""
    children = [
        (household, member)
        async for household in registry.stream(
            region=region or principal.region, categories=(), token=principal.token, school_age_in=year
        )
        for member in household["members"]
        if member["school_stage"] == SchoolStage.none
    ]
    follow_ups = await _follow_ups(session, principal, [uuid.UUID(m["id"]) for _, m in children])
    listed = []
    for household, member in children:
        done = follow_ups.get(uuid.UUID(member["id"]), [])
        if guarantee_rules.still_out([f.action for f in done]):
            listed.append(
                DropoutPublic(
                    member_id=member["id"],
                    member_name=member["name"],
                    household_id=household["id"],
                    household_number=household["number"],
                    region_code=household["region_code"],
                    age=member["age"],
                    school_stage=member["school_stage"],
                    follow_ups=[follow_up_public(f) for f in done],
                )
            )
    start = (page - 1) * page_size
    return DropoutPage(
        items=listed[start : start + page_size], total=len(listed), page=page, page_size=page_size, year=year
    )


async def record_follow_up(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: FollowUpCreate,
    now: datetime,
) -> FollowUpPublic:
    """What was done for a child out of school (送学上门, a return, an exemption), by a member in scope."""
    if data.on > now.date():
        raise Invalid.field("on", "跟进日期不能晚于今天")
    person = await _person(registry, principal, data)
    row = DropoutFollowUp(
        **_recorded(principal, person, now), action=data.action, note=data.note, followed_on=data.on
    )
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=row.region_code,
        action="dropout_follow_up.create",
        entity="dropout_follow_up",
        entity_id=str(row.id),
        after={"member_id": str(row.member_id), "action": row.action, "on": row.followed_on.isoformat()},
    )
    return follow_up_public(row)


# --- medical insurance --------------------------------------------------------------------------------


def insurance_public(row: InsuranceRecord) -> InsurancePublic:
    return InsurancePublic.model_validate({**row.model_dump(), "recorded_at": aware(row.recorded_at)})


def _insurance_terms(row: InsuranceRecord) -> dict[str, Any]:
    return {
        "enrolled": row.enrolled,
        "premium_fen": row.premium_fen,
        "paid_on_behalf_fen": row.paid_on_behalf_fen,
    }


async def record_insurance(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: InsuranceIn, now: datetime
) -> tuple[InsurancePublic, bool]:
    """A member's enrolment and premium for a year; a second record for the year corrects the first
    (audited with both). True when the year had none."""
    if refusal := guarantee_rules.insurance_refusal(data.enrolled, data.premium_fen, data.paid_on_behalf_fen):
        raise Invalid.field(*refusal)
    person = await _person(registry, principal, data)
    row = (
        await session.exec(
            select(InsuranceRecord).where(
                InsuranceRecord.member_id == person.member.id, InsuranceRecord.year == data.year
            )
        )
    ).first()
    before = None if row is None else _insurance_terms(row)
    terms = {
        "enrolled": data.enrolled,
        "premium_fen": data.premium_fen,
        "paid_on_behalf_fen": data.paid_on_behalf_fen,
    }
    if row is None:
        row = InsuranceRecord(**_recorded(principal, person, now), year=data.year, **terms)
    else:
        for name, value in {**_recorded(principal, person, now), **terms}.items():
            setattr(row, name, value)
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=row.region_code,
        action="insurance.set",
        entity="medical_insurance",
        entity_id=str(row.id),
        before=before,
        after={"member_id": str(row.member_id), "year": row.year, **_insurance_terms(row)},
    )
    return insurance_public(row), before is None


# --- reimbursement floors -----------------------------------------------------------------------------


def reimbursement_public(row: Reimbursement) -> ReimbursementPublic:
    return ReimbursementPublic.model_validate({**row.model_dump(), "recorded_at": aware(row.recorded_at)})


async def record_reimbursement(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: ReimbursementIn,
    now: datetime,
) -> ReimbursementPublic:
    """Keep a reimbursement with its check against the year's floor; a shortfall raises an alert on the
    household (one open alert at a time, as every alert)."""
    if data.reimbursed_fen > data.eligible_cost_fen:
        raise Invalid.field("reimbursed_fen", "报销金额不能超过政策范围内费用")
    person = await _person(registry, principal, data)
    limits = await thresholds_for(session, year=data.year)
    check = guarantee_rules.reimbursement_check(
        data.eligible_cost_fen, data.reimbursed_fen, guarantee_rules.floor_bp(data.kind, limits)
    )
    row = Reimbursement(
        **_recorded(principal, person, now),
        year=data.year,
        kind=data.kind,
        eligible_cost_fen=data.eligible_cost_fen,
        reimbursed_fen=data.reimbursed_fen,
        floor_bp=check.floor_bp,
        ratio_bp=check.ratio_bp,
        shortfall_fen=check.shortfall_fen,
    )
    session.add(row)
    await session.flush()
    if check.short:
        finding = rules.Finding(
            AlertKind.reimbursement_shortfall, _shortfall_reason(person, data.kind, check)
        )
        raised = await raise_alerts(
            session,
            principal=principal,
            findings=[(person.household, finding, check.shortfall_fen)],
            origin=REIMBURSEMENT_ORIGIN,
            year=data.year,
            now=now,
        )
        row.alert_id = raised[0].id if raised else None
        session.add(row)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=row.region_code,
        action="reimbursement.create",
        entity="reimbursement",
        entity_id=str(row.id),
        after={"member_id": str(row.member_id), "kind": row.kind, "ratio_bp": row.ratio_bp},
    )
    return reimbursement_public(row)


def _shortfall_reason(person: members.Person, kind: CareKind, check: guarantee_rules.FloorCheck) -> str:
    return (
        f"{person.member.name}{kind.label}报销比例 {check.ratio_bp / 100:.2f}%，"
        f"低于 {check.floor_bp / 100:g}%，差 {format_yuan(check.shortfall_fen)} 元"
    )


# --- lists --------------------------------------------------------------------------------------------


async def search(
    session: AsyncSession,
    model: type[InsuranceRecord] | type[Reimbursement],
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    year: int | None,
    page: int,
    page_size: int,
) -> tuple[list[Any], int]:
    """A household's (or the scope's) insurance or reimbursement records, newest year first."""
    statement: Any = narrowed(select(model), model.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(model.household_id == household_id)
    if year is not None:
        statement = statement.where(model.year == year)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(
            col(model.year).desc(),
            col(model.region_code),
            col(model.household_number),
            col(model.recorded_at),
        )
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    present = insurance_public if model is InsuranceRecord else reimbursement_public
    return [present(r) for r in rows], int(total)
