"""The year's payment figures per village, counted from the lines: a line sent counts, and it counts as
reconciled once the bank's final answer is in and no discrepancy about it is open."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from services.payments.models import BankDiscrepancy, Batch, Line
from shared.db import Database
from shared.settings import Settings
from tests.payments.conftest import ASIER, BALAGONG, BANNER, XINI, YEAR

FIGURES = "/api/v1/payments/figures"


async def sent_batch(settings: Settings, *statuses: str) -> list[Line]:
    """A batch of the year being disbursed in ASIER, one line per status."""
    db = Database.from_url(settings.database_url("payments"))
    try:
        async with db.session_scope() as session:
            batch = Batch(
                year=YEAR, kind="sheep", region_code=ASIER, status="disbursing", created_by="banner"
            )
            session.add(batch)
            await session.flush()
            lines = [
                Line(
                    batch_id=batch.id,
                    entitlement_key=f"test:{uuid.uuid4()}",
                    household_id=uuid.uuid4(),
                    household_number=f"{ASIER}0000{n}",
                    region_code=ASIER,
                    payee_name="巴特尔",
                    payee_id_masked="150625********1234",
                    amount_fen=10_000,
                    policy_version=1,
                    status=status,
                )
                for n, status in enumerate(statuses)
            ]
            session.add_all(lines)
            await session.flush()
            return lines
    finally:
        await db.dispose()


async def figures(payments: httpx.AsyncClient, headers: dict[str, str]) -> list[dict]:
    response = await payments.get(FIGURES, params={"year": YEAR}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["villages"])


async def test_lines_count_as_reconciled_with_the_banks_answer_and_no_open_discrepancy(
    payments: httpx.AsyncClient, settings: Settings, as_role: Callable[..., dict[str, str]]
) -> None:
    township = as_role("township_official", XINI)
    assert await figures(payments, township) == []
    [paid, *_] = await sent_batch(settings, "paid", "sent", "failed")
    assert await figures(payments, township) == [
        {"village_code": ASIER, "lines_sent": 3, "lines_reconciled": 2}
    ]

    db = Database.from_url(settings.database_url("payments"))
    try:
        async with db.session_scope() as session:
            session.add(
                BankDiscrepancy(
                    line_id=paid.id,
                    batch_id=paid.batch_id,
                    entitlement_key=paid.entitlement_key,
                    region_code=ASIER,
                    amount_fen=paid.amount_fen,
                    held_status="paid",
                    reported_status="failed",
                    webhook_id=f"msg_{uuid.uuid4().hex}",
                    bank_reference="B-1",
                    received_at=datetime.now(UTC),
                )
            )
    finally:
        await db.dispose()
    assert (await figures(payments, township))[0]["lines_reconciled"] == 1
    assert await figures(payments, as_role("township_official", BALAGONG)) == []
    assert (await figures(payments, as_role("auditor", BANNER)))[0]["lines_sent"] == 3
    refused = await payments.get(FIGURES, params={"year": YEAR}, headers=as_role("village_official", ASIER))
    assert refused.status_code == 403
