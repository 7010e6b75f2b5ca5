"""Bank discrepancies: what is held while one is open, how they are listed (in the caller's scope) and how a
banner official resolves one.

A bank that reports `paid` for a line held as failed may have moved the money: paying the entitlement
again in a new batch would pay it twice. So a line under an open discrepancy holds its entitlement like a
live line, until the official settles what happened: `paid` (the line becomes paid, or, when another line
holds the entitlement already, the amount paid twice is recorded for recovery) or `not_paid` (the line is
failed and the entitlement is free again).
"""

import uuid

from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.bank import audit_change, live_twin, move_line
from services.payments.models import BankDiscrepancy, Line, utcnow
from services.payments.rules import LIVE_LINE_STATUSES
from services.payments.schemas import DiscrepancyPublic, DiscrepancyResolve
from shared import metrics
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.scope import narrowed, scoped
from shared.vocabulary.payments import LineStatus


def holds_entitlement() -> ColumnElement[bool]:
    """The lines that hold their entitlement (no new batch may take it): live ones, and any a bank
    discrepancy still open is about."""
    under_discrepancy = exists().where(
        col(BankDiscrepancy.line_id) == col(Line.id), col(BankDiscrepancy.resolved_at).is_(None)
    )
    return or_(col(Line.status).in_(list(LIVE_LINE_STATUSES)), under_discrepancy)


def public(discrepancy: BankDiscrepancy) -> DiscrepancyPublic:
    return DiscrepancyPublic.model_validate(
        discrepancy.model_dump()
        | {
            "possible_double_payment": discrepancy.reported_status == LineStatus.paid
            and discrepancy.rebatched_line_id is not None
        }
    )


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    open_only: bool | None,
    page: int,
    page_size: int,
) -> tuple[list[DiscrepancyPublic], int]:
    """Discrepancies in the caller's scope (narrowed to `region`), newest first; open or resolved only."""
    statement = narrowed(select(BankDiscrepancy), BankDiscrepancy.region_code, principal, region)
    if open_only is not None:
        resolved_at = col(BankDiscrepancy.resolved_at)
        statement = statement.where(resolved_at.is_(None) if open_only else resolved_at.is_not(None))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(BankDiscrepancy.received_at).desc(), col(BankDiscrepancy.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [public(d) for d in rows.all()], int(total)


async def open_count(session: AsyncSession, *, principal: Principal, batch_id: uuid.UUID) -> int:
    """How many of a batch's lines in the caller's scope are under an open discrepancy."""
    statement = scoped(
        select(func.count()).select_from(BankDiscrepancy), BankDiscrepancy.region_code, principal
    )
    return int(
        (
            await session.exec(
                statement.where(
                    BankDiscrepancy.batch_id == batch_id, col(BankDiscrepancy.resolved_at).is_(None)
                )
            )
        ).one()
    )


async def resolve(
    session: AsyncSession, *, principal: Principal, discrepancy_id: uuid.UUID, data: DiscrepancyResolve
) -> DiscrepancyPublic:
    """Settle a discrepancy once (409 when it is settled already), moving its line as the outcome says."""
    discrepancy = (
        await session.exec(
            scoped(select(BankDiscrepancy), BankDiscrepancy.region_code, principal)
            .where(BankDiscrepancy.id == discrepancy_id)
            .with_for_update()
        )
    ).first()
    if discrepancy is None:
        raise NotFound("discrepancy not found")
    if discrepancy.resolved_at is not None:
        raise Conflict(
            f"该差异已于 {discrepancy.resolved_at:%Y-%m-%d %H:%M} 由 {discrepancy.resolved_by} 处理"
        )
    before = public(discrepancy).model_dump()
    line = await session.get(Line, discrepancy.line_id, with_for_update=True)
    assert line is not None  # a discrepancy's line is never deleted (foreign key)
    await _settle(session, principal, discrepancy, line, data.outcome)
    discrepancy.resolved_at = utcnow()
    discrepancy.resolved_by = principal.subject
    discrepancy.resolution = data.outcome
    discrepancy.resolution_note = data.note
    session.add(discrepancy)
    await session.flush()
    after = public(discrepancy)
    metrics.count(
        "payments_bank_discrepancies_resolved",
        "Bank discrepancies resolved, by outcome",
        outcome=data.outcome,
    )
    await audit_change(
        session,
        principal,
        "discrepancy.resolve",
        "bank_discrepancy",
        discrepancy.id,
        discrepancy.region_code,
        before=before,
        after=after.model_dump(),
    )
    return after


async def _settle(
    session: AsyncSession, principal: Principal, discrepancy: BankDiscrepancy, line: Line, outcome: str
) -> None:
    """`paid`: the line becomes paid, unless another line holds the entitlement now — then the money went
    out twice and the line's amount is recorded for recovery; `not_paid`: a paid line becomes failed."""
    reference = discrepancy.bank_reference
    if outcome == "paid" and line.status != LineStatus.paid:
        twin = await live_twin(session, line)
        if twin is None:
            await move_line(session, principal, line, LineStatus.paid, bank_reference=reference, reason=None)
        else:
            discrepancy.rebatched_line_id = twin
            discrepancy.overpaid_fen = line.amount_fen
    elif outcome == "not_paid" and line.status == LineStatus.paid:
        await move_line(
            session, principal, line, LineStatus.failed, bank_reference=reference, reason=discrepancy.reason
        )
