"""The outbox as the people who run a service read it: every message's state, newest first, so what is stuck
or given up stays visible (and replayable) rather than lost in a log."""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.outbox import OutboxStatus


class Delivery(BaseModel):
    """One outbox message; a service's subclass adds the payload's fields its operators need to see."""

    id: uuid.UUID
    topic: str
    idempotency_key: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        """A message's row; the fields a subclass adds are read from its payload."""
        payload = row["payload"] or {}
        return cls.model_validate(
            {
                name: row[name] if name in Delivery.model_fields else payload.get(name)
                for name in cls.model_fields
            }
        )


D = TypeVar("D", bound=Delivery)


async def read_outbox(
    session: AsyncSession,
    outbox: Table,
    model: type[D],
    *,
    topic: str | None = None,
    status: OutboxStatus | None,
    page: int,
    page_size: int,
) -> tuple[list[D], int]:
    """A page of the messages (of `topic`, in `status`), newest first, and how many there are in all."""
    statement = select(outbox)
    if topic is not None:
        statement = statement.where(outbox.c.topic == topic)
    if status is not None:
        statement = statement.where(outbox.c.status == status)
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    rows = await session.execute(
        statement.order_by(outbox.c.created_at.desc(), outbox.c.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [model.of(row) for row in rows.mappings()], int(total)
