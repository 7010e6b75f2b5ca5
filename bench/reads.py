"""(d) What an official waits for at N households: scoped search and the dashboard, through the gateway.

Search: a village official in one village, a township official and a banner official each search by a
head's name prefix, by a household number and by a member's full ID number (found through its HMAC
digest), the terms drawn from the loaded data in the caller's scope. Dashboard: the household statistics
the dashboard page shows (`GET /api/v1/stats/households`) at banner, township and village level. Requests
go one after another (latency, not load); p95 over each set.
"""

import random
import statistics
import time
from typing import Any

import asyncpg
import httpx

from bench.context import BenchContext
from shared.crypto import FieldCipher
from shared.regions import BANNER_CODE
from shared.roles import Role

TOWNSHIP = "150625100"
VILLAGE = "150625100201"
SCOPES = (
    (Role.village_official, VILLAGE),
    (Role.township_official, TOWNSHIP),
    (Role.banner_official, BANNER_CODE),
)
SEARCHES_PER_SCOPE = 200
STATS_PER_LEVEL = 100
SAMPLE = 400  # households drawn per scope for search terms
WARMUP = 5


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


async def _terms(ctx: BenchContext, region: str, rng: random.Random) -> list[dict[str, str]]:
    """Query strings a user of `region` would type: name prefixes, household numbers, ID numbers."""
    cipher = FieldCipher.from_settings(ctx.settings.id_encryption_keys, ctx.settings.id_lookup_key)
    conn = await asyncpg.connect(ctx.dsn("registry"))
    try:
        rows = await conn.fetch(
            "SELECT h.head_name, h.number, m.id_cipher FROM households h "
            "JOIN members m ON m.household_id = h.id AND m.position = 0 "
            "WHERE h.region_code LIKE $1 || '%' ORDER BY h.number LIMIT $2 OFFSET $3",
            region,
            SAMPLE,
            rng.randrange(max(ctx.n_households // 50, 1)) if region == BANNER_CODE else 0,
        )
    finally:
        await conn.close()
    terms = []
    for row in rows:
        terms += [
            {"q": row["head_name"][:2]},
            {"q": row["number"]},
            {"q": cipher.decrypt(row["id_cipher"])},
        ]
    rng.shuffle(terms)
    return terms


async def _timed(client: httpx.AsyncClient, path: str, params: dict[str, str], token: str) -> float:
    started = time.perf_counter()
    response = await client.get(path, params=params, headers={"authorization": f"Bearer {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {params} answered {response.status_code}: {response.text[:300]}")
    return elapsed


async def _series(
    client: httpx.AsyncClient, path: str, params: list[dict[str, str]], token: str
) -> list[float]:
    for warm in params[:WARMUP]:
        await _timed(client, path, warm, token)
    return [await _timed(client, path, p, token) for p in params]


async def measure(ctx: BenchContext) -> dict[str, float]:
    rng = random.Random(ctx.n_households)
    search_ms: list[float] = []
    stats_ms: list[float] = []
    per_scope: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=ctx.stack.url("gateway"), timeout=60) as client:
        for role, region in SCOPES:
            token = ctx.token(role, region)
            terms = (await _terms(ctx, region, rng))[:SEARCHES_PER_SCOPE]
            found = await _series(client, "/api/v1/households", terms, token)
            levels = await _series(client, "/api/v1/stats/households", [{}] * STATS_PER_LEVEL, token)
            search_ms += found
            stats_ms += levels
            per_scope[role] = f"search p95 {p95(found):.1f} ms, stats p95 {p95(levels):.1f} ms"
    ctx.notes["reads"] = (
        f"through the gateway, one request at a time; {len(search_ms)} searches (name prefix, household "
        f"number, ID number) and {len(stats_ms)} statistics reads over {ctx.n_households:,} households — "
        + "; ".join(f"{role} {text}" for role, text in per_scope.items())
    )
    return {
        "search_p95_ms": p95(search_ms),
        "search_p50_ms": statistics.median(search_ms),
        "dashboard_p95_ms": p95(stats_ms),
        "dashboard_p50_ms": statistics.median(stats_ms),
    }
