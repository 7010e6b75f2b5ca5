"""Bank callbacks: from the bank client the instruction's endpoint is bound to, signed like the instructions
(Standard Webhooks, with the secret of that endpoint), idempotent by `webhook-id`, moving a line forward
only; a report that contradicts a final status (`paid` for a failed line, `failed` for a paid one) is
recorded as a bank discrepancy; a batch whose lines are all final is completed."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.payments.models import BankCallback, BankDiscrepancy, Batch, Line, WebhookEndpoint, audit_log
from services.payments.rules import FINAL_LINE_STATUSES, LIVE_LINE_STATUSES, contradicts, next_line_status
from services.payments.schemas import BankCallbackIn, BankCallbackResult
from shared import audit, metrics
from shared.auth import Principal
from shared.errors import DomainError, Forbidden, NotFound, Unauthorized
from shared.scope import scoped
from shared.vocabulary.payments import BatchStatus, LineStatus

TOLERANCE = timedelta(minutes=5)
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def _refused(reason: str, error: DomainError) -> DomainError:
    """Count a refused callback by reason (malformed, too_old, unknown, other_bank, bad_signature): a run of
    them is a misconfigured bank, a clock drifting or someone probing the endpoint."""
    metrics.count("payments_bank_callbacks_refused", "Bank callbacks refused, by reason", reason=reason)
    return error


def _timestamp(headers: dict[str, str]) -> datetime:
    """The signed time, refused (400) when missing, unreadable or outside the 5-minute window."""
    missing = [h for h in SIGNATURE_HEADERS if not headers.get(h)]
    if missing:
        raise _refused("malformed", DomainError(f"missing Standard Webhooks headers: {', '.join(missing)}"))
    try:
        at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise _refused("malformed", DomainError("webhook-timestamp is not a Unix time in seconds")) from None
    if abs(datetime.now(UTC) - at) > TOLERANCE:
        raise _refused(
            "too_old", DomainError("webhook-timestamp is outside the 5-minute tolerance (stale or replayed)")
        )
    return at


def _verify(secret: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        Webhook(secret).verify(body, headers)
    except (WebhookVerificationError, ValueError):
        raise _refused(
            "bad_signature", Unauthorized("webhook signature does not verify with the endpoint's secret")
        ) from None


def _result(callback: BankCallback) -> BankCallbackResult:
    return BankCallbackResult(
        webhook_id=callback.webhook_id,
        instruction_id=callback.instruction_id,
        reported=LineStatus(callback.status),
        applied=callback.applied,
        line_status=LineStatus(callback.line_status),
        discrepancy_id=callback.discrepancy_id,
    )


async def receive(
    session: AsyncSession,
    *,
    principal: Principal,
    report: BankCallbackIn,
    body: bytes,
    headers: dict[str, str],
) -> BankCallbackResult:
    """Apply one bank callback exactly once: a repeat of a `webhook-id` gets the first result; a report
    that contradicts the line's final status is recorded as a discrepancy instead of being applied."""
    headers = {k.lower(): v for k, v in headers.items()}
    _timestamp(headers)
    line = (
        await session.exec(
            scoped(select(Line), Line.region_code, principal).where(Line.id == report.instruction_id)
        )
    ).first()
    if line is None:
        raise _refused("unknown", NotFound("instruction not found"))
    batch = await session.get(Batch, line.batch_id)
    endpoint = await session.get(WebhookEndpoint, batch.endpoint_id) if batch and batch.endpoint_id else None
    if batch is None or endpoint is None:
        raise _refused("unknown", NotFound("instruction not found"))
    if endpoint.bank_client_id != principal.subject:
        raise _refused(
            "other_bank", Forbidden("the instruction was sent to an endpoint bound to another bank client")
        )
    _verify(endpoint.secret, body, headers)
    # Callbacks about one line queue here (every repeat of a webhook-id names the same line); callbacks
    # about the other lines of the batch do not wait for this one.
    await session.refresh(line, with_for_update=True)
    seen = (
        await session.exec(select(BankCallback).where(BankCallback.webhook_id == headers["webhook-id"]))
    ).first()
    if seen is not None:
        return _result(seen)
    applied, discrepancy = await apply_report(
        session, principal, line, batch, report, report_id=headers["webhook-id"]
    )
    callback = BankCallback(
        webhook_id=headers["webhook-id"],
        instruction_id=line.id,
        status=report.status,
        bank_reference=report.bank_reference,
        reason=report.reason,
        applied=applied,
        line_status=line.status,
        discrepancy_id=discrepancy.id if discrepancy else None,
    )
    session.add(callback)
    await session.flush()
    return _result(callback)


