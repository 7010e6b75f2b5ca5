"""The banner's register of village work teams (驻村工作队): whether a village's review needs the team's
signature as well as the committee's."""

from datetime import UTC, date, datetime, time

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.clients import RegistryClient
from services.monitoring.models import WorkTeam, audit_log
from services.monitoring.schemas import WorkTeamIn, WorkTeamPublic
from shared import audit
from shared.auth import Principal
from shared.errors import Invalid
from shared.scope import narrowed


def _active_on(day: date) -> object:
    return (col(WorkTeam.dispatched_on) <= day) & or_(
        col(WorkTeam.withdrawn_on).is_(None), col(WorkTeam.withdrawn_on) > day
    )


async def on_record(session: AsyncSession, *, village_code: str, day: date) -> bool:
    """The village has a work team dispatched and not withdrawn on `day`."""
    statement = select(WorkTeam.village_code).where(WorkTeam.village_code == village_code, _active_on(day))
    return (await session.exec(statement)).first() is not None


async def search(session: AsyncSession, *, principal: Principal, region: str | None) -> list[WorkTeamPublic]:
    """The work teams on record in the caller's scope, by village."""
    statement = narrowed(select(WorkTeam), WorkTeam.village_code, principal, region)
    rows = await session.exec(statement.order_by(col(WorkTeam.village_code)))
    return [WorkTeamPublic.model_validate(row, from_attributes=True) for row in rows]


async def record(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    village_code: str,
    data: WorkTeamIn,
    now: datetime,
) -> WorkTeamPublic:
    """Record (or update) the team the banner dispatched to a village, and its withdrawal."""
    if not await registry.is_village(token=principal.token, code=village_code):
        raise Invalid.field("village_code", "不是已登记的嘎查村")
    if data.withdrawn_on is not None and data.withdrawn_on < data.dispatched_on:
        raise Invalid.field("withdrawn_on", "撤回日期不能早于派驻日期")
    row = await session.get(WorkTeam, village_code)
    before = WorkTeamPublic.model_validate(row, from_attributes=True).model_dump(mode="json") if row else None
    row = row or WorkTeam(village_code=village_code, updated_by="", updated_at=now, **data.model_dump())
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = principal.subject, now
    session.add(row)
    await session.flush()
    public = WorkTeamPublic.model_validate(row, from_attributes=True)
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=village_code,
        action="work_team.record",
        entity="work_team",
        entity_id=village_code,
        before=before,
        after=public.model_dump(mode="json"),
    )
    return public


# The demo villages whose work team is on record: 阿斯尔嘎查, where the demo work-team account signs.
DEMO_WORK_TEAMS = {"150625100201": "王海"}
DEMO_DISPATCHED_ON = date(2021, 6, 1)


async def seed_work_teams(session: AsyncSession) -> int:
    """Record the demo villages' work teams that are not on record yet; returns how many were added."""
    added = 0
    for village_code, leader in DEMO_WORK_TEAMS.items():
        if await session.get(WorkTeam, village_code) is None:
            session.add(
                WorkTeam(
                    village_code=village_code,
                    leader_name=leader,
                    dispatched_on=DEMO_DISPATCHED_ON,
                    updated_by="demo-seed",
                    updated_at=datetime.combine(DEMO_DISPATCHED_ON, time(), tzinfo=UTC),
                )
            )
            added += 1
    await session.flush()
    return added
