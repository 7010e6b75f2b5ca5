"""A transactional outbox: an effect on another system is written in the same transaction as the change
that causes it, then delivered by a dispatcher with retries, backoff and an idempotency key the receiver
stores — so a crash, an outage or a retry never loses or doubles it (ARCHITECTURE.md)."""

import asyncio
import contextlib
import logging
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database

log = logging.getLogger("hangjin.outbox")


class OutboxStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


def outbox_columns() -> list[Any]:
    """The columns of `outbox`, for the table and for each service's first migration."""
    return [
        Column("id", Uuid, primary_key=True),
        Column("topic", String(64), nullable=False),
        Column("idempotency_key", String(128), nullable=False, unique=True),
        Column("payload", JSON, nullable=False),
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False),
        Column("locked_until", DateTime(timezone=True), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    ]


def outbox_table(metadata: MetaData) -> Table:
    return Table("outbox", metadata, *outbox_columns())


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def enqueue(
    session: AsyncSession, table: Table, *, topic: str, payload: Mapping[str, Any], idempotency_key: str
) -> uuid.UUID:
    """Record an effect to deliver, inside the caller's transaction."""
    message_id = uuid.uuid4()
    now = utcnow()
    await session.execute(
        table.insert().values(
            id=message_id,
            topic=topic,
            idempotency_key=idempotency_key,
            payload=dict(payload),
            status=OutboxStatus.pending,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return message_id


@dataclass(frozen=True)
class Message:
    id: uuid.UUID
    topic: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime  # when it was enqueued: the give-up horizon counts from here


class RetryLater(Exception):
    """Delivery failed in a way worth retrying; `retry_after` (seconds) overrides the backoff when the
    receiver said when to come back (Retry-After)."""

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class GiveUp(Exception):
    """Delivery can never succeed (the receiver refused the message itself); stop and keep it visible."""


Handler = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by a total time after which the message is dead."""

    base_seconds: float = 2.0
    max_delay_seconds: float = 3600.0
    give_up_after: timedelta = timedelta(days=3)

    def delay(self, attempts: int, rng: random.Random = random.Random()) -> float:
        ceiling = min(self.max_delay_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class Dispatcher:
    """Claims due messages, hands each to its topic's handler, and records the outcome.

    Claims are leased: a dispatcher that dies mid-delivery leaves its messages to be claimed again when
    the lease runs out, so delivery is at least once and receivers deduplicate by idempotency key.
    On PostgreSQL claims use FOR UPDATE SKIP LOCKED, so several replicas can dispatch side by side.
    """

    def __init__(
        self,
        db: Database,
        table: Table,
        handlers: Mapping[str, Handler],
        *,
        policy: RetryPolicy = RetryPolicy(),
        batch_size: int = 50,
        concurrency: int = 10,
        lease: timedelta = timedelta(minutes=2),
        poll_seconds: float = 0.5,
        stop_grace_seconds: float = 15.0,
    ):
        self.db, self.table, self.handlers, self.policy = db, table, dict(handlers), policy
        self.batch_size, self.lease, self.poll_seconds = batch_size, lease, poll_seconds
        self.stop_grace_seconds = stop_grace_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._stopping = False
        # Outcomes since start by (topic, delivered | retry | dead), read at scrape time (shared/metrics.py).
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def wake(self) -> None:
        """Look for work now rather than at the next poll (call after committing an enqueue)."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def in_background(self) -> AsyncIterator["Dispatcher"]:
        """Dispatch for as long as the block runs (a service's lifespan); stopped on the way out.

        The stop lets the round in hand finish (within `stop_grace_seconds`) before cancelling: a
        round cancelled between its statements can leave a connection checked out mid-transaction,
        which the engine's disposal does not close — on SQLite that is a write lock held until the
        process exits. A round that outlives the grace is cancelled; its lease lets another claim it.
        """
        self._stopping = False
        task = asyncio.create_task(self.run(), name=f"outbox:{self.table.name}")
        try:
            yield self
        finally:
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait({task}, timeout=self.stop_grace_seconds)
            finally:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def run(self) -> None:
        while not self._stopping:
            try:
                handled = await self.dispatch_due()
            except Exception:
                log.exception("outbox dispatch round failed")
                handled = 0
            if handled < self.batch_size and not self._stopping:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
                # arrives as the wait ends, and the dispatcher would then never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._wake.wait()

    async def dispatch_due(self) -> int:
        """Deliver one batch of due messages; returns how many were attempted."""
        messages = await self._claim()
        await asyncio.gather(*(self._deliver(m) for m in messages))
        return len(messages)

    async def _claim(self) -> list[Message]:
        t = self.table
        now = utcnow()
        async with self.db.session_scope() as session:
            due = (
                select(t)
                .where(
                    t.c.status == OutboxStatus.pending,
                    t.c.next_attempt_at <= now,
                    (t.c.locked_until.is_(None)) | (t.c.locked_until < now),
                    t.c.topic.in_(list(self.handlers)),
                )
                .order_by(t.c.next_attempt_at)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(due)).mappings().all()
            if rows:
                await session.execute(
                    update(t).where(t.c.id.in_([r["id"] for r in rows])).values(locked_until=now + self.lease)
                )
        return [
            Message(
                r["id"], r["topic"], r["idempotency_key"], dict(r["payload"]), r["attempts"], r["created_at"]
            )
            for r in rows
        ]

    async def _deliver(self, message: Message) -> None:
        async with self._slots:
            try:
                await self.handlers[message.topic](message)
            except GiveUp as exc:
                await self._record(message, error=str(exc), dead=True)
            except RetryLater as exc:
                await self._record(message, error=str(exc), retry_after=exc.retry_after)
            except Exception as exc:
                log.warning(
                    "outbox delivery failed", extra={"fields": {"topic": message.topic, "error": repr(exc)}}
                )
                await self._record(message, error=repr(exc))
            else:
                await self._record(message)

    async def _record(
        self,
        message: Message,
        *,
        error: str | None = None,
        retry_after: float | None = None,
        dead: bool = False,
    ) -> None:
        t = self.table
        now = utcnow()
        attempts = message.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "locked_until": None, "last_error": error}
        outcome = "retry"
        if error is None:
            values.update(status=OutboxStatus.delivered, delivered_at=now)
            outcome = "delivered"
        else:
            delay = retry_after if retry_after is not None else self.policy.delay(attempts)
            next_at = now + timedelta(seconds=delay)
            if dead or next_at - aware(message.created_at) > self.policy.give_up_after:
                values.update(status=OutboxStatus.dead)
                outcome = "dead"
            else:
                values.update(next_attempt_at=next_at)
        async with self.db.session_scope() as session:
            await session.execute(update(t).where(t.c.id == message.id).values(**values))
        self.outcomes[(message.topic, outcome)] += 1


async def replay(session: AsyncSession, table: Table, message_id: uuid.UUID) -> bool:
    """Send a delivered or dead message again (the receiver's idempotency key keeps it harmless)."""
    result = await session.execute(
        update(table)
        .where(table.c.id == message_id)
        .values(status=OutboxStatus.pending, next_attempt_at=utcnow(), locked_until=None)
    )
    return bool(result.rowcount)
