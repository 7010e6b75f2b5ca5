"""(a) A year's payment run for the banner over N households, kind by kind, each against a raw COPY of its
lines.

Each kind is one batch drafted as a banner official drafts it, `POST /api/v1/payments/batches` for the whole
banner (the dividend excepted, handed over by assets): the livestock sale subsidies from the year's approved
claims (loaded beforehand at COPY speed, `bench/claims.py`), each claim's payee account from the registry's
stream of supported households without members; the education allowance from the same stream narrowed to
households with someone in school, priced from the policy table; the safety-net entitlements
(`SAFETY_NET_KINDS`) from the stream narrowed to the members each kind can pay, each member's due by
`services/payments/safety_net.py`; the largest village's dividend plan through assets
(`bench/dividend_plan.py`). Each batch's lines, its entitlement check, COPY, audit record and commit are one
transaction, the lines written while the stream still runs.

A kind's run (`payment_<kind>_s`) is set against asyncpg COPY of exactly the same rows (same columns, same
count) into a scratch table of the same shape (`LIKE payment_lines INCLUDING ALL`: the same indexes, the
live-entitlement one included, and the same foreign keys, so each copied row's batch is checked in both):
`payment_<kind>_ratio`. `payment_ratio` is the education run's, as the issue's target names it.
"""

import time
from typing import Any

import asyncpg
import httpx

from bench import dividend_plan
from bench.claims import load_claims
from bench.context import BenchContext
from services.payments.rules import ELIGIBLE_CATEGORIES
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.vocabulary.payments import Kind

YEAR = 2026
LIVESTOCK_KINDS = (Kind.sheep, Kind.cattle, Kind.pig)
# The safety-net entitlements (seed §五(一)4), drafted for the banner as education is, from the registry's
# stream of supported households with their members' facts and accounts.
SAFETY_NET_KINDS = (
    Kind.dibao_gradual_exit, Kind.disability_living, Kind.disability_nursing, Kind.pension_premium,
    Kind.pension_loan,
)  # fmt: skip
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
    params: dict[str, Any] = {"region": BANNER_CODE, "category": sorted(ELIGIBLE_CATEGORIES), "school": True}
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


async def _drafted(
    ctx: BenchContext, client: httpx.AsyncClient, token: str, kind: Kind
) -> tuple[str, int, float]:
    """Draft the banner's batch of `kind` for the year; returns its id, its lines and the seconds taken."""
    started = time.perf_counter()
    response = await client.post(
        ctx.stack.url("payments") + "/api/v1/payments/batches",
        json={"year": YEAR, "kind": str(kind), "region": BANNER_CODE},
        headers={"authorization": f"Bearer {token}"},
    )
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"the {kind} run answered {response.status_code}: {response.text[:500]}")
    batch = response.json()
    return str(batch["id"]), int(batch["line_count"]), seconds


async def measure(ctx: BenchContext) -> dict[str, float]:
    claims = await load_claims(ctx, year=YEAR, kinds=LIVESTOCK_KINDS)
    token = ctx.token(Role.banner_official, BANNER_CODE)
    stream_s, streamed = await _stream_seconds(ctx, token)
    runs: dict[str, tuple[str, int, float]] = {}
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for kind in (*LIVESTOCK_KINDS, Kind.education, *SAFETY_NET_KINDS):
            runs[kind] = await _drafted(ctx, client, token, kind)
        plan_id, village, households = await dividend_plan.draft(ctx, client, year=YEAR)
        runs[Kind.dividend] = await dividend_plan.hand_over(ctx, client, plan_id, village=village)
    figures: dict[str, float] = {}
    said = []
    for kind, (batch_id, lines, run_s) in runs.items():
        copy_s, copied = await _copy_seconds(ctx.dsn("payments"), batch_id)
        if copied != lines:
            raise RuntimeError(f"copied {copied} lines of the {kind} batch, it has {lines}")
        figures |= {
            f"payment_{kind}_lines": float(lines),
            f"payment_{kind}_s": run_s,
            f"payment_{kind}_copy_s": copy_s,
            f"payment_{kind}_ratio": run_s / copy_s,
        }
        said.append(f"{Kind(kind).label} {lines:,} lines {run_s:.2f} s against COPY {copy_s:.2f} s")
    runs_s = sum(r[2] for r in runs.values())
    ctx.notes["payment_run"] = (
        f"the banner's {YEAR} over {ctx.n_households:,} households, one batch per kind: "
        + "; ".join(said)
        + f". Livestock from {sum(claims.values()):,} approved claims loaded at COPY speed "
        f"({', '.join(f'{k} {n:,}' for k, n in claims.items())}); education from {streamed:,} streamed "
        f"households (the registry's stream alone {stream_s:.2f} s, overlapped by pricing and COPY); the "
        f"dividend is {village}'s plan ({runs[Kind.dividend][1]:,} of its {households:,} households), timed "
        "from the approval to "
        "payments' batch (assets' outbox, the plan read back, the payees looked up, the lines written)"
    )
    return {
        **figures,
        "payment_ratio": figures["payment_education_ratio"],
        "payment_year_s": runs_s,
        "payment_year_lines": float(sum(r[1] for r in runs.values())),
        "registry_stream_s": stream_s,
    }
