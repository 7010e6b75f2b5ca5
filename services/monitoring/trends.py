"""Cases per month for the dashboard's chart: opened, closed, and the median days from discovery to the
township's decision; counted from the records in the caller's scope, months in Beijing time."""

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from services.monitoring.dependencies import NowDep, Reader
from services.monitoring.models import CaseStep, MonitoringCase
from services.monitoring.schemas import REGION_CODE
from shared.db import SessionDep
from shared.months import MonthsQuery, first_moment, last_months, month_of
from shared.scope import narrowed
from shared.vocabulary.monitoring import CLOSED_STATUSES

trends_router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


class CaseMonth(BaseModel):
    month: str = Field(description="YYYY-MM, Beijing time")
    opened: int = Field(description="cases discovered in the month")
    closed: int = Field(description="cases that ended in the month (risk eliminated or rejected)")
    decided: int = Field(description="cases the township decided in the month")
    median_days_to_decision: float | None = Field(description="of those, the median days from discovery")


class CaseTrend(BaseModel):
    months: list[CaseMonth]


def case_months(
    months: list[str],
    opened: list[datetime],
    closed: list[datetime],
    decisions: list[tuple[datetime, datetime]],
) -> list[CaseMonth]:
    """The per-month figures from when cases were discovered, closed and decided (discovered, decided)."""
    count_opened = defaultdict(int, _counts(opened))
    count_closed = defaultdict(int, _counts(closed))
    waits: dict[str, list[float]] = defaultdict(list)
    for discovered, decided in decisions:
        waits[month_of(decided)].append((decided - discovered).total_seconds() / 86_400)
    return [
        CaseMonth(
            month=month,
            opened=count_opened[month],
            closed=count_closed[month],
            decided=len(waits[month]),
            median_days_to_decision=round(median(waits[month]), 1) if waits[month] else None,
        )
        for month in months
    ]


def _counts(moments: list[datetime]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for moment in moments:
        counts[month_of(moment)] += 1
    return counts


@trends_router.get("/stats/cases", response_model=CaseTrend)
async def case_trend(
    session: SessionDep,
    principal: Reader,
    now: NowDep,
    months: MonthsQuery = 12,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
) -> CaseTrend:
    """Cases opened and closed per month, and their median days to decision, for the caller's scope."""
    keys = last_months(now, months)
    start = first_moment(keys[0])
    cases = narrowed(
        select(MonitoringCase.discovered_at, MonitoringCase.decided_at),
        MonitoringCase.region_code,
        principal,
        region,
    ).where((col(MonitoringCase.discovered_at) >= start) | (col(MonitoringCase.decided_at) >= start))
    rows = (await session.exec(cases)).all()
    ends = narrowed(
        select(CaseStep.at).join(MonitoringCase, col(MonitoringCase.id) == col(CaseStep.case_id)),
        MonitoringCase.region_code,
        principal,
        region,
    ).where(col(CaseStep.to_status).in_(CLOSED_STATUSES), col(CaseStep.at) >= start)
    closed = list((await session.exec(ends)).all())
    return CaseTrend(
        months=case_months(
            keys,
            [discovered for discovered, _ in rows],
            closed,
            [(discovered, decided) for discovered, decided in rows if decided is not None],
        )
    )
