"""(b) Spreadsheet import of N households against python-calamine's own read of the same file.

The file is what officials upload: the import template's columns, one row per member, written with
openpyxl's write-only mode from the deterministic demo generator. `calamine_read_s` is the floor any .xlsx
import stands on (calamine, in Rust, reading every cell value into Python); `import_s` is the registry's
whole import of that same file through its upload endpoint over HTTP: multipart upload, the bounds, reading,
checking every row, encryption, duplicate checks and the insert, committed. It runs on a registry process of
its own, on a fresh database, so the N households already loaded and the other benchmarks are left as they
were. The registry reads with calamine, a slice of rows at a time, a sheet whose rows and cells all carry
their references, and with openpyxl's read-only mode any other (shared/workbook.py); the note says which
read this file.
"""

import asyncio
import os
import socket
import time
import zipfile
from pathlib import Path

import httpx
from python_calamine import CalamineWorkbook

from bench.context import BenchContext
from deploy.stack import Stack
from services.registry import spreadsheets
from services.registry.demo import generate_households
from services.registry.seed import demo_villages, seed_villages
from shared import workbook
from shared.db import Database
from shared.roles import Role
from shared.settings import Settings

GENERATOR_SEED = 7  # not the seed of the loaded households: another set of people
MULTIPART_ENVELOPE = 64 * 1024  # the request body is the file and its multipart headers, bounded alike
UPLOAD_TIMEOUT = httpx.Timeout(3600.0, connect=10.0)


def write_sheet(path: Path, n: int) -> int:
    """N demo households as the import spreadsheet; returns the number of member rows."""
    villages = [village.code for village in demo_villages()]
    book = spreadsheets.XlsxBook()
    rows = 0
    for key, item in enumerate(generate_households(n, villages=villages, seed=GENERATOR_SEED), start=1):
        facts = item.model_dump(exclude={"members"}) | {spreadsheets.KEY: str(key)}
        book.append(spreadsheets.row_cells(facts, member.model_dump()) for member in item.members)
        rows += len(item.members)
    with path.open("wb") as target:
        book.save(target)
    return rows


def calamine_read(path: Path) -> int:
    """calamine's own read of every cell value of the first sheet; returns the cells seen."""
    book = CalamineWorkbook.from_path(str(path))
    try:
        return sum(len(row) for row in book.get_sheet_by_index(0).iter_rows())
    finally:
        book.close()


def registry_reader(path: Path, member_rows: int) -> str:
    """Which reader the registry's import picks for this file, under the limits the bench gives it."""
    ratio = Settings.model_fields["registry_import_max_ratio"].default
    bounds = workbook.Bounds(member_rows + spreadsheets.HEADER_SEARCH_ROWS, unpacked_size(path), ratio)
    with path.open("rb") as file:
        return (
            "calamine, a slice of rows at a time"
            if workbook.inspect(file, bounds)
            else "openpyxl (read-only)"
        )


def unpacked_size(path: Path) -> int:
    with zipfile.ZipFile(path) as book:
        return sum(info.file_size for info in book.infolist())


def upload(url: str, token: str, path: Path) -> httpx.Response:
    with path.open("rb") as file, httpx.Client(timeout=UPLOAD_TIMEOUT) as client:
        return client.post(
            url + "/api/v1/households/import",
            files={"file": (path.name, file, spreadsheets.XLSX_TYPE)},
            headers={"Authorization": f"Bearer {token}"},
        )


def process_figures(pid: int) -> tuple[float, float]:
    """A running process's peak resident memory (MB, VmHWM) and CPU time so far (s, user + system)."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return peak_kb / 1024, ticks / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# One worksheet holds at most 1,048,576 rows — about 335,000 households at three members each — so a file an
# official can open is no larger; beyond it openpyxl alone needs tens of minutes to write the sheet.
SHEET_HOUSEHOLDS = 200_000


async def _with_villages(url: str) -> None:
    db = Database.from_url(url)
    try:
        async with db.session_scope() as session:
            await seed_villages(session)
    finally:
        await db.dispose()


async def measure(ctx: BenchContext) -> dict[str, float]:
    households = min(ctx.n_households, SHEET_HOUSEHOLDS)
    path = ctx.workdir / "households-import.xlsx"
    started = time.perf_counter()
    member_rows = await asyncio.to_thread(write_sheet, path, households)
    write_s = time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.to_thread(calamine_read, path)
    calamine_read_s, calamine_read_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    reader = await asyncio.to_thread(registry_reader, path, member_rows)

    url = await asyncio.to_thread(ctx.fresh_database, "registry")
    await _with_villages(url)
    registry = Stack(
        ports={**ctx.stack.ports, "registry": _free_port()},
        env={
            **ctx.stack.env,
            "REGISTRY_DATABASE_URL": url,
            # a province-sized file: the documented limits raised to what this one holds
            "REGISTRY_IMPORT_MAX_BYTES": str(path.stat().st_size + MULTIPART_ENVELOPE),
            "REGISTRY_IMPORT_MAX_ROWS": str(member_rows),
            "REGISTRY_IMPORT_MAX_UNPACKED_BYTES": str(unpacked_size(path)),
        },
    )
    registry.start("registry")
    try:
        await asyncio.to_thread(registry.wait_ready, ["registry"])
        token = ctx.token(Role.banner_official, "150625")
        pid = registry.processes["registry"].pid
        ready_mb, cpu_before = process_figures(pid)
        started = time.perf_counter()
        response = await asyncio.to_thread(upload, registry.url("registry"), token, path)
        import_s = time.perf_counter() - started
        peak_mb, cpu_after = process_figures(pid)
    finally:
        registry.stop_all()
    if response.status_code != 201:
        raise RuntimeError(f"import answered {response.status_code}: {response.text[:2000]}")
    if response.json() != {"households": households, "members": member_rows}:
        raise RuntimeError(f"import registered {response.json()}, expected {households} households")
    ctx.notes["import"] = (
        f"{households} households, {member_rows} member rows, {path.stat().st_size >> 20} MB .xlsx "
        f"(written in {write_s:.1f} s); import_s = POST /api/v1/households/import over HTTP to a registry "
        f"process on a fresh database (upload, bounds, read by {reader}, checks, encryption, insert, "
        "commit); "
        "calamine_read_s = CalamineWorkbook.from_path + get_sheet_by_index(0).iter_rows() over the same file"
    )
    return {
        "import_n_households": households,
        "import_s": round(import_s, 3),
        "calamine_read_s": round(calamine_read_s, 3),
        "import_ratio": round(calamine_read_s / import_s, 3),
        "import_rows_per_s": round(member_rows / import_s, 1),
        "calamine_read_cpu_s": round(calamine_read_cpu_s, 3),
        "import_cpu_s": round(cpu_after - cpu_before, 3),  # the registry process's own, whatever else runs
        "import_peak_rss_mb": round(peak_mb, 1),  # the registry process's peak, start-up included
        "registry_ready_rss_mb": round(ready_mb, 1),  # its peak before the upload: what start-up took
    }
