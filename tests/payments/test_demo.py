"""The payments demo: a year of batches in every state with the bank's results, seeded once."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlmodel import select

from services.payments.demo import DemoPayee, seed_batches
from services.payments.models import Batch, Line
from shared.db import Database
from shared.settings import Settings
from shared.vocabulary.payments import BatchStatus, LineStatus
from tests.payments.conftest import ASIER, XINI

PAYEES = [
    DemoPayee(uuid.uuid4(), f"{ASIER}{n:04d}", ASIER, f"户主{n}", "150625********1234") for n in range(20)
]


async def test_every_batch_state_once_and_a_year_of_money_paid(
    payments: httpx.AsyncClient, settings: Settings, as_role: Callable[..., dict[str, str]]
) -> None:
    db = Database.from_url(settings.database_url("payments"))
    try:
        async with db.session_scope() as session:
            assert await seed_batches(session, PAYEES, now=datetime.now(UTC)) > 0
        async with db.session_scope() as session:
            assert await seed_batches(session, PAYEES) == 0  # seeding twice adds nothing
            batches = (await session.exec(select(Batch))).all()
            lines = (await session.exec(select(Line))).all()
    finally:
        await db.dispose()
    assert {b.status for b in batches} == set(BatchStatus)
    assert all(
        b.number and b.total_fen == sum(x.amount_fen for x in lines if x.batch_id == b.id) for b in batches
    )
    assert {LineStatus.paid, LineStatus.failed, LineStatus.returned} <= {x.status for x in lines}
    assert all(x.bank_reference for x in lines if x.status == LineStatus.paid)

    trend = await payments.get(
        "/api/v1/payments/stats/paid", params={"months": 12}, headers=as_role("township_official", XINI)
    )
    assert trend.status_code == 200
    assert sum(1 for month in trend.json()["months"] if month["total_fen"]) >= 5
