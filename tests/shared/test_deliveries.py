"""The outbox as operators read it, on both databases: newest first, one topic or all, by status, a page at a
time with the count of all, and each service's own fields taken from the message's payload."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.monitoring.models import outbox
from shared.db import Database
from shared.deliveries import Delivery, read_outbox
from shared.outbox import OutboxStatus, enqueue

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")
START = datetime(2026, 6, 1, tzinfo=UTC)


class ChangePublic(Delivery):
    household_id: str | None
    category: str | None


async def messages(db: Database, *topics: str) -> list[uuid.UUID]:
    """One message per topic, a minute apart in that order; the second is given up (dead)."""
    ids = []
    async with db.session_scope() as session:
        for minute, topic in enumerate(topics):
            payload = {"household_id": f"h{minute}", "category": "monitored", "reason": "旗级确认"}
            message_id = await enqueue(
                session, outbox, topic=topic, payload=payload, idempotency_key=f"k{minute}"
            )
            at = START + timedelta(minutes=minute)
            await session.execute(update(outbox).where(outbox.c.id == message_id).values(created_at=at))
            ids.append(message_id)
        await session.execute(update(outbox).where(outbox.c.id == ids[1]).values(status=OutboxStatus.dead))
    return ids


async def test_newest_first_a_page_at_a_time_with_the_service_s_fields(db: Database) -> None:
    first, second, third = await messages(db, "registry.category", "registry.category", "registry.category")
    async with db.session_scope() as session:
        items, total = await read_outbox(session, outbox, ChangePublic, status=None, page=1, page_size=2)
        rest, _ = await read_outbox(session, outbox, ChangePublic, status=None, page=2, page_size=2)
    assert total == 3
    assert [d.id for d in items + rest] == [third, second, first]
    assert (items[0].household_id, items[0].category, items[0].idempotency_key) == ("h2", "monitored", "k2")
    assert (items[1].status, items[0].status) == (OutboxStatus.dead, OutboxStatus.pending)
    assert "reason" not in items[0].model_dump()


async def test_one_topic_and_one_status(db: Database) -> None:
    change, dead_instruction, instruction = await messages(db, "registry.category", "bank", "bank")
    async with db.session_scope() as session:
        bank, bank_total = await read_outbox(
            session, outbox, Delivery, topic="bank", status=None, page=1, page_size=10
        )
        dead, dead_total = await read_outbox(
            session, outbox, Delivery, status=OutboxStatus.dead, page=1, page_size=10
        )
    assert ([d.id for d in bank], bank_total) == ([instruction, dead_instruction], 2)
    assert ([d.id for d in dead], dead_total) == ([dead_instruction], 1)
    assert change not in {d.id for d in bank + dead}
