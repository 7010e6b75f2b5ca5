"""`python -m bench [--output FILE]`: provision, load N households, serve, measure, summarise, clean up.

Databases of its own on PostgreSQL (`<BENCH_DB_PREFIX>_<process>`, dropped and created afresh, migrated with
the real migrations), a throwaway key pair, the service clients and the demo villages and accounts, then
`BENCH_N` generated households (default 1,000,000) loaded at COPY speed. The five processes serve as real
uvicorn servers; each benchmark module's `measure(ctx)` runs in turn. One JSON summary goes to stdout and
to `bench/results.json` (or `--output`); progress goes to stderr. Everything is dropped afterwards.
`BENCH_ONLY=payment_run,reads` runs only the named benchmarks (a quicker look while working on one).
Before each benchmark the run waits for PostgreSQL to settle — a CHECKPOINT, then no autovacuum worker or
other query running — for at most `BENCH_SETTLE_S` seconds (300).

While tuning, load once and measure many times: `BENCH_KEEP=1` leaves the `<prefix>_<process>` databases in
place after the run (scratch databases are still dropped), and `BENCH_REUSE=1` takes the registry database
as it is when it already holds exactly `BENCH_N` households — migrated to head (so a new migration is
tried on the loaded data), not loaded again. The other processes' databases are always made afresh: a
payment run leaves its batch behind, and a second run over the same entitlements would find nothing to pay.
"""

import argparse
import asyncio
import importlib
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bench.context import BenchContext
from bench.generator import load_households
from deploy.manage import register_service_clients, seed
from deploy.stack import Stack
from gateway.keys import generate_keypair
from gateway.tokens import TokenIssuer
from services.registry.seed import demo_villages
from shared.crypto import FieldCipher
from shared.migrations import upgrade
from shared.roles import Role
from shared.settings import PROCESSES, Settings

DEFAULT_N = 1_000_000
RESULTS = Path(__file__).with_name("results.json")
ADMIN_DSN = os.environ.get(
    "BENCH_PG_DSN", os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
)
# (module, what it measures), run in this order.
BENCHMARKS = (
    ("bench.payment_run", "a year's payment run against a raw COPY of its lines"),
    ("bench.imports", ".xlsx import against calamine's own read"),
    ("bench.gateway", "the gateway against calling the service directly"),
    ("bench.reads", "scoped search and the dashboard"),
    ("bench.replicas", "two replicas of every process: outbox, limits, revocation, throughput"),
)
# Counts of things that must not happen: zero is the result hoped for, so zero is a valid figure.
ZERO_ALLOWED = frozenset({"outbox_duplicates", "limit_breaches", "revocation_breaches"})
TOKEN_LIFETIME_HOURS = 12
SETTLE_S = float(os.environ.get("BENCH_SETTLE_S", 300))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Phases:
    """Wall time of each phase, logged as it ends and kept for the summary."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        log(f"{name} …")
        began = time.monotonic()
        yield
        self.seconds[name] = round(time.monotonic() - began, 2)
        log(f"{name} done in {self.seconds[name]:.1f} s (elapsed {time.monotonic() - self.started:.0f} s)")


def pg_url(name: str) -> str:
    return make_url(ADMIN_DSN).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)


def plain_dsn(url: str) -> str:
    """An asyncpg DSN from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Databases:
    """The run's PostgreSQL databases: created empty and migrated, all dropped at the end."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.names: list[str] = []

    def provision(self, name: str, process: str, *, reuse: bool = False) -> str:
        """Drop and create `name` (unless `reuse`), migrate it as `process`; blocking (runs its own event
        loops)."""
        if not reuse:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        url = pg_url(name)
        upgrade(process, url)
        return url

    def fresh(self, process: str) -> str:
        """Another migrated database for `process`; callable from inside the event loop."""
        name = f"{self.prefix}_{process}_{len(self.names)}"
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(self.provision, name, process).result()

    def drop_all(self, keep: frozenset[str] = frozenset()) -> None:
        for name in reversed(self.names):
            if name not in keep:
                asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.names.clear()


async def vacuum(dsn: str) -> None:
    """Vacuum and analyse a freshly loaded database, as autovacuum soon would in service: until the
    visibility map is set, every index-only read (search, the stream) also visits the table's pages."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


