"""The year's asset-income dividend (资产收益分红) of the largest village, made through assets' public routes
as officials make it, so the bench follows the plan rules as they stand: an operating asset registered and
its year's income recorded by the village official, a plan drafted over the village's households lifted out
of poverty or monitored (every category but ordinary: a poverty-relief asset's income is theirs), published
for its notice (公示) when assets asks for one, approved by a banner official.

The approval queues the hand-over; assets' outbox delivers it to payments, which reads the plan back, the
payees from the registry, and writes the batch. `hand_over` times that whole path, from the approval to the
plan answering `handed_over` with its batch.
"""

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from bench.context import BenchContext
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.vocabulary.households import Category

TIMEOUT = httpx.Timeout(3600.0, connect=10.0)
PER_HOUSEHOLD_FEN = 20_000  # 200 yuan a household of the village: every sharing household's part is above 0
SHARES = {"households": 60, "public_posts": 20, "collective": 20}
POLL_S = 0.05
NOTICE_WAIT_S = 120  # longest notice the bench waits out (the stack runs with the drills' short periods)
LARGEST_VILLAGE = "SELECT region_code, count(*) FROM households GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"


async def _largest_village(ctx: BenchContext) -> tuple[str, int]:
    conn = await asyncpg.connect(ctx.dsn("registry"))
    try:
        row = await conn.fetchrow(LARGEST_VILLAGE)
    finally:
        await conn.close()
    return str(row["region_code"]), int(row["count"])


def _ok(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code not in (200, 201):
        raise RuntimeError(f"{what} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


async def draft(ctx: BenchContext, client: httpx.AsyncClient, *, year: int) -> tuple[str, str, int]:
    """Register the asset, its income and the plan; returns the plan id, the village and its households."""
    village, households = await _largest_village(ctx)
    maker = {"authorization": f"Bearer {ctx.token(Role.village_official, village)}"}
    base = ctx.stack.url("assets") + "/api/v1/assets"
    total_fen = households * PER_HOUSEHOLD_FEN
    asset = _ok(
        await client.post(
            base,
            headers=maker,
            json={
                "name": "压力测试集体经营性资产",
                "asset_class": "operating",
                "region_code": village,
                "funding_source": "central",
                "funding_year": year,
                "value_fen": total_fen * 10,
            },
        ),
        "registering the asset",
    )
    _ok(
        await client.post(
            f"{base}/{asset['id']}/incomes", headers=maker, json={"year": year, "amount_fen": total_fen}
        ),
        "recording the income",
    )
    body = {
        "year": year,
        "region": village,
        "total_fen": total_fen,
        "shares": SHARES,
        "categories": [str(c) for c in Category if c != Category.ordinary],
    }
    plan = _ok(await client.post(f"{base}/distributions", headers=maker, json=body), "drafting the plan")
    await _publish(client, f"{base}/distributions/{plan['id']}", maker)
    return str(plan["id"]), village, households


async def _publish(client: httpx.AsyncClient, url: str, maker: dict[str, str]) -> None:
    """Post the plan's notice when assets has the step (404/405 before it does), and wait the notice out."""
    response = await client.post(f"{url}/publish", headers=maker)
    if response.status_code in (404, 405):
        return
    plan = _ok(response, "publishing the plan")
    until = plan.get("notice_until")
    if until:
        wait = (datetime.fromisoformat(until) - datetime.now(UTC)).total_seconds()
        if wait > NOTICE_WAIT_S:
            raise RuntimeError(f"the plan's notice lasts until {until}: too long for a bench to wait out")
        await asyncio.sleep(max(wait, 0) + 0.5)


async def hand_over(
    ctx: BenchContext, client: httpx.AsyncClient, plan_id: str, *, village: str
) -> tuple[str, int, float]:
    """Approve the plan as a banner official and wait for payments' batch; returns its id, the plan's lines
    and the seconds it took."""
    checker = {"authorization": f"Bearer {ctx.token(Role.banner_official, BANNER_CODE)}"}
    base = ctx.stack.url("assets") + "/api/v1/assets/distributions"
    started = time.perf_counter()
    _ok(await client.post(f"{base}/{plan_id}/approve", headers=checker), "approving the plan")
    while True:  # the plans list answers without the lines: a cheap poll
        page = _ok(await client.get(base, headers=checker, params={"region": village}), "reading the plans")
        plan = next(p for p in page["items"] if p["id"] == plan_id)
        if plan["status"] == "handover_failed":
            raise RuntimeError(f"payments refused the dividend batch: {plan['handover_error']}")
        if plan["payment_batch_id"]:
            return str(plan["payment_batch_id"]), int(plan["line_count"]), time.perf_counter() - started
        await asyncio.sleep(POLL_S)