async def apply_report(
    session: AsyncSession,
    principal: Principal,
    line: Line,
    batch: Batch,
    report: BankCallbackIn,
    *,
    report_id: str,
) -> tuple[bool, BankDiscrepancy | None]:
    """What the bank says about one line (a callback, or a statement's entry): moved forward when it may
    be (completing the batch with its last line), recorded as a discrepancy when it contradicts the line's
    final status, else nothing; returns whether it moved and the discrepancy."""
    current, reported = LineStatus(line.status), LineStatus(report.status)
    moved = next_line_status(current, reported)
    if moved is not None:
        await move_line(
            session, principal, line, moved, bank_reference=report.bank_reference, reason=report.reason
        )
        await _complete_if_final(session, principal, batch)
        return True, None
    if contradicts(current, reported):
        return False, await record_discrepancy(session, principal, line, report, report_id)
    return False, None


async def live_twin(session: AsyncSession, line: Line) -> uuid.UUID | None:
    """Another line that holds `line`'s entitlement now (pending, sent or paid): a new batch took it."""
    return (
        await session.exec(
            select(Line.id).where(
                Line.entitlement_key == line.entitlement_key,
                Line.id != line.id,
                col(Line.status).in_(list(LIVE_LINE_STATUSES)),
            )
        )
    ).first()


async def record_discrepancy(
    session: AsyncSession, principal: Principal, line: Line, report: BankCallbackIn, webhook_id: str
) -> BankDiscrepancy:
    """Record the contradiction, or return the line's open discrepancy when the bank says it again."""
    held = (
        await session.exec(
            select(BankDiscrepancy).where(
                BankDiscrepancy.line_id == line.id, col(BankDiscrepancy.resolved_at).is_(None)
            )
        )
    ).first()
    if held is not None:
        return held
    discrepancy = BankDiscrepancy(
        line_id=line.id,
        batch_id=line.batch_id,
        entitlement_key=line.entitlement_key,
        region_code=line.region_code,
        amount_fen=line.amount_fen,
        held_status=line.status,
        reported_status=report.status,
        webhook_id=webhook_id,
        bank_reference=report.bank_reference,
        reason=report.reason,
        rebatched_line_id=await live_twin(session, line),
    )
    session.add(discrepancy)
    await session.flush()
    metrics.count(
        "payments_bank_discrepancies",
        "Bank callbacks that contradict a line's final status, by reported and held status",
        reported=report.status,
        held=line.status,
    )
    await audit_change(
        session,
        principal,
        "discrepancy.record",
        "bank_discrepancy",
        discrepancy.id,
        line.region_code,
        before={"line_id": line.id, "status": line.status},
        after=discrepancy.model_dump(exclude={"resolved_at", "resolved_by", "resolution", "resolution_note"}),
    )
    return discrepancy


async def move_line(
    session: AsyncSession,
    principal: Principal,
    line: Line,
    moved: LineStatus,
    *,
    bank_reference: str,
    reason: str | None,
) -> None:
    """Set a line's status as the bank (or an official resolving a discrepancy) reports it, audited."""
    current = line.status
    line.status = moved
    line.bank_reference = bank_reference
    line.reason = reason
    line.updated_at = datetime.now(UTC)
    session.add(line)
    await session.flush()
    await audit_change(
        session,
        principal,
        f"line.{moved}",
        "line",
        line.id,
        line.region_code,
        before={"status": current},
        after={"status": moved, "bank_reference": bank_reference, "reason": reason},
    )


async def _complete_if_final(session: AsyncSession, principal: Principal, batch: Batch) -> None:
    """Complete a disbursing batch once none of its lines is open: one conditional UPDATE, no batch row
    lock held across the callback.

    The check runs after this callback's line moved, under a transaction-scoped lock on the batch: of two
    last callbacks committing at once, the second to take it sees the first's line committed (READ
    COMMITTED), so the batch never stays disbursing with every line final; the status condition makes
    exactly one of them complete it (and audit it). The audit chain's lock, taken by the line's audit
    record just before, orders them too; completion does not rely on how the audit log is chained.
    """
    if batch.status != BatchStatus.disbursing:
        return
    if session.bind.dialect.name == "postgresql":  # SQLite writers are serialised already (BEGIN IMMEDIATE)
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"payment_batch:{batch.id}"}
        )
    open_lines = exists().where(
        col(Line.batch_id) == batch.id, col(Line.status).not_in(list(FINAL_LINE_STATUSES))
    )
    completed = await session.execute(
        update(Batch)
        .where(col(Batch.id) == batch.id, col(Batch.status) == BatchStatus.disbursing, ~open_lines)
        .values(status=BatchStatus.completed, completed_at=datetime.now(UTC))
    )
    if completed.rowcount != 1:
        return
    await audit_change(
        session,
        principal,
        "batch.complete",
        "batch",
        batch.id,
        batch.region_code,
        before={"status": BatchStatus.disbursing},
        after={"status": BatchStatus.completed},
    )


async def audit_change(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity: str,
    entity_id: uuid.UUID,
    region: str,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=region,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
