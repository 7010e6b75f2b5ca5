"""A large import is read whole before anything is written, outside any transaction, yet holds only a chunk or
two of households at a time; a problem anywhere in the file, even near its end, refuses all of it with every
cell named; and SQLite's one writer is never kept waiting while a file is parsed."""

import asyncio
import threading
import weakref
from typing import Any

import httpx
import pytest
from anyio import to_thread
from sqlalchemy import func, select

from services.registry import households, spreadsheets, transfer
from services.registry.models import Household, VillageCounter, audit_log
from services.registry.spreadsheets import SheetReader
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.registry.test_transfer import ASIER, HEADERS, csv_bytes, household, household_count, upload
from tests.support import households as payloads

DATABASE = pytest.mark.usefixtures("clean_databases")
CHUNK = 200  # households per chunk in these tests, so a few thousand households make many chunks
HOUSEHOLDS = 3000
LIVE: "weakref.WeakSet[spreadsheets.HouseholdRows]" = weakref.WeakSet()


class Tracked(spreadsheets.HouseholdRows):
    """A household as read, counted while it lives, whether built from the sheet or loaded back from disk."""

    __eq__, __hash__ = object.__eq__, object.__hash__  # each one counted, as itself

    def __init__(self, key: str) -> None:
        super().__init__(key)
        LIVE.add(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        LIVE.add(self)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of `CHUNK` households; returns a list that grows by the rows of each bulk insert."""
    monkeypatch.setattr(households, "INSERT_CHUNK", CHUNK)
    inserted: list[int] = []
    insert = households._insert

    async def counted(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        inserted.append(len(rows))
        await insert(session, table, rows)

    monkeypatch.setattr(households, "_insert", counted)
    return inserted


def single_households(count: int) -> list[dict[str, str]]:
    """`count` one-person households in Asier, spreadsheet rows 2 … count + 1."""
    return [row for key in range(1, count + 1) for row in household(key, size=1)]


async def nothing_left(settings: Settings) -> tuple[int, int, int]:
    """Households, village counters advanced, and import audit records in the registry database."""
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        counts = (
            await session.scalar(select(func.count()).select_from(Household)),
            await session.scalar(select(func.count()).select_from(VillageCounter)),
            await session.scalar(
                select(func.count()).select_from(audit_log).where(audit_log.c.action == "household.import")
            ),
        )
    await db.dispose()
    return counts


@DATABASE
async def test_bad_cells_after_thousands_of_good_households_refuse_everything_and_are_all_named(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings, small_chunks: list[int]
) -> None:
    rows = single_households(HOUSEHOLDS)
    rows[2500]["联系电话"] = "12345"  # spreadsheet row 2502, after 2500 good households
    rows[2998]["身份证号"] = rows[10]["身份证号"]  # row 3000 repeats row 12, written chunks before
    rows[2999]["民族"] = "蒙" * 30  # row 3001, the very last
    response = await upload(registry, bearer(token_for("village_official", ASIER)), csv_bytes(rows), "h.csv")
    assert response.status_code == 422, response.text
    body = response.json()
    assert [(r["row"], r["column"], r["reason"]) for r in body["rows"]] == [
        (2502, "联系电话", body["rows"][0]["reason"]),
        (3000, "身份证号", "与第12行身份证号重复（一人只能在一户登记）"),
        (3001, "民族", "不能超过20个字"),
    ]
    assert body["rows"][0]["reason"].startswith("格式不正确")
    assert body["problem_count"] == 3
    assert sum(small_chunks) == 0  # the cells were all read before the registry was touched
    assert await nothing_left(settings) == (0, 0, 0)  # not even a household number is used up
    assert await household_count(registry, token_for) == 0


@DATABASE
async def test_an_id_registered_already_late_in_the_file_writes_nothing(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings, small_chunks: list[int]
) -> None:
    headers = bearer(token_for("village_official", ASIER))
    first = household(1, size=2)
    assert (await upload(registry, headers, csv_bytes(first), "first.csv")).status_code == 201
    rows = single_households(HOUSEHOLDS)
    rows[-1]["身份证号"] = first[1]["身份证号"]  # the last row, 3001
    written_before = sum(small_chunks)
    response = await upload(registry, headers, csv_bytes(rows), "h.csv")
    assert response.status_code == 422, response.text
    assert response.json()["rows"] == [
        {"row": HOUSEHOLDS + 1, "column": "身份证号", "reason": "该身份证号已在其他家庭登记"}
    ]
    assert sum(small_chunks) > written_before
    assert await household_count(registry, token_for) == 1
    assert await nothing_left(settings) == (1, 1, 1)


@DATABASE
async def test_the_import_holds_at_most_two_chunks_of_households(
    registry: httpx.AsyncClient,
    token_for: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    small_chunks: list[int],
) -> None:
    """While reading, the chunk just read; while writing, the chunk being written and the next one loaded;
    never the whole file."""
    read: list[int] = []
    keep = transfer.ReadAhead._keep

    def counted(self: transfer.ReadAhead, chunk: list[spreadsheets.HouseholdRows]) -> None:
        read.append(len(LIVE))
        keep(self, chunk)

    held: list[int] = []
    add = households.BulkRegistration.add

    async def sampled(self: households.BulkRegistration, items: Any, **options: Any) -> Any:
        held.append(len(LIVE))
        return await add(self, items, **options)

    monkeypatch.setattr(spreadsheets, "HouseholdRows", Tracked)
    monkeypatch.setattr(transfer.ReadAhead, "_keep", counted)
    monkeypatch.setattr(households.BulkRegistration, "add", sampled)
    rows = single_households(HOUSEHOLDS)
    response = await upload(registry, bearer(token_for("village_official", ASIER)), csv_bytes(rows), "h.csv")
    assert response.status_code == 201, response.text
    assert response.json() == {"households": HOUSEHOLDS, "members": HOUSEHOLDS}
    assert len(read) == len(held) == HOUSEHOLDS // CHUNK
    assert CHUNK <= max(read) <= 2 * CHUNK
    assert CHUNK <= max(held) <= 2 * CHUNK  # the chunk being checked, and the next one being loaded


@DATABASE
async def test_a_household_registers_while_a_large_import_is_being_parsed(
    registry: httpx.AsyncClient,
    token_for: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    small_chunks: list[int],
) -> None:
    """SQLite has one writer: an import takes it to write, never while it parses (a parse that held it would
    keep this registration waiting until SQLite gave up on it)."""
    parsing, resume = threading.Event(), threading.Event()
    validated = spreadsheets.SheetReader._validated

    def paused(self: SheetReader, open_households: dict[str, Any]) -> list[Any]:
        if not parsing.is_set():  # the first chunk, with thousands of rows still to read
            parsing.set()
            resume.wait(120)
        return validated(self, open_households)

    monkeypatch.setattr(spreadsheets.SheetReader, "_validated", paused)
    headers = bearer(token_for("village_official", ASIER))
    content = csv_bytes(single_households(HOUSEHOLDS))
    importing = asyncio.ensure_future(upload(registry, headers, content, "h.csv"))
    try:
        assert await to_thread.run_sync(parsing.wait, 60)
        registered = await registry.post("/api/v1/households", json=payloads.household(), headers=headers)
    finally:
        resume.set()
    assert registered.status_code == 201, registered.text
    assert (await importing).status_code == 201
    assert await household_count(registry, token_for) == HOUSEHOLDS + 1


def test_a_household_key_used_again_after_its_chunk_is_a_problem_on_that_row() -> None:
    """Members of one household belong on adjacent rows; within a chunk, scattered rows still group."""

    def member(key: str, id_number: str, relation: str = "户主") -> list[Any]:
        facts = {"户序号": key, "嘎查村代码": ASIER, "家庭住址": "一社", "户类别": "边缘易致贫户"}
        values = facts | {"姓名": "某", "身份证号": id_number, "与户主关系": relation}
        return [values.get(header) for header in HEADERS]

    ids = [row["身份证号"] for row in single_households(4)]
    reader = SheetReader(
        [HEADERS, member("1", ids[0]), member("2", ids[1]), member("1", ids[2], "配偶"), member("3", ids[3])],
        chunk=2,
    )
    chunks = [[(h.key, h.rows) for h in chunk] for chunk in reader.chunks()]
    assert chunks == [[("1", [2, 4]), ("2", [3])], [("3", [5])]]
    assert not reader.problems
    late = SheetReader(
        [HEADERS, member("1", ids[0]), member("2", ids[1]), member("1", ids[2], "配偶")], chunk=1
    )
    assert [len(chunk) for chunk in late.chunks()] == [1, 1]
    assert [(p.row, p.column, p.reason) for p in late.problems.sorted()] == [
        (4, "户序号", "户序号 1 已用于前面的一户，同一户的成员请填在相邻行")
    ]
