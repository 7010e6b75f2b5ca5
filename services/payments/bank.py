"""Bank callbacks: signed like the instructions (Standard Webhooks, with the secret of the endpoint the
instruction went to), idempotent by `webhook-id`, moving a line forward only; a batch whose lines are all
final is completed."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.payments.enums import BatchStatus, LineStatus
from services.payments.models import BankCallback, Batch, Line, WebhookEndpoint, audit_log
from services.payments.rules import FINAL_LINE_STATUSES, next_line_status
from services.payments.schemas import BankCallbackIn, BankCallbackResult
from shared import audit, metrics
from shared.auth import Principal
from shared.errors import DomainError, NotFound, Unauthorized
from shared.scope import scoped

TOLERANCE = timedelta(minutes=5)
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def _refused(reason: str, error: DomainError) -> DomainError:
    """Count a refused callback by reason (malformed, too_old, unknown, bad_signature): a run of them is a
    misconfigured bank, a clock drifting or someone probing the endpoint."""
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
    )


async def receive(
    session: AsyncSession,
    *,
    principal: Principal,
    report: BankCallbackIn,
    body: bytes,
    headers: dict[str, str],
) -> BankCallbackResult:
    """Apply one bank callback exactly once: a repeat of a `webhook-id` gets the first result."""
    headers = {k.lower(): v for k, v in headers.items()}
    _timestamp(headers)
    line = (
        await session.exec(
            scoped(select(Line), Line.region_code, principal).where(Line.id == report.instruction_id)
        )
    ).first()
    if line is None:
        raise _refused("unknown", NotFound("instruction not found"))
    batch = (
        await session.exec(select(Batch).where(Batch.id == line.batch_id).with_for_update())
    ).one()  # callbacks of one batch queue here, so the last one sees every other and completes the batch
    endpoint = await session.get(WebhookEndpoint, batch.endpoint_id) if batch.endpoint_id else None
    if endpoint is None:
        raise _refused("unknown", NotFound("instruction not found"))
    _verify(endpoint.secret, body, headers)
    seen = (
        await session.exec(select(BankCallback).where(BankCallback.webhook_id == headers["webhook-id"]))
    ).first()
    if seen is not None:
        return _result(seen)
    await session.refresh(line, with_for_update=True)
    current = LineStatus(line.status)
    moved = next_line_status(current, LineStatus(report.status))
    if moved is not None:
        await _move_line(session, principal, line, current, moved, report)
        await _complete_if_final(session, principal, batch)
    callback = BankCallback(
        webhook_id=headers["webhook-id"],
        instruction_id=line.id,
        status=report.status,
        bank_reference=report.bank_reference,
        reason=report.reason,
        applied=moved is not None,
        line_status=line.status,
    )
    session.add(callback)
    await session.flush()
    return _result(callback)


async def _move_line(
    session: AsyncSession,
    principal: Principal,
    line: Line,
    current: LineStatus,
    moved: LineStatus,
    report: BankCallbackIn,
) -> None:
    line.status = moved
    line.bank_reference = report.bank_reference
    line.reason = report.reason
    line.updated_at = datetime.now(UTC)
    session.add(line)
    await session.flush()
    await _audit(
        session,
        principal,
        f"line.{moved}",
        "line",
        line.id,
        line.region_code,
        before={"status": current},
        after={"status": moved, "bank_reference": report.bank_reference, "reason": report.reason},
    )


async def _complete_if_final(session: AsyncSession, principal: Principal, batch: Batch) -> None:
    if batch.status != BatchStatus.disbursing:
        return
    open_lines = (
        await session.exec(
            select(func.count())
            .select_from(Line)
            .where(Line.batch_id == batch.id, col(Line.status).not_in(list(FINAL_LINE_STATUSES)))
        )
    ).one()
    if open_lines:
        return
    await session.execute(
        update(Batch)
        .where(col(Batch.id) == batch.id, col(Batch.status) == BatchStatus.disbursing)
        .values(status=BatchStatus.completed, completed_at=datetime.now(UTC))
    )
    await _audit(
        session,
        principal,
        "batch.complete",
        "batch",
        batch.id,
        batch.region_code,
        before={"status": BatchStatus.disbursing},
        after={"status": BatchStatus.completed},
    )


async def _audit(
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
