"""What monitoring knows of each household of a region, for the village roster (走访花名册): the last visit,
how many, the case still open and the open alerts — three grouped queries, scoped to the caller."""

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.models import Alert, MonitoringCase, Visit
from services.monitoring.schemas import HouseholdActivity
from shared.auth import Principal
from shared.scope import narrowed
from shared.vocabulary.monitoring import AlertStatus


async def household_activity(
    session: AsyncSession, *, principal: Principal, region: str | None
) -> list[HouseholdActivity]:
    """One row per household monitoring has seen in the region (visited, in a case or alerted)."""
    visits = await session.exec(
        narrowed(
            select(Visit.household_id, func.max(Visit.visited_on), func.count()),
            Visit.region_code,
            principal,
            region,
        ).group_by(col(Visit.household_id))
    )
    cases = await session.exec(
        narrowed(
            select(MonitoringCase.household_id, MonitoringCase.id, MonitoringCase.status),
            MonitoringCase.region_code,
            principal,
            region,
        ).where(col(MonitoringCase.active_household_id).is_not(None))
    )
    alerts = await session.exec(
        narrowed(select(Alert.household_id, func.count()), Alert.region_code, principal, region)
        .where(Alert.status == AlertStatus.open)
        .group_by(col(Alert.household_id))
    )
    rows: dict[uuid.UUID, dict[str, object]] = {}

    def row(household_id: uuid.UUID) -> dict[str, object]:
        return rows.setdefault(household_id, {"household_id": household_id})

    for household_id, last, count in visits:
        row(household_id).update(last_visited_on=_day(last), visits=count)
    for household_id, case_id, status in cases:
        row(household_id).update(open_case_id=case_id, open_case_status=status)
    for household_id, count in alerts:
        row(household_id)["open_alerts"] = count
    return [HouseholdActivity.model_validate(r) for r in rows.values()]


def _day(value: date | str) -> date:
    """SQLite's max() of a date column answers its text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
