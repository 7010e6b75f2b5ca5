"""The year's payment figures officials are assessed on (seed §六(五) 资金兑付): per village, the lines sent
to the bank and those settled with no open discrepancy. Counted from the lines, never typed in; scoped."""

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.models import BankDiscrepancy, Batch, Line
from shared.auth import Principal, require_roles
from shared.db import SessionDep
from shared.roles import ASSESSORS
from shared.scope import narrowed
from shared.vocabulary.payments import BatchStatus, LineStatus

figures_router = APIRouter(prefix="/api/v1/payments", tags=["assessment"])
Assessor = Annotated[Principal, Depends(require_roles(*ASSESSORS))]
SENT_BATCHES = (BatchStatus.disbursing, BatchStatus.completed)
SETTLED = (LineStatus.paid, LineStatus.failed, LineStatus.returned)


class VillagePaymentFigures(BaseModel):
    village_code: str
    lines_sent: int = Field(description="lines of the year's batches sent to the bank")
    lines_reconciled: int = Field(description="of them, with the bank's final answer and no open discrepancy")


class PaymentFigures(BaseModel):
    year: int
    villages: list[VillagePaymentFigures]


async def payment_figures(
    session: AsyncSession, *, principal: Principal, year: int, region: str | None
) -> PaymentFigures:
    open_lines = select(BankDiscrepancy.line_id).where(col(BankDiscrepancy.resolved_at).is_(None))
    rows = await session.exec(
        narrowed(select(Line.region_code, Line.status, Line.id), Line.region_code, principal, region)
        .join(Batch, col(Batch.id) == Line.batch_id)
        .where(Batch.year == year, col(Batch.status).in_(SENT_BATCHES))
    )
    disputed = set((await session.exec(open_lines)).all())
    sent: Counter[str] = Counter()
    reconciled: Counter[str] = Counter()
    for code, status, line_id in rows:
        sent[code] += 1
        reconciled[code] += status in SETTLED and line_id not in disputed
    return PaymentFigures(
        year=year,
        villages=[
            VillagePaymentFigures(village_code=code, lines_sent=n, lines_reconciled=reconciled[code])
            for code, n in sorted(sent.items())
        ],
    )


@figures_router.get("/figures", response_model=PaymentFigures)
async def read_figures(
    session: SessionDep,
    principal: Assessor,
    year: Annotated[int, Query(ge=2013, le=2100)],
    region: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$")] = None,
) -> PaymentFigures:
    """The year's payment lines sent and reconciled per village in the caller's scope (read by the
    gateway's `/api/v1/assessments`)."""
    return await payment_figures(session, principal=principal, year=year, region=region)
