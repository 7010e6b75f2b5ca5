"""The yearly monitoring figures (income line, rigid-spending and medical thresholds, notice and decision
days, microcredit bounds and subsidy rate)."""

from dataclasses import asdict
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import rules
from services.monitoring.models import Threshold, audit_log
from services.monitoring.schemas import ThresholdsIn, ThresholdsPublic
from shared import audit
from shared.auth import Principal
from shared.regions import BANNER_CODE


async def _row_for(session: AsyncSession, year: int) -> Threshold | None:
    """The year's own figures, or the latest earlier year's (figures carry over until the banner sets new)."""
    statement = select(Threshold).where(Threshold.year <= year).order_by(col(Threshold.year).desc()).limit(1)
    return (await session.exec(statement)).first()


def _values(row: Threshold | None) -> rules.Thresholds:
    if row is None:
        return rules.DEFAULT_THRESHOLDS
    return rules.Thresholds(**_snapshot(row))


async def thresholds_for(session: AsyncSession, *, year: int) -> rules.Thresholds:
    return _values(await _row_for(session, year))


async def read(session: AsyncSession, *, year: int) -> ThresholdsPublic:
    row = await _row_for(session, year)
    values = _values(row)
    return ThresholdsPublic(
        year=year,
        **asdict(values),
        is_set=row is not None and row.year == year,
        source_year=row.year if row else None,
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
    )


async def write(
    session: AsyncSession, *, principal: Principal, year: int, data: ThresholdsIn, now: datetime
) -> ThresholdsPublic:
    """Set a year's figures (banner only); the change is audited with before and after."""
    row = await session.get(Threshold, year)
    before = None if row is None else _snapshot(row)
    if row is None:
        row = Threshold(year=year, updated_by=principal.subject, updated_at=now, **data.model_dump())
    else:
        for name, value in data.model_dump().items():
            setattr(row, name, value)
        row.updated_by, row.updated_at = principal.subject, now
    session.add(row)
    await session.flush()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=BANNER_CODE,
        action="thresholds.set",
        entity="thresholds",
        entity_id=str(year),
        before=before,
        after=_snapshot(row),
    )
    return await read(session, year=year)


def _snapshot(row: Threshold) -> dict[str, int]:
    return {name: getattr(row, name) for name in ThresholdsIn.model_fields}


async def seed_thresholds(session: AsyncSession) -> int:
    """Demo data: the current year's figures if none are set (7,000 yuan line; 2021 baseline was 6,000)."""
    now = datetime.now(UTC)
    year = now.year
    if await session.get(Threshold, year) is not None:
        return 0
    figures = ThresholdsIn(income_line_fen=700_000, rigid_expenditure_fen=1_000_000)
    session.add(
        Threshold(
            year=year,
            **figures.model_dump(),
            updated_by="demo-seed",
            updated_at=now,
        )
    )
    await session.flush()
    return 1
