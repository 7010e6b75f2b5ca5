"""Livestock sale claims (出栏补贴) for the year, loaded into payments' database at COPY speed exactly as the
service stores an approved claim.

Filing them one by one through `POST /api/v1/payments/claims` would take hours at a million households and
measure the claim desk, not the payment run: the bench writes the rows `file_claim` would write instead.
Every household of an eligible category with a herd on record of a kind sells half of it (at least one
head), priced by the year's policy version with the service's own `livestock_subsidy` under the yearly cap,
approved at once (within the herd on record), the cap's total row written beside it. The payee is the head,
as `head_of` takes it. The audit log is not written: no benchmark reads it.
"""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.context import BenchContext
from services.payments import policies
from services.payments.models import ClaimTotal
from services.payments.rules import ELIGIBLE_CATEGORIES, HERD_FIELDS, livestock_subsidy
from shared.db import Database
from shared.vocabulary.payments import ClaimStatus, Kind

FILER = "bench-loader"
# The columns a livestock claim sets; any other (another kind's) stays empty, as the service leaves it.
CLAIM_COLUMNS = (
    "id", "household_id", "household_number", "region_code", "payee_name", "payee_id_masked", "kind", "year",
    "quantity", "requested", "eligible", "already_claimed", "rate_fen", "cap", "amount_fen", "policy_version",
    "status", "evidence", "herd_record_outdated", "herd_on_record", "created_by", "created_at",
)  # fmt: skip
TOTAL_COLUMNS = tuple(c.name for c in ClaimTotal.__table__.columns)  # type: ignore[attr-defined]
HOUSEHOLDS = """
    SELECT h.id, h.number, h.region_code, h.sheep, h.cattle, h.pigs, m.name, m.id_masked
    FROM households h JOIN members m ON m.household_id = h.id AND m.relation = 'head'
    WHERE h.category = ANY($1::text[]) AND (h.sheep > 0 OR h.cattle > 0 OR h.pigs > 0)
    ORDER BY h.region_code, h.number
"""


def sold(herd: int) -> int:
    """The head a household sells in the year: half its herd on record, at least one."""
    return max(herd // 2, 1)


async def load_claims(ctx: BenchContext, *, year: int, kinds: Iterable[Kind]) -> dict[str, int]:
    """Write the year's approved claims of each livestock kind; returns the claims written per kind."""
    db = Database.from_url(ctx.settings.database_url("payments"))
    try:
        async with db.session_scope() as session:
            version, items = await policies.version_for_year(session, year=year)
    finally:
        await db.dispose()
    conn = await asyncpg.connect(ctx.dsn("registry"))
    try:
        households = await conn.fetch(HOUSEHOLDS, sorted(ELIGIBLE_CATEGORIES))
    finally:
        await conn.close()
    now = datetime.now(UTC)
    claims: list[tuple[Any, ...]] = []
    totals: list[tuple[Any, ...]] = []
    counts: dict[str, int] = {}
    for kind in kinds:
        item = policies.item_for(items, kind)
        for h in households:
            herd = h[HERD_FIELDS[kind]]
            if not herd:
                continue
            subsidy = livestock_subsidy(kind, sold(herd), 0, item)
            b = subsidy.breakdown
            row = {
                "id": uuid.uuid4(), "household_id": h["id"], "household_number": h["number"],
                "region_code": h["region_code"], "payee_name": h["name"], "payee_id_masked": h["id_masked"],
                "kind": str(kind), "year": year, "quantity": b.requested, "requested": b.requested,
                "eligible": b.eligible, "already_claimed": b.already_claimed, "rate_fen": b.rate_fen,
                "cap": b.cap, "amount_fen": subsidy.amount_fen, "policy_version": version.version,
                "status": str(ClaimStatus.approved), "evidence": None, "herd_record_outdated": False,
                "herd_on_record": herd, "created_by": FILER, "created_at": now,
            }  # fmt: skip
            claims.append(tuple(row[c] for c in CLAIM_COLUMNS))
            total = {"household_id": h["id"], "kind": str(kind), "year": year, "cap": b.cap,
                     "claimed": b.eligible}  # fmt: skip
            totals.append(tuple(total[c] for c in TOTAL_COLUMNS))
            counts[str(kind)] = counts.get(str(kind), 0) + 1
    conn = await asyncpg.connect(ctx.dsn("payments"))
    try:
        async with conn.transaction():
            await conn.copy_records_to_table("claims", records=claims, columns=list(CLAIM_COLUMNS))
            await conn.copy_records_to_table("claim_totals", records=totals, columns=list(TOTAL_COLUMNS))
        await conn.execute("ANALYZE claims")
    finally:
        await conn.close()
    return counts
