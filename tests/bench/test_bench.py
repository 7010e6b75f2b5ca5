"""`make bench` end to end at a tiny N: provisions, loads, serves, measures and leaves a usable summary."""

import asyncio
import importlib
import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from bench.__main__ import BENCHMARKS
from bench.payment_run import LIVESTOCK_KINDS, SAFETY_NET_KINDS
from shared.vocabulary.payments import Kind
from tests.conftest import PG_ADMIN_DSN, require_postgres

# Each kind of the year's payment run: its lines, its time, the raw COPY of them and the ratio.
PAYMENT_KINDS = (*LIVESTOCK_KINDS, Kind.education, *SAFETY_NET_KINDS, Kind.dividend)
PAYMENT_FIGURES = ("lines", "s", "copy_s", "ratio")
# The keys the published table needs, by the module that measures them.
KEYS = {
    "bench.payment_run": (
        "payment_ratio",
        "payment_year_s",
        "payment_year_lines",
        *(f"payment_{kind}_{figure}" for kind in PAYMENT_KINDS for figure in PAYMENT_FIGURES),
    ),
    "bench.imports": ("import_s", "calamine_read_s", "import_ratio"),
    "bench.gateway": (
        "direct_rps",
        "gateway_rps",
        "gateway_ratio",
        "gateway_p99_added_ms",
        "registry_cpu_ms_per_request",
        "gateway_cpu_ms_per_request",
        "gateway_ratio_100",
        "gateway_ratio_200",
    ),
    "bench.reads": ("search_p95_ms", "dashboard_p95_ms"),
    "bench.replicas": ("replica_ratio", "outbox_duplicates", "limit_breaches", "revocation_breaches"),
}
# The spreadsheet, load and replica benchmarks take minutes even at a tiny N (the replicas' checks run in
# tests/e2e/test_replicas.py).
QUICK = ("payment_run", "reads")


def test_every_benchmark_has_its_keys_in_the_table() -> None:
    assert {module for module, _ in BENCHMARKS} == set(KEYS)


def test_a_tiny_run_writes_every_figure_as_a_finite_positive_number(tmp_path: Path) -> None:
    require_postgres()
    output = tmp_path / "results.json"
    env = {
        **os.environ,
        "BENCH_N": "300",
        "BENCH_ONLY": ",".join(QUICK),
        "BENCH_OUTPUT": str(output),
        "BENCH_DB_PREFIX": f"bench_test_{uuid.uuid4().hex[:8]}",
        "BENCH_PG_DSN": PG_ADMIN_DSN,
        "BENCH_SETTLE_S": "10",  # the suite's own databases are busy in turn: no minutes of waiting here
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(output.read_text())
    assert json.loads(done.stdout) == summary  # stdout is the summary and nothing else
    assert summary["n_households"] == 300
    expected = [key for module in QUICK for key in KEYS[f"bench.{module}"]]
    for key in expected:
        value = summary[key]
        assert isinstance(value, int | float) and math.isfinite(value) and value > 0, (key, value)
    assert summary["payment_education_lines"] <= 300 and summary["machine"]["cores"] >= 1
    assert summary["payment_ratio"] == summary["payment_education_ratio"]
    assert set(summary["notes"]) == {"payment_run", "reads"}
    assert not asyncio.run(_databases_named(env["BENCH_DB_PREFIX"]))  # everything dropped afterwards
    assert not (tmp_path / "results.partial.json").exists()  # the figures so far give way to the summary


async def _databases_named(prefix: str) -> list[str]:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'", prefix)
    finally:
        await conn.close()
    return [r["datname"] for r in rows]


@pytest.mark.parametrize("module", sorted(KEYS))
def test_each_benchmark_module_offers_measure(module: str) -> None:
    assert callable(importlib.import_module(module).measure)
