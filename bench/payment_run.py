"""(a) A year's payment run over N households, computed and persisted, against a raw COPY of its lines.

`payment_run_s` is the whole production path as a banner official starts it: `POST /api/v1/payments/batches`
(kind education, the whole banner) to the payments service — the registry streams the eligible
households with someone in school, payments prices each line from the policy table, checks the year's
live entitlements, and writes the batch, its lines (COPY) and the audit record in one transaction.
`copy_s` is asyncpg COPY of exactly the same rows (same columns, same count) into a scratch table of the
same shape (`LIKE payment_lines INCLUDING ALL`: the same indexes, the live-entitlement one included, and
the same foreign keys, so each copied row's batch is checked in both).
"""

import time
from typing import Any

import asyncpg
import httpx

from bench.context import BenchContext
from shared.regions import BANNER_CODE
from shared.roles import Role

YEAR = 2026
ELIGIBLE = ("lifted_supported", "marginal", "monitored", "sudden_hardship")
SCRATCH = "bench_lines_copy"
TIMEOUT = httpx.Timeout(3600.0, connect=10.0)
# `LIKE … INCLUDING ALL` copies no foreign keys: the scratch table gets payment_lines' own (a line's batch,
# its claim), so the baseline checks each row's batch as the real table does.
FOREIGN_KEYS = (
    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'payment_lines'::regclass "
    "AND contype = 'f'"
)


async def _stream_seconds(ctx: BenchContext, token: str) -> tuple[float, int]:
    """The registry's part alone: read the same stream payments reads, to the end."""
    params: dict[str, Any] = {"region": BANNER_CODE, "category": list(ELIGIBLE), "school": True}
    count = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        url = ctx.stack.url("registry") + "/api/v1/households/stream"
        headers = {"authorization": f"Bearer {token}"}
        async with client.stream("GET", url, params=params, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                count += bool(line)
    return time.perf_counter() - started, count


async def _copy_seconds(dsn: str, batch_id: str) -> tuple[float, int]:
    """COPY the batch's own lines into an empty table shaped like `payment_lines`."""
    conn = await asyncpg.connect(dsn)
    try:
        records = await conn.fetch("SELECT * FROM payment_lines WHERE batch_id = $1", batch_id)
        columns = list(records[0].keys())
        await conn.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        await conn.execute(f"CREATE TABLE {SCRATCH} (LIKE payment_lines INCLUDING ALL)")
        for (foreign_key,) in await conn.fetch(FOREIGN_KEYS):
            await conn.execute(f"ALTER TABLE {SCRATCH} ADD {foreign_key}")
        rows = [tuple(r) for r in records]
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table(SCRATCH, records=rows, columns=columns)
        elapsed = time.perf_counter() - started
        await conn.execute(f"DROP TABLE {SCRATCH}")
        return elapsed, len(rows)
    finally:
        await conn.close()


async def measure(ctx: BenchContext) -> dict[str, float]:
    token = ctx.token(Role.banner_official, BANNER_CODE)
    stream_s, streamed = await _stream_seconds(ctx, token)
    body = {"year": YEAR, "kind": "education", "region": BANNER_CODE}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        started = time.perf_counter()
        response = await client.post(
            ctx.stack.url("payments") + "/api/v1/payments/batches",
            json=body,
            headers={"authorization": f"Bearer {token}"},
        )
        payment_run_s = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"payment run answered {response.status_code}: {response.text[:500]}")
    batch = response.json()
    copy_s, copied = await _copy_seconds(ctx.dsn("payments"), batch["id"])
    if copied != batch["line_count"]:
        raise RuntimeError(f"copied {copied} lines, the batch has {batch['line_count']}")
    ctx.notes["payment_run"] = (
        f"education allowance {YEAR}, banner {BANNER_CODE}: {batch['line_count']:,} lines from {streamed:,} "
        f"streamed households of {ctx.n_households:,}; run {payment_run_s:.2f} s (registry stream alone "
        f"{stream_s:.2f} s; the rest — pricing, entitlement check, COPY, audit, commit — overlaps it); "
        f"raw COPY of the same lines {copy_s:.2f} s"
    )
    return {
        "payment_run_s": payment_run_s,
        "copy_s": copy_s,
        "payment_ratio": payment_run_s / copy_s,
        "payment_lines": float(batch["line_count"]),
        "registry_stream_s": stream_s,
    }
