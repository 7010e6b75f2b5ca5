"""Money paid per month by kind for the dashboard's chart: the lines the bank reported paid, by the month
they were marked paid (Beijing time), in the caller's scope."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, func, select

from services.payments.dependencies import Reader
from services.payments.models import Batch, Line
from services.payments.schemas import REGION_CODE
from shared.db import SessionDep
from shared.months import MonthsQuery, first_moment, last_months, month_of
from shared.scope import narrowed
from shared.vocabulary.payments import LineStatus

trends_router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


class PaidMonth(BaseModel):
    month: str = Field(description="YYYY-MM, Beijing time")
    by_kind: dict[str, int] = Field(description="fen paid per payment kind (kinds with none left out)")
    total_fen: int


class PaidTrend(BaseModel):
    months: list[PaidMonth]


def paid_months(months: list[str], paid: list[tuple[datetime, str, int]]) -> list[PaidMonth]:
    """The per-month sums from (when paid, kind, fen) rows; months with nothing paid answer zero."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for moment, kind, fen in paid:
        sums[month_of(moment)][kind] += fen
    return [
        PaidMonth(month=month, by_kind=dict(sums[month]), total_fen=sum(sums[month].values()))
        for month in months
    ]


@trends_router.get("/stats/paid", response_model=PaidTrend)
async def paid_trend(
    session: SessionDep,
    principal: Reader,
    months: MonthsQuery = 12,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
) -> PaidTrend:
    """Money paid per month by kind in the caller's scope."""
    keys = last_months(datetime.now(UTC), months)
    statement = narrowed(
        select(Line.updated_at, Batch.kind, func.sum(Line.amount_fen))
        .join(Batch, col(Batch.id) == col(Line.batch_id))
        .where(Line.status == LineStatus.paid, col(Line.updated_at) >= first_moment(keys[0]))
        .group_by(Line.updated_at, Batch.kind),
        Line.region_code,
        principal,
        region,
    )
    rows = (await session.exec(statement)).all()
    return PaidTrend(months=paid_months(keys, [(at, kind, int(fen)) for at, kind, fen in rows]))
