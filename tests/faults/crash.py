"""Crashing a process while requests to it are in flight, and reading the outbox rows that carry them.

A process stopped with SIGSTOP still accepts connections (the kernel queues them) but answers nothing:
a request sent to it is in flight for as long as the test likes. SIGKILL then drops it mid-request.
"""

import asyncio
import signal
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Row, Table, select

from deploy.stack import Stack
from shared.db import Database
from shared.outbox import replay


@asynccontextmanager
async def frozen_then_killed(stack: Stack, name: str) -> AsyncIterator[None]:
    """Freeze `name` for the block, then SIGKILL it and start it again (back once it is ready)."""
    process = stack.processes[name]
    process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        process.kill()
        process.wait()
        stack.start(name)
        await asyncio.to_thread(stack.wait_ready, [name])


async def outbox_rows(stack: Stack, process: str, table: Table, keys: Iterable[str]) -> list[Row[Any]]:
    """(status, attempts, locked_until) of a process's outbox messages with these idempotency keys."""
    db = Database.from_url(stack.env[f"{process.upper()}_DATABASE_URL"])
    try:
        async with db.session_scope() as session:
            statement = select(table.c.status, table.c.attempts, table.c.locked_until).where(
                table.c.idempotency_key.in_(list(keys))
            )
            return list((await session.execute(statement)).all())
    finally:
        await db.dispose()


async def in_flight(stack: Stack, process: str, table: Table, keys: list[str]) -> bool:
    """Whether the dispatcher has a request for these messages under way and no answer recorded yet: none
    attempted before, at least one claimed (a dispatcher round sends what was due when it began)."""
    rows = await outbox_rows(stack, process, table, keys)
    return (
        len(rows) == len(keys)
        and all((status, attempts) == ("pending", 0) for status, attempts, _ in rows)
        and any(locked is not None for _, _, locked in rows)
    )


async def send_again(stack: Stack, process: str, table: Table, key: str) -> None:
    """Put a delivered message back to pending, as when a dispatcher dies after the receiver answered but
    before it recorded the delivery: the receiver gets the same message, with the same key, once more."""
    db = Database.from_url(stack.env[f"{process.upper()}_DATABASE_URL"])
    try:
        async with db.session_scope() as session:
            message_id = (
                await session.execute(select(table.c.id).where(table.c.idempotency_key == key))
            ).scalar_one()
            assert await replay(session, table, message_id)
    finally:
        await db.dispose()
