"""(e) Every process as two replicas on one PostgreSQL and one Redis, as a banner runs it on Kubernetes.

A second gateway and a second of each service start beside the running stack (the same databases, Redis
and keys; each gateway calls its own set of services). Then, through both gateways:
- a token signed out at one gateway is refused at the other and by the other's services
  (`revocation_breaches`: requests still answered after the sign-out);
- failed sign-ins of one account and self-reports of one reporter, alternating between the gateways, are
  refused from the first one past the limit (`limit_breaches`: attempts let through past it, or refused
  before it);
- a batch is disbursed while both payments processes dispatch the outbox, and the bank simulator counts
  each instruction it receives (`outbox_duplicates`: deliveries past the first);
- `wrk` reads households through one gateway, then through both at once (`replica_ratio`: requests per
  second with two replicas over one; on this two-core machine every replica shares the same cores).

`tests/e2e/test_replicas.py` runs the same checks at a small N in `make test`.
"""

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench import gateway as gateway_bench
from bench.context import BenchContext
from deploy.bank_simulator import CALLBACK_PATH, ClientCredentials, Ledger, create_app
from deploy.stack import Stack
from gateway.ratelimit import REPORTS_PER_REPORTER, SIGN_IN_FAILURES
from shared.idnumber import Sex, make_id_number
from shared.migrations import upgrade
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.settings import PROCESSES

VILLAGE = "150625100201"  # a demo village (嘎查) of both the bench and the demo seed
TOWNSHIP = "150625100"
YEAR = 2025  # the payment run benchmark pays 2026's education allowance; this one disburses 2025's
WRK_CONNECTIONS = 50
WRK_SECONDS = 10
DISBURSE_TIMEOUT_S = 1200.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def second_replicas(stack: Stack, timeout: float = 180.0) -> Iterator[Stack]:
    """Another gateway and another of each service on the same databases, Redis and keys. As a rollout's
    migration Job would, each database is brought to the head of the code the new processes run."""
    with ThreadPoolExecutor(1) as pool:  # `upgrade` runs its own event loop; the caller may be inside one
        for process in PROCESSES:
            pool.submit(upgrade, process, stack.env[f"{process.upper()}_DATABASE_URL"]).result()
    twin = Stack(ports={p: _free_port() for p in PROCESSES}, env=stack.env)
    try:
        twin.start_all(timeout=timeout)
        yield twin
    finally:
        twin.stop_all()


@dataclass
class Callers:
    """Bearer headers of the people a disbursement needs: two officials (maker and checker) and an admin."""

    maker: dict[str, str]
    checker: dict[str, str]
    admin: dict[str, str]
    reader: dict[str, str]


def bench_callers(token: Any) -> Callers:
    def bearer(role: Role, region: str) -> dict[str, str]:
        return {"authorization": f"Bearer {token(role, region)}"}

    return Callers(
        maker=bearer(Role.township_official, TOWNSHIP),
        checker=bearer(Role.banner_official, BANNER_CODE),
        admin=bearer(Role.banner_admin, BANNER_CODE),
        reader=bearer(Role.banner_official, BANNER_CODE),
    )


async def revocation_breaches(first: Stack, second: Stack, headers: dict[str, str]) -> int:
    """Sign out at the first gateway; count the answers the second gateway and its registry still give."""
    async with httpx.AsyncClient(timeout=30) as client:
        before = await client.get(second.url("gateway") + "/api/v1/regions", headers=headers)
        if before.status_code != 200:
            raise RuntimeError(f"the token was refused before sign-out: {before.status_code}")
        signed_out = await client.post(first.url("gateway") + "/auth/logout", headers=headers)
        if signed_out.status_code != 204:
            raise RuntimeError(f"sign-out answered {signed_out.status_code}")
        urls = [second.url("gateway") + p for p in ("/auth/me", "/api/v1/regions", "/api/v1/households")]
        urls.append(second.url("registry") + "/api/v1/regions")
        return sum([(await client.get(url, headers=headers)).status_code != 401 for url in urls])


def _breaches(codes: list[int], limit: int, allowed: int, refused: int = 429) -> int:
    """Attempts let through past `limit`, plus attempts refused within it."""
    return sum(c != refused for c in codes[limit:]) + sum(c != allowed for c in codes[:limit])


