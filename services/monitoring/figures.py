"""The year's figures of monitoring that officials are assessed on (seed §六(五)), per village and per
person, for the gateway's assessment: visits, decisions within the time limit, notices, overdue measures.
Counted from the records, never typed in; scoped to the caller like every read."""

from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.dependencies import NowDep
from services.monitoring.models import AssistancePlan, MonitoringCase, PlanMeasure, Visit
from shared.auth import Principal, require_roles
from shared.db import SessionDep
from shared.roles import ASSESSORS
from shared.scope import narrowed
from shared.vocabulary.monitoring import CaseStatus, MeasureStatus

figures_router = APIRouter(prefix="/api/v1/monitoring", tags=["assessment"])
Assessor = Annotated[Principal, Depends(require_roles(*ASSESSORS))]
# Households the village follows closely: under monitoring or being assisted (visited at least monthly).
FOLLOWED = (CaseStatus.confirmed, CaseStatus.assisting)


class VillageFigures(BaseModel):
    village_code: str
    followed_households: int = Field(default=0, description="households under monitoring or being assisted")
    visits: int = 0
    cases_decided: int = Field(default=0, description="cases decided (confirmed or rejected) in the year")
    cases_decided_on_time: int = Field(default=0, description="of them, decided by their decision date")
    cases_past_due: int = Field(default=0, description="cases still undecided past their decision date")
    notices_published: int = 0
    notices_on_time: int = Field(default=0, description="published by the case's decision date")
    measures_overdue: int = Field(default=0, description="plan measures past their due date and not done")


class PersonFigures(BaseModel):
    username: str
    display_name: str | None = Field(description="as the assistance plans name the 帮扶责任人")
    visits: int = Field(default=0, description="every visit they recorded (a work team's, a 第一书记's)")
    responsible_visits: int = Field(
        default=0, description="their visits to the households whose plan names them 帮扶责任人"
    )
    households_responsible: int = Field(default=0, description="households whose plan names them 帮扶责任人")
    measures_overdue: int = 0


class MonitoringFigures(BaseModel):
    year: int
    villages: list[VillageFigures]
    people: list[PersonFigures]


def on_time(done_at: datetime | None, due_at: datetime) -> bool:
    """Done, and no later than the date it was due."""
    return done_at is not None and done_at <= due_at


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


async def monitoring_figures(
    session: AsyncSession, *, principal: Principal, year: int, region: str | None, now: datetime
) -> MonitoringFigures:
    start, end = _year_bounds(year)
    today = min(now.date(), date(year, 12, 31))
    village: dict[str, Counter[str]] = {}

    def count(code: str, figure: str, by: int = 1) -> None:
        village.setdefault(code, Counter())[figure] += by

    cases = await session.exec(
        narrowed(select(MonitoringCase), MonitoringCase.region_code, principal, region)
    )
    for case in cases:
        village.setdefault(case.region_code, Counter())
        if case.status in FOLLOWED:
            count(case.region_code, "followed_households")
        if case.decided_at is not None and start <= case.decided_at < end:
            count(case.region_code, "cases_decided")
            count(case.region_code, "cases_decided_on_time", on_time(case.decided_at, case.decision_due_at))
        elif case.decided_at is None and case.decision_due_at < min(now, end):
            count(case.region_code, "cases_past_due")
        if case.notice_starts_at is not None and start <= case.notice_starts_at < end:
            count(case.region_code, "notices_published")
            count(case.region_code, "notices_on_time", on_time(case.notice_starts_at, case.decision_due_at))

    person: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    plans = await session.exec(
        narrowed(select(AssistancePlan), AssistancePlan.region_code, principal, region)
    )
    plan_owner: dict[object, tuple[str, str]] = {}
    responsible: dict[object, str] = {}  # household → its 帮扶责任人
    for plan in plans:
        names[plan.responsible_username] = plan.responsible_display_name
        person.setdefault(plan.responsible_username, Counter())["households_responsible"] += 1
        plan_owner[plan.id] = (plan.region_code, plan.responsible_username)
        responsible[plan.household_id] = plan.responsible_username

    visits = await session.exec(
        narrowed(
            select(Visit.region_code, Visit.visitor, Visit.household_id), Visit.region_code, principal, region
        ).where(col(Visit.visited_on) >= date(year, 1, 1), col(Visit.visited_on) <= date(year, 12, 31))
    )
    for code, visitor, household_id in visits:
        count(code, "visits")
        person.setdefault(visitor, Counter())["visits"] += 1
        # A 帮扶责任人 is assessed on the households in their charge, not on every door they knock on.
        person[visitor]["responsible_visits"] += responsible.get(household_id) == visitor
    if plan_owner:
        overdue = await session.exec(
            select(PlanMeasure.plan_id).where(
                col(PlanMeasure.plan_id).in_(plan_owner),
                col(PlanMeasure.due_on) < today,
                PlanMeasure.status != MeasureStatus.done,
            )
        )
        for plan_id in overdue:
            code, username = plan_owner[plan_id]
            count(code, "measures_overdue")
            person[username]["measures_overdue"] += 1

    return MonitoringFigures(
        year=year,
        villages=[VillageFigures(village_code=code, **figures) for code, figures in sorted(village.items())],
        people=[
            PersonFigures(username=name, display_name=names.get(name), **figures)
            for name, figures in sorted(person.items())
        ],
    )


@figures_router.get("/figures", response_model=MonitoringFigures)
async def read_figures(
    session: SessionDep,
    principal: Assessor,
    now: NowDep,
    year: Annotated[int, Query(ge=2013, le=2100)],
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
) -> MonitoringFigures:
    """The year's assessed figures per village and per person, in the caller's scope (read by the
    gateway's `/api/v1/assessments`)."""
    return await monitoring_figures(session, principal=principal, year=year, region=region, now=now)
