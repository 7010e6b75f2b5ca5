"""Money paid per month by kind for the dashboard's chart: only lines the bank reported paid count, in the
month they were marked paid, by their batch's kind, in the caller's scope."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from services.payments.models import Batch, Line
from shared.db import Database
from shared.months import last_months
from shared.settings import Settings
from tests.payments.conftest import ASIER, BALAGONG, BANNER, XINI, YEAR

TREND = "/api/v1/payments/stats/paid"


async def lines(settings: Settings, kind: str, *rows: tuple[str, int, datetime]) -> None:
    """A batch of `kind` in ASIER with lines (status, fen, updated at)."""
    db = Database.from_url(settings.database_url("payments"))
    try:
        async with db.session_scope() as session:
            batch = Batch(year=YEAR, kind=kind, region_code=ASIER, status="completed", created_by="banner")
            session.add(batch)
            await session.flush()
            session.add_all(
                Line(
                    batch_id=batch.id,
                    entitlement_key=f"test:{uuid.uuid4()}",
                    household_id=uuid.uuid4(),
                    household_number=f"{ASIER}0000{n}",
                    region_code=ASIER,
                    payee_name="巴特尔",
                    payee_id_masked="150625********1234",
                    amount_fen=fen,
                    policy_version=1,
                    status=status,
                    updated_at=at,
                )
                for n, (status, fen, at) in enumerate(rows)
            )
    finally:
        await db.dispose()


async def paid(payments: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, dict]:
    response = await payments.get(TREND, params={"months": 2}, headers=headers)
    assert response.status_code == 200, response.text
    return {m["month"]: m for m in response.json()["months"]}


async def test_paid_lines_sum_per_month_and_kind_in_scope(
    payments: httpx.AsyncClient, settings: Settings, as_role: Callable[..., dict[str, str]]
) -> None:
    now = datetime.now(UTC)
    earlier, this = last_months(now, 2)
    await lines(settings, "sheep", ("paid", 30_000, now), ("paid", 12_000, now), ("failed", 99_900, now))
    await lines(settings, "cattle", ("paid", 50_000, now), ("sent", 70_000, now))

    by_month = await paid(payments, as_role("township_official", XINI))
    assert list(by_month) == [earlier, this]
    assert by_month[this]["by_kind"] == {"sheep": 42_000, "cattle": 50_000}
    assert by_month[this]["total_fen"] == 92_000
    assert by_month[earlier] == {"month": earlier, "by_kind": {}, "total_fen": 0}
    assert (await paid(payments, as_role("banner_official", BANNER)))[this]["total_fen"] == 92_000
    assert (await paid(payments, as_role("township_official", BALAGONG)))[this]["total_fen"] == 0