async def sign_in_breaches(gateways: list[str]) -> int:
    """Failed sign-ins of one account alternating between the gateways: the limit counts them together."""
    account = {"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "guess"}
    async with httpx.AsyncClient(timeout=30) as client:
        codes = [
            (await client.post(gateways[i % len(gateways)] + "/auth/token", data=account)).status_code
            for i in range(SIGN_IN_FAILURES.amount + 2)
        ]
    return _breaches(codes, SIGN_IN_FAILURES.amount, allowed=401)


async def report_breaches(gateways: list[str]) -> int:
    """One reporter filing the public self-report form again and again, alternating between gateways."""
    id_number = make_id_number(
        VILLAGE[:6], date(1970, 1, 1 + uuid.uuid4().int % 28), uuid.uuid4().int % 999, Sex.female
    )
    form = {
        "village_code": VILLAGE,
        "name": "限流测试",
        "phone": "13900001111",
        "id_number": id_number,
        "risk_types": ["illness"],
        "description": "家中老人重病，医药费负担重",
        "authorisation": "on",
    }
    # One cookie jar for both: cookies do not tell ports apart, as a browser's behind one address would not.
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(gateways[0] + "/report")
        found = _CSRF.search(page.text)
        if page.status_code != 200 or found is None:
            raise RuntimeError(f"no report form: {page.status_code}")
        form["csrf_token"] = found.group(1)
        codes = [
            (await client.post(gateways[i % len(gateways)] + "/report", data=form)).status_code
            for i in range(REPORTS_PER_REPORTER.amount + 2)
        ]
    return _breaches(codes, REPORTS_PER_REPORTER.amount, allowed=201)


@contextlib.asynccontextmanager
async def bank_simulator(gateway: str, callers: Callers) -> AsyncIterator[Ledger]:
    """A bank client and the simulator as its approved webhook endpoint, served in this process; yields
    the simulator's ledger (every delivery by instruction id)."""
    port = _free_port()
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as gw:
        client = await _ok(
            gw.post(
                "/api/v1/admin/clients",
                json={"name": "代理银行（模拟）", "role": "bank", "region": BANNER_CODE},
                headers=callers.admin,
            ),
            201,
        )
        body = {"url": f"http://127.0.0.1:{port}/instructions", "bank_client_id": client["client_id"]}
        endpoint = await _ok(
            gw.post("/api/v1/payments/webhook-endpoints", json=body, headers=callers.admin), 201
        )
        await _ok(
            gw.post(f"/api/v1/payments/webhook-endpoints/{endpoint['id']}/approve", headers=callers.checker)
        )
    async with httpx.AsyncClient(timeout=30) as token_client:
        credentials = ClientCredentials(token_client, gateway, client["client_id"], client["client_secret"])
        app = create_app(
            endpoint["secret"], gateway + CALLBACK_PATH, credentials, delay_seconds=0.05, failure_percent=0
        )
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        task = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if task.done():
                    raise RuntimeError("the bank simulator did not start")
                await asyncio.sleep(0.05)
            yield app.state.ledger
        finally:
            server.should_exit = True
            await task


async def _ok(call: Any, status: int = 200) -> Any:
    response = await call
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} answered {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response.json()


async def disbursed_through_both(first: Stack, second: Stack, callers: Callers) -> dict[str, float]:
    """A township's education batch drafted at one gateway, approved and disbursed at the other, while both
    payments processes dispatch; waits for the bank to pay every line. Lines, deliveries, duplicates."""
    one, two = first.url("gateway"), second.url("gateway")
    async with bank_simulator(one, callers) as ledger, httpx.AsyncClient(timeout=120) as client:
        body = {"year": YEAR, "kind": "education", "region": TOWNSHIP}
        batch = await _ok(
            client.post(one + "/api/v1/payments/batches", json=body, headers=callers.maker), 201
        )
        path = f"/api/v1/payments/batches/{batch['id']}"
        await _ok(client.post(one + path + "/submit", headers=callers.maker))
        await _ok(client.post(two + path + "/approve", headers=callers.checker))
        started = time.perf_counter()
        await _ok(client.post(two + path + "/disburse", headers=callers.checker))
        deadline = started + DISBURSE_TIMEOUT_S
        while (await _status(client, one + path, callers.reader)) != "completed":
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the batch was not paid in {DISBURSE_TIMEOUT_S:.0f} s")
            await asyncio.sleep(0.25)
        paid_s = time.perf_counter() - started
    deliveries = sum(ledger.deliveries.values())
    return {
        "lines": float(batch["line_count"]),
        "instructions": float(len(ledger.deliveries)),
        "deliveries": float(deliveries),
        "duplicates": float(deliveries - len(ledger.deliveries)),
        "paid_s": paid_s,
    }


async def _status(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> str | None:
    """The batch's status; None while payments is too busy to answer (the bank's callbacks come first)."""
    response = await client.get(url, headers=headers)
    if response.status_code == 503:
        return None
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:500]}")
    return str(response.json()["status"])


def _throughput(urls: list[str], script: Path) -> float:
    """Requests per second of one `wrk` per URL, all at once, `WRK_CONNECTIONS` shared among them."""
    each = WRK_CONNECTIONS // len(urls)
    with ThreadPoolExecutor(len(urls)) as pool:
        runs = list(pool.map(lambda u: gateway_bench.run_wrk(u, script, WRK_SECONDS, connections=each), urls))
    return sum(run["rps"] for run in runs)


async def measure(ctx: BenchContext) -> dict[str, float]:
    callers = bench_callers(ctx.token)
    first = ctx.stack
    script = await gateway_bench.household_script(ctx)
    with second_replicas(first) as second:
        gateways = [first.url("gateway"), second.url("gateway")]
        one = await asyncio.to_thread(_throughput, [gateways[0], gateways[0]], script)
        two = await asyncio.to_thread(_throughput, gateways, script)
        leaving = {"authorization": f"Bearer {ctx.token(Role.work_team, VILLAGE)}"}
        revoked = await revocation_breaches(first, second, leaving)
        limits = await sign_in_breaches(gateways) + await report_breaches(gateways)
        paid = await disbursed_through_both(first, second, callers)
    ctx.notes["replicas"] = (
        f"two gateways and two of each service on one PostgreSQL and one Redis; wrk {WRK_CONNECTIONS} "
        f"connections for {WRK_SECONDS} s on GET /api/v1/households/{{id}}: {one:.0f} req/s through one "
        f"gateway, {two:.0f} through both; {paid['lines']:.0f} education lines disbursed while both payments "
        f"processes dispatched: {paid['deliveries']:.0f} deliveries of {paid['instructions']:.0f} "
        f"instructions, paid in {paid['paid_s']:.1f} s; sign-in and self-report limits alternated between "
        "the gateways; a token signed out at one gateway tried at the other and its registry"
    )
    return {
        "replica_rps_one": one,
        "replica_rps_two": two,
        "replica_ratio": round(two / one, 3),
        "outbox_duplicates": paid["duplicates"],
        "outbox_lines": paid["lines"],
        "limit_breaches": float(limits),
        "revocation_breaches": float(revoked),
    }