def households_loaded(name: str) -> int | None:
    """How many households the registry database `name` holds; None when it does not exist (or is not
    migrated yet)."""

    async def count() -> int | None:
        try:
            conn = await asyncpg.connect(plain_dsn(pg_url(name)))
        except asyncpg.InvalidCatalogNameError:
            return None
        try:
            return int(await conn.fetchval("SELECT count(*) FROM households"))
        except asyncpg.UndefinedTableError:
            return None
        finally:
            await conn.close()

    return asyncio.run(count())


def machine(settings: Settings) -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )

    async def server_version() -> str:
        conn = await asyncpg.connect(plain_dsn(settings.database_url("registry")))
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "postgresql": asyncio.run(server_version()),
        "python": platform.python_version(),
    }


def stack_env(settings: Settings, keys: Path) -> dict[str, str]:
    """As production runs: Redis holds the revocation list and the limits (shared by replicas); a batch's
    instructions may go to the bank simulator on this machine, and its notice period is none."""
    return {
        "HANGJIN_ENV": "test",
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:12]}",
        "BANK_ENDPOINT_HOSTS": "127.0.0.1",
        "PAYMENT_NOTICE_DAYS": "0",  # a drill's setting: a batch is approved without a week's public notice
        "JWT_PRIVATE_KEY_FILE": str(settings.jwt_private_key_file),
        "JWT_PUBLIC_KEY_FILE": str(settings.jwt_public_key_file),
        "SECRET_KEY": settings.secret_key,
        "SERVICE_CLIENTS_SECRET": settings.service_clients_secret,
        "LOG_LEVEL": "WARNING",
        **{f"{p.upper()}_DATABASE_URL": settings.database_url(p) for p in PROCESSES},
    }


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def settled(dsn: str) -> None:
    """Wait (at most `SETTLE_S`) until PostgreSQL has written out the last benchmark's work and has nothing
    else running — no autovacuum worker, no other query — so the next one does not measure the previous
    one's after-effects (an import's 600,000 rows are vacuumed and analysed for a minute after it ends)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CHECKPOINT")
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' "
                "AND backend_type IN ('client backend', 'autovacuum worker')"
            )
            if not busy:
                return
            await asyncio.sleep(1)
        log(f"PostgreSQL still busy after {SETTLE_S:.0f} s; measuring anyway")
    finally:
        await conn.close()


async def measure_all(ctx: BenchContext, phases: Phases, only: set[str], partial: Path) -> dict[str, float]:
    """Each benchmark in turn; the figures so far are written to `partial` after each one, so a benchmark
    that fails late in an hour's run leaves the others' figures behind."""
    figures: dict[str, float] = {}
    for module_name, what in BENCHMARKS:
        if only and module_name.removeprefix("bench.") not in only:
            continue
        module = importlib.import_module(module_name)
        await settled(ctx.dsn("registry"))
        with phases.phase(f"{module_name.removeprefix('bench.')}: {what}"):
            figures.update(await module.measure(ctx))
        so_far = {"n_households": ctx.n_households, **figures, "phases_s": phases.seconds, "notes": ctx.notes}
        await asyncio.to_thread(partial.write_text, json.dumps(so_far, ensure_ascii=False, indent=2) + "\n")
    return figures


def _may_be(key: str, value: float) -> bool:
    """Zero for a count of failures; any sign for a difference (through the gateway p99 can come out
    lower than direct: two runs of a noisy machine)."""
    return (key in ZERO_ALLOWED and value == 0) or "_added_" in key


def check(figures: dict[str, float]) -> None:
    """Every figure a finite positive number (a count of failures may be zero, a difference negative):
    anything else is a broken benchmark, not a result."""
    bad = {
        k: v
        for k, v in figures.items()
        if not (isinstance(v, int | float) and math.isfinite(v) and (v > 0 or _may_be(k, v)))
    }
    if bad:
        raise SystemExit(f"benchmark figures that are not finite positive numbers: {bad}")


def run(n: int, output: Path, prefix: str, only: set[str], *, keep: bool, reuse: bool) -> dict[str, Any]:
    phases = Phases()
    partial = output.with_name(output.stem + ".partial.json")  # the figures so far, until the run ends
    databases = Databases(prefix)
    workdir = Path(tempfile.mkdtemp(prefix="hangjin-bench-"))
    stack: Stack | None = None
    try:
        keys = workdir / "keys"
        keys.mkdir()
        generate_keypair(keys / "jwt-private.pem", keys / "jwt-public.pem")
        reused = reuse and households_loaded(f"{prefix}_registry") == n
        if reuse:
            log(f"{prefix}_registry " + ("holds" if reused else "does not hold") + f" {n:,} households")
        with phases.phase("provision databases"):
            urls = {
                p: databases.provision(f"{prefix}_{p}", p, reuse=reused and p == "registry")
                for p in PROCESSES
            }
        settings = Settings(
            hangjin_env="test",
            jwt_private_key_file=keys / "jwt-private.pem",
            jwt_public_key_file=keys / "jwt-public.pem",
            secret_key="bench-secret-key",
            **{f"{p}_database_url": url for p, url in urls.items()},
        )
        with phases.phase("seed villages, accounts and service clients"):
            asyncio.run(register_service_clients(settings))
            asyncio.run(seed(settings, households=False))
        if not reused:
            with phases.phase(f"load {n:,} households"):
                cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
                villages = [v.code for v in demo_villages()]
                counts = asyncio.run(
                    load_households(plain_dsn(urls["registry"]), n=n, villages=villages, cipher=cipher)
                )
                log(f"loaded {counts['households']:,} households, {counts['members']:,} members")
        with phases.phase("vacuum the registry"):  # after a load, or after a migration rewrote rows
            asyncio.run(vacuum(plain_dsn(urls["registry"])))
        stack = Stack(ports={p: free_port() for p in PROCESSES}, env=stack_env(settings, keys))
        with phases.phase("start the stack"):
            stack.start_all(timeout=120)
        from datetime import timedelta

        issuer = TokenIssuer.from_file(
            settings.jwt_private_key_file, lifetime=timedelta(hours=TOKEN_LIFETIME_HOURS)
        )

        def token(role: Role, region: str) -> str:
            return issuer.issue(subject=f"bench-{role}-{region}", role=role, region=region).access_token

        ctx = BenchContext(
            n_households=n,
            settings=settings,
            stack=stack,
            token=token,
            workdir=workdir,
            fresh_database=databases.fresh,
        )
        figures = asyncio.run(measure_all(ctx, phases, only, partial))
        check(figures)
        summary: dict[str, Any] = {
            "n_households": n,
            **figures,
            "machine": machine(settings),
            "phases_s": phases.seconds,
            "notes": ctx.notes,
        }
    finally:
        if stack is not None:
            stack.stop_all()
        databases.drop_all(keep=frozenset(f"{prefix}_{p}" for p in PROCESSES) if keep else frozenset())
        shutil.rmtree(workdir, ignore_errors=True)
    output.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    partial.unlink(missing_ok=True)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--output", type=Path, default=Path(os.environ.get("BENCH_OUTPUT", RESULTS)))
    args = parser.parse_args(argv)
    n = int(os.environ.get("BENCH_N", DEFAULT_N))
    prefix = os.environ.get("BENCH_DB_PREFIX", "bench")
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    keep, reuse = (os.environ.get(name) == "1" for name in ("BENCH_KEEP", "BENCH_REUSE"))
    summary = run(n, args.output, prefix, only, keep=keep, reuse=reuse)
    print(json.dumps(summary, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
