"""Housing and drinking water per household (seed §五(一)2 住房安全、饮水安全): a dangerous house's renovation
(危房改造) and a drinking-water problem with its fix, recorded by the village, the tiers above and the
departments (住建, 水利) within their scope. An accepted renovation or a fix done puts the household's
housing or water back to secure on its registry record through the outbox, as a visit's findings go."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import guarantee_rules
from services.monitoring.clients import RegistryClient, RegistryHousehold
from services.monitoring.deliveries import GUARANTEES
from services.monitoring.housing_water_schemas import (
    RenovationCreate,
    RenovationPublic,
    RenovationUpdate,
    WaterFixCreate,
    WaterFixPublic,
    WaterFixUpdate,
)
from services.monitoring.models import HousingRenovation, WaterFix, audit_log, aware, outbox
from shared import audit
from shared import outbox as outbox_module
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.scope import fetch_in_scope, narrowed, scoped

Record = HousingRenovation | WaterFix


def renovation_public(row: HousingRenovation, today: date) -> RenovationPublic:
    status = guarantee_rules.renovation_status(row.started_on, row.completed_on, row.accepted_on)
    due_on = guarantee_rules.renovation_due_on(row.assessed_on, row.started_on, row.accepted_on)
    return RenovationPublic.model_validate(
        {**row.model_dump(), "status": status, **_due(due_on, today), **_times(row)}
    )


def water_fix_public(row: WaterFix, today: date) -> WaterFixPublic:
    due_on = guarantee_rules.water_fix_due_on(row.found_on, row.done_on)
    return WaterFixPublic.model_validate(
        {**row.model_dump(), "done": row.done_on is not None, **_due(due_on, today), **_times(row)}
    )


def _due(due_on: date | None, today: date) -> dict[str, Any]:
    return {"due_on": due_on, "overdue": due_on is not None and due_on < today}


def _times(row: Record) -> dict[str, datetime]:
    return {"recorded_at": aware(row.recorded_at), "updated_at": aware(row.updated_at)}


async def get_renovation(
    session: AsyncSession, *, principal: Principal, renovation_id: uuid.UUID
) -> HousingRenovation:
    statement = scoped(select(HousingRenovation), HousingRenovation.region_code, principal)
    return await fetch_in_scope(
        session, statement.where(HousingRenovation.id == renovation_id), what="renovation"
    )


async def get_water_fix(session: AsyncSession, *, principal: Principal, fix_id: uuid.UUID) -> WaterFix:
    statement = scoped(select(WaterFix), WaterFix.region_code, principal)
    return await fetch_in_scope(session, statement.where(WaterFix.id == fix_id), what="water fix")


async def _household(
    registry: RegistryClient, principal: Principal, household_id: uuid.UUID
) -> RegistryHousehold:
    household = await registry.household(token=principal.token, household_id=household_id)
    if household is None:
        raise Invalid.field("household_id", "该户不存在或不在您的管辖范围内")
    return household


async def _insert(
    session: AsyncSession,
    model: type[Record],
    *,
    household: RegistryHousehold,
    data: RenovationCreate | WaterFixCreate,
    principal: Principal,
    now: datetime,
    already: Conflict,
) -> Record:
    """A new record of `household`, as recorded by `principal` now; the database's partial unique index turns
    away the second of two requests that both found no open record for the household, with the conflict the
    check before it gives."""
    row = model(
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        head_name=household.head_name,
        recorded_by=principal.subject,
        recorded_at=now,
        updated_at=now,
        **data.model_dump(exclude={"household_id"}),
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise already from None
    return row


def _refuse_steps(steps: list[tuple[str, Any]], now: datetime) -> None:
    if refusal := guarantee_rules.steps_refusal(steps, now.date()):
        raise Invalid.field(*refusal)


async def _secure_again(session: AsyncSession, row: Record, flag: str, key: str) -> None:
    """Put the household's housing or water back to secure on its registry record, once."""
    await outbox_module.enqueue(
        session,
        outbox,
        topic=GUARANTEES,
        payload={"household_id": str(row.household_id), flag: True},
        idempotency_key=key,
    )


async def _audit(
    session: AsyncSession, principal: Principal, row: Record, action: str, **change: Any
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=row.region_code,
        action=action,
        entity=row.__tablename__,
        entity_id=str(row.id),
        **change,
    )


# --- 危房改造 -------------------------------------------------------------------------------------------


def _renovation_steps(row: HousingRenovation | RenovationCreate) -> list[tuple[str, Any]]:
    return [
        ("assessed_on", row.assessed_on),
        ("started_on", row.started_on),
        ("completed_on", getattr(row, "completed_on", None)),
        ("accepted_on", getattr(row, "accepted_on", None)),
    ]


async def record_renovation(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: RenovationCreate,
    now: datetime,
) -> RenovationPublic:
    """A dangerous house appraised and its renovation planned; a household has one unaccepted at a time."""
    _refuse_steps(_renovation_steps(data), now)
    household = await _household(registry, principal, data.household_id)
    already = Conflict("该户已有尚未验收的危房改造，请在原记录上登记进度")
    open_one = await session.exec(
        select(HousingRenovation.id).where(
            HousingRenovation.household_id == household.id, col(HousingRenovation.accepted_on).is_(None)
        )
    )
    if open_one.first() is not None:
        raise already
    row = await _insert(
        session,
        HousingRenovation,
        household=household,
        data=data,
        principal=principal,
        now=now,
        already=already,
    )
    public = renovation_public(row, now.date())
    await _audit(session, principal, row, "renovation.create", after=public.model_dump(mode="json"))
    return public


