"""(c) The gateway's cost: one realistic read at 50 concurrent clients (and at 100 and 200), direct to the
registry and through the gateway, with the same token, alternating in the same run (each side's best of two).

The load comes from `wrk` (C, one thread, so the servers keep the cores): each request takes the next of a
set of household ids (`GET /api/v1/households/{id}`: a scoped lookup, members decrypted, in JSON), so the
service does real work and nothing is served from a cache.
"""

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx

from bench.context import BenchContext
from shared.roles import Role

CONNECTIONS = 50  # the targets' level
MORE_CONNECTIONS = (100, 200)  # reported too
SECONDS = 10
WARM_UP_SECONDS = 2
ROUNDS = 2  # each side run this often, alternating; the best run of each is kept
ID_SAMPLE = 500
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")

SCRIPT = """
local paths = {%(paths)s}
local token = "%(token)s"
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Authorization"] = "Bearer " .. token})
end
"""


def parse_wrk(output: str) -> dict[str, float]:
    """Requests per second and the 50th and 99th percentile latencies (ms) of `wrk --latency` output."""
    rps = _RPS.search(output)
    latencies = {int(p): float(v) * _UNITS_MS[unit] for p, v, unit in _LATENCY.findall(output)}
    if rps is None or set(latencies) != {50, 99}:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    failed = _NON_2XX.search(output)
    if failed:
        raise RuntimeError(f"{failed.group(1)} requests failed:\n{output}")
    return {"rps": float(rps.group(1)), "p50_ms": latencies[50], "p99_ms": latencies[99]}


def run_wrk(url: str, script: Path, seconds: int, *, connections: int = CONNECTIONS) -> dict[str, float]:
    command = [
        "wrk",
        "--threads=1",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        url,
    ]
    return parse_wrk(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


async def _household_paths(registry_url: str, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=registry_url, headers=headers, timeout=60) as c:
        response = await c.get("/api/v1/households", params={"page_size": 100})
        response.raise_for_status()
        total = response.json()["total"]
        pages = max(1, min(total // 100, ID_SAMPLE // 100))
        ids: list[str] = []
        for page in range(1, pages + 1):  # spread over the whole registry, not its first page
            number = max(1, page * (total // 100) // pages)
            listed = await c.get("/api/v1/households", params={"page_size": 100, "page": number})
            ids += [item["id"] for item in listed.json()["items"]]
    if not ids:
        raise RuntimeError("no households to read")
    return [f"/api/v1/households/{household_id}" for household_id in ids]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _side_by_side(ctx: BenchContext, script: Path, connections: int) -> dict[str, dict[str, float]]:
    """Both runs, each with the CPU milliseconds per request the registry and the gateway spent: a figure
    that holds even when something else shares the machine. The two sides alternate `ROUNDS` times and
    each keeps its best run, so a burst of other work (a checkpoint, autovacuum) during one run does not
    decide the comparison."""
    pids = {name: ctx.stack.processes[name].pid for name in ("registry", "gateway")}
    figures: dict[str, dict[str, float]] = {}
    for _ in range(ROUNDS):
        for name, service in (("direct", "registry"), ("gateway", "gateway")):
            url = ctx.stack.url(service)
            run_wrk(url, script, WARM_UP_SECONDS, connections=connections)
            before = {process: cpu_seconds(pid) for process, pid in pids.items()}
            run = run_wrk(url, script, SECONDS, connections=connections)
            requests = run["rps"] * SECONDS
            for process, pid in pids.items():
                used = cpu_seconds(pid) - before[process]
                run[f"{process}_cpu_ms"] = round(used * 1000 / requests, 3)
            if name not in figures or run["rps"] > figures[name]["rps"]:
                figures[name] = run
    return figures


async def household_script(ctx: BenchContext) -> Path:
    """A wrk script reading `ID_SAMPLE` households spread over the registry, as a banner official."""
    token = ctx.token(Role.banner_official, "150625")
    paths = await _household_paths(ctx.stack.url("registry"), token)
    script = ctx.workdir / "households.lua"
    script.write_text(SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths), "token": token})
    return script


def _compared(direct: dict[str, float], gateway: dict[str, float], suffix: str = "") -> dict[str, float]:
    return {
        f"direct_rps{suffix}": direct["rps"],
        f"gateway_rps{suffix}": gateway["rps"],
        f"gateway_ratio{suffix}": round(gateway["rps"] / direct["rps"], 3),
        f"direct_p99_ms{suffix}": direct["p99_ms"],
        f"gateway_p99_ms{suffix}": gateway["p99_ms"],
        f"gateway_p99_added_ms{suffix}": round(gateway["p99_ms"] - direct["p99_ms"], 2),
    }


async def measure(ctx: BenchContext) -> dict[str, float]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    script = await household_script(ctx)
    figures = await asyncio.to_thread(_side_by_side, ctx, script, CONNECTIONS)
    direct, gateway = figures["direct"], figures["gateway"]
    more = {}
    for connections in MORE_CONNECTIONS:  # beyond the target's level, failed requests are reported, not fatal
        try:
            level = await asyncio.to_thread(_side_by_side, ctx, script, connections)
        except RuntimeError as failed:
            ctx.notes[f"gateway_{connections}"] = "not measured: " + str(failed).splitlines()[0]
            continue
        more.update(_compared(level["direct"], level["gateway"], f"_{connections}"))
    ctx.notes["gateway"] = (
        f"wrk, 1 thread, {CONNECTIONS} connections (and {', '.join(map(str, MORE_CONNECTIONS))}), "
        f"{SECONDS} s each after {WARM_UP_SECONDS} s warm-up, the sides alternating, best of {ROUNDS}: "
        f"GET /api/v1/households/{{id}} over {ID_SAMPLE} households as a banner official, straight to the "
        "registry and through the gateway "
        "(one uvicorn worker each); CPU per request is each process's user+system time over the run "
        "divided by the requests served"
    )
    return {
        **_compared(direct, gateway),
        "direct_p50_ms": direct["p50_ms"],
        "gateway_p50_ms": gateway["p50_ms"],
        "registry_cpu_ms_per_request": direct["registry_cpu_ms"],
        "gateway_cpu_ms_per_request": gateway["gateway_cpu_ms"],
        **more,
    }