async def update_renovation(
    session: AsyncSession,
    *,
    principal: Principal,
    row: HousingRenovation,
    data: RenovationUpdate,
    now: datetime,
) -> RenovationPublic:
    """Record the steps since (start, completion, acceptance); a date once set stays, an accepted
    renovation is closed. Acceptance names who accepted and makes the household's housing secure."""
    if row.accepted_on is not None:
        raise Conflict(f"该危房改造已于{row.accepted_on}验收，不能再更改")
    changes = data.model_dump(exclude_none=True)
    if set_before := [name for name in changes if name != "accepted_by" and getattr(row, name) is not None]:
        raise Invalid.field(set_before[0], "该日期已登记，不能更改")
    if "accepted_on" in changes and not data.accepted_by:
        raise Invalid.field("accepted_by", "验收须写明验收单位或验收人")
    if "accepted_by" in changes and "accepted_on" not in changes:
        raise Invalid.field("accepted_on", "请填写验收日期")
    before = {name: getattr(row, name) for name in changes}
    for name, value in changes.items():
        setattr(row, name, value)
    _refuse_steps(_renovation_steps(row), now)
    row.updated_at = now
    session.add(row)
    await session.flush()
    if row.accepted_on is not None:
        await _secure_again(session, row, "housing_secure", f"monitoring-renovation-{row.id}-accepted")
    await _audit(
        session,
        principal,
        row,
        "renovation.update",
        before={k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in before.items()},
        after=data.model_dump(mode="json", exclude_none=True),
    )
    return renovation_public(row, now.date())


# --- 饮水安全 -------------------------------------------------------------------------------------------


def _water_steps(row: WaterFix | WaterFixCreate) -> list[tuple[str, Any]]:
    return [
        ("found_on", row.found_on),
        ("started_on", row.started_on),
        ("done_on", getattr(row, "done_on", None)),
    ]


async def record_water_fix(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    data: WaterFixCreate,
    now: datetime,
) -> WaterFixPublic:
    """A household's drinking-water problem and the fix planned; one open fix per household and problem."""
    _refuse_steps(_water_steps(data), now)
    household = await _household(registry, principal, data.household_id)
    open_one = await session.exec(
        select(WaterFix.id).where(
            WaterFix.household_id == household.id,
            WaterFix.problem == data.problem,
            col(WaterFix.done_on).is_(None),
        )
    )
    already = Conflict(f"该户的“{data.problem.label}”问题已有尚未完成的整改，请在原记录上登记进度")
    if open_one.first() is not None:
        raise already
    row = await _insert(
        session,
        WaterFix,
        household=household,
        data=data,
        principal=principal,
        now=now,
        already=already,
    )
    public = water_fix_public(row, now.date())
    await _audit(session, principal, row, "water_fix.create", after=public.model_dump(mode="json"))
    return public


async def update_water_fix(
    session: AsyncSession, *, principal: Principal, row: WaterFix, data: WaterFixUpdate, now: datetime
) -> WaterFixPublic:
    """The fix started or done; done makes the household's water secure, and closes the record."""
    if row.done_on is not None:
        raise Conflict(f"该饮水问题已于{row.done_on}整改完成，不能再更改")
    changes = data.model_dump(exclude_none=True)
    if set_before := [name for name in changes if getattr(row, name) is not None]:
        raise Invalid.field(set_before[0], "该日期已登记，不能更改")
    for name, value in changes.items():
        setattr(row, name, value)
    _refuse_steps(_water_steps(row), now)
    row.updated_at = now
    session.add(row)
    await session.flush()
    if row.done_on is not None:
        await _secure_again(session, row, "water_secure", f"monitoring-water-fix-{row.id}-done")
    await _audit(
        session, principal, row, "water_fix.update", after=data.model_dump(mode="json", exclude_none=True)
    )
    return water_fix_public(row, now.date())


# --- lists ----------------------------------------------------------------------------------------------

# Each list: the step that closes a record, the day it begins, and how it is shown.
LISTED: dict[type[Record], tuple[Any, Any, Any]] = {
    HousingRenovation: (HousingRenovation.accepted_on, HousingRenovation.assessed_on, renovation_public),
    WaterFix: (WaterFix.done_on, WaterFix.found_on, water_fix_public),
}


def _overdue(model: type[Record], today: date) -> Any:
    """The open records whose next step is past its due day, as `guarantee_rules` counts it, in SQL."""
    days = guarantee_rules.FOLLOW_UP
    if model is HousingRenovation:
        started = col(HousingRenovation.started_on)
        return and_(
            col(HousingRenovation.accepted_on).is_(None),
            or_(
                and_(
                    started.is_(None),
                    col(HousingRenovation.assessed_on) < today - timedelta(days=days.renovation_start),
                ),
                # true or false, never NULL, so that `overdue=false` keeps the rest
                and_(started.is_not(None), started < today - timedelta(days=days.renovation_acceptance)),
            ),
        )
    found = col(WaterFix.found_on)
    return and_(col(WaterFix.done_on).is_(None), found < today - timedelta(days=days.water_fix))


async def search(
    session: AsyncSession,
    model: type[HousingRenovation] | type[WaterFix],
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    closed: bool | None,
    overdue: bool | None,
    page: int,
    page_size: int,
    today: date,
) -> tuple[list[Any], int]:
    """Renovations or water fixes in the caller's scope (only the closed ones — accepted, done — or only
    the open ones, when asked; only those overdue, or none of them, when asked), newest first."""
    statement: Any = narrowed(select(model), model.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(model.household_id == household_id)
    closing, first_day, present = LISTED[model]
    if closed is not None:
        statement = statement.where(col(closing).is_not(None) if closed else col(closing).is_(None))
    if overdue is not None:
        late = _overdue(model, today)
        statement = statement.where(late if overdue else ~late)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(first_day).desc(), col(model.household_number), col(model.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [present(r, today) for r in rows], int(total)
