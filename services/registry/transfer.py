"""Spreadsheet import and export of households (MISSION.md §2): all or nothing in, the caller's scope out.

The import checks every row before anything counts and refuses the whole file with the cells to fix;
the export reads the caller's households in keyset pages and streams them, masking personal data for the
roles that need no full numbers.
"""

import asyncio
import os
import pickle
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, Any, Literal

from anyio import to_thread
from fastapi import UploadFile
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry import accounts, households, rules, spreadsheets
from services.registry.models import Household, HouseholdIncome, Member, Region, audit_log
from shared import audit, months, workbook
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.db import Database
from shared.errors import DomainError, FieldProblem, Invalid, Problem
from shared.regions import Tier
from shared.scope import narrowed, scoped
from shared.settings import Settings
from shared.vocabulary.households import Category, Relation

EXPORT_CHUNK = 1000  # households per query; their members come with one IN query
MAX_REPORTED = 1000  # problems listed in one refusal; the count says how many there were in all
FALLBACK_VILLAGE = ("150625100201", "阿斯尔嘎查")
FileFormat = Literal["xlsx", "csv"]
MEDIA_TYPES: dict[FileFormat, str] = {"xlsx": spreadsheets.XLSX_TYPE, "csv": "text/csv; charset=utf-8"}


class ImportReport(BaseModel):
    """What an import registered."""

    households: int
    members: int


class RowProblemPublic(BaseModel):
    row: int = Field(description="the spreadsheet's row number (the header is usually row 1)")
    column: str = Field(description="the column header, e.g. 身份证号")
    reason: str


class ImportProblem(Problem):
    """A refused import: nothing was written. `errors` and `rows` name each cell to fix."""

    # Absent when the upload itself is refused (no file, an empty or unreadable one): no row was read.
    rows: list[RowProblemPublic] = Field(default_factory=list)
    problem_count: int = Field(default=0, description="all problems found; at most 1000 are listed")


class TooLarge(DomainError):
    status, title = 413, "Content too large"


class ImportRefused(Invalid):
    """Some rows cannot be imported; nothing was written."""

    def __init__(self, problems: list[spreadsheets.RowProblem]):
        shown = problems[:MAX_REPORTED]
        more = f"（仅列出前 {MAX_REPORTED} 处）" if len(problems) > MAX_REPORTED else ""
        super().__init__(
            f"导入文件有 {len(problems)} 处错误，未写入任何数据{more}",
            errors=[FieldProblem(field=f"第{p.row}行 {p.column}", reason=p.reason) for p in shown],
        )
        self.rows = [RowProblemPublic(row=p.row, column=p.column, reason=p.reason) for p in shown]
        self.problem_count = len(problems)

    def problem(self, request_id: str | None) -> ImportProblem:
        return ImportProblem(
            title=self.title,
            status=self.status,
            detail=self.detail,
            errors=self.errors,
            rows=self.rows,
            problem_count=self.problem_count,
            request_id=request_id,
        )


@dataclass(frozen=True)
class Download:
    """A file to send: an ASCII file name, a name for people (may be Chinese), and its bytes as they come."""

    filename: str
    display_name: str
    media_type: str
    body: AsyncIterator[bytes]


# --- import ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """How large one import may be (settings `REGISTRY_IMPORT_*`)."""

    max_bytes: int
    max_rows: int  # member rows; rows read, blank ones included, may be as many again as the header's search
    max_unpacked_bytes: int
    max_ratio: int

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(
            settings.registry_import_max_bytes,
            settings.registry_import_max_rows,
            settings.registry_import_max_unpacked_bytes,
            settings.registry_import_max_ratio,
        )

    @property
    def bounds(self) -> workbook.Bounds:
        rows = self.max_rows + spreadsheets.HEADER_SEARCH_ROWS
        return workbook.Bounds(rows, self.max_unpacked_bytes, self.max_ratio)


def _size_text(size: int) -> str:
    return f"{size >> 20} MB" if size >= 1 << 20 else f"{size} 字节"


def _check_size(file: IO[bytes], limits: Limits) -> None:
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    if size > limits.max_bytes:
        shown = _size_text(limits.max_bytes)
        raise TooLarge(
            f"file larger than {shown}",
            errors=[FieldProblem(field="file", reason=f"文件超过 {shown}，请分批导入")],
        )
    if size == 0:
        raise Invalid.field("file", "文件为空")


@contextmanager
def _file_refusals() -> Iterator[None]:
    """A file that cannot be read (damaged, too long, past a bound), wherever the reading stops, names
    `file`; past a bound, the detail names the setting."""
    try:
        yield
    except workbook.OutOfBounds as exc:
        problem = FieldProblem(field="file", reason=str(exc))
        raise Invalid(f"file: past {exc.setting}", errors=[problem]) from None
    except (spreadsheets.UnreadableFile, spreadsheets.TooManyRows) as exc:
        raise Invalid.field("file", str(exc)) from None


def _path(field: str) -> list[str | int]:
    """`members.2.id_number` → ['members', 2, 'id_number'], as pydantic names locations."""
    return [int(part) if part.isdigit() else part for part in field.split(".")]


class ReadAhead:
    """An upload read and validated whole before any transaction: its valid households, spilled chunk by
    chunk to an anonymous temporary file (so memory holds one chunk), and every problem its cells have."""

    def __init__(self, problems: spreadsheets.Problems) -> None:
        self.problems = problems
        self._spill: IO[bytes] = tempfile.TemporaryFile()
        self._chunks = 0

    @classmethod
    def read(cls, upload: UploadFile, limits: Limits) -> "ReadAhead":
        """Parse and check every cell (CPU and file work: run it in a worker thread)."""
        with spreadsheets.opened(
            upload.file,
            filename=upload.filename,
            content_type=upload.content_type,
            bounds=limits.bounds,
            max_rows=limits.max_rows,
            chunk=households.INSERT_CHUNK,
        ) as reader:
            ahead = cls(reader.problems)
            try:
                for chunk in reader.chunks():
                    ahead._keep(chunk)
            except BaseException:
                ahead.close()
                raise
        ahead._spill.seek(0)
        return ahead

    def _keep(self, chunk: list[spreadsheets.HouseholdRows]) -> None:
        """Only the households the registry will check: a household with a problem is reported already."""
        pickle.dump([h for h in chunk if h.data is not None], self._spill, pickle.HIGHEST_PROTOCOL)
        self._chunks += 1

    def chunks(self) -> Iterator[list[spreadsheets.HouseholdRows]]:
        for _ in range(self._chunks):
            yield pickle.load(self._spill)  # our own file, written just now

    def close(self) -> None:
        self._spill.close()


def _next_chunk(chunks: Iterator[list[spreadsheets.HouseholdRows]]) -> "asyncio.Future[Any]":
    """The next chunk of households (None after the last), loaded in a worker thread."""
    return asyncio.ensure_future(to_thread.run_sync(next, chunks, None))


async def _register(
    bulk: households.BulkRegistration,
    chunk: list[spreadsheets.HouseholdRows],
    problems: spreadsheets.Problems,
) -> None:
    """Check a chunk against the registry and write it while the file has no problem; the registry's
    objections go onto their cells."""
    valid = [(h, h.data) for h in chunk if h.data is not None]
    found, _ = await bulk.add([data for _, data in valid], check_only=bool(problems))
    for index, breaches in found.items():
        rows = valid[index][0]
        for breach in breaches:
            if breach.field != "members":  # one head per household: already checked row by row
                problems.add(*rows.locate(_path(breach.field)), breach.reason)


async def import_households(
    db: Database, *, principal: Principal, cipher: FieldCipher, upload: UploadFile, limits: Limits
) -> ImportReport:
    """Register every household of a spreadsheet, or none of them, never holding a transaction while parsing.

    The whole file is read and every cell checked first, in a worker thread and outside any transaction
    (SQLite's one writer is not kept waiting on a parse), the valid households spilled to a temporary file.
    Then, in the import's one transaction, each chunk of `households.INSERT_CHUNK` households is checked
    against the registry (scope, IDs already registered) and, while no problem has been found anywhere,
    written at once (the next chunk is loaded meanwhile); after the first problem the rest is only checked,
    so the refusal (`ImportRefused`) lists every cell to fix, and the transaction rolls back: nothing is
    written.
    """
    await to_thread.run_sync(_check_size, upload.file, limits)
    with _file_refusals():
        ahead = await to_thread.run_sync(ReadAhead.read, upload, limits)
    try:
        async with db.session_scope() as session:
            bulk = await households.BulkRegistration.start(session, principal=principal, cipher=cipher)
            chunks = ahead.chunks()
            upcoming = _next_chunk(chunks)
            try:
                while (chunk := await upcoming) is not None:
                    upcoming = _next_chunk(chunks)
                    await _register(bulk, chunk, ahead.problems)
            finally:
                with suppress(Exception):  # the loader is idle before the file is closed
                    await upcoming
            if ahead.problems:
                raise ImportRefused(ahead.problems.sorted())
            await bulk.finish()
    finally:
        ahead.close()
    return ImportReport(households=bulk.households, members=bulk.members)


# --- template ----------------------------------------------------------------------------------------


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def template(session: AsyncSession, *, principal: Principal, file_format: FileFormat) -> Download:
    """The import template: headers and one example household in the caller's first village."""
    village = (
        await session.exec(
            scoped(select(Region), Region.code, principal)
            .where(Region.tier == Tier.village)
            .order_by(col(Region.code))
            .limit(1)
        )
    ).first()
    code, name = (village.code, village.name) if village else FALLBACK_VILLAGE
    rows = spreadsheets.example_rows(code, f"{name}一社3号", today=months.today())
    if file_format == "csv":
        content = (spreadsheets.UTF8_BOM + spreadsheets.csv_text([spreadsheets.headers(), *rows])).encode()
    else:
        content = await to_thread.run_sync(_template_xlsx, rows)
    names = f"household-import-template.{file_format}", f"户籍导入模板.{file_format}"
    return Download(*names, MEDIA_TYPES[file_format], _once(content))


def _template_xlsx(rows: list[list[Any]]) -> bytes:
    book = spreadsheets.XlsxBook(guide=True)
    book.append(rows)
    with tempfile.TemporaryFile() as target:
        book.save(target)
        target.seek(0)
        return target.read()


# --- export ------------------------------------------------------------------------------------------


async def _pages(
    db: Database,
    *,
    principal: Principal,
    cipher: FieldCipher,
    region: str | None,
    category: Category | None,
    q: str,
) -> AsyncIterator[list[list[Any]]]:
    """Spreadsheet rows of the caller's households, `EXPORT_CHUNK` households at a time.

    Keyset pages by household number, each in its own short read (SQLite takes its write lock on BEGIN,
    so one read across a long download would hold off every writer).
    """
    full = households.sees_full_identity(principal)
    statement = narrowed(select(Household), Household.region_code, principal, region)

    def id_number(member: Member) -> str:
        return cipher.decrypt(member.id_cipher) if full else member.id_masked

    if category is not None:
        statement = statement.where(Household.category == category)
    if q:
        statement = statement.where(households.named_by(q, cipher, principal, region))
    last, key = "", 0
    while True:
        async with db.session_scope() as session:
            page = (
                await session.exec(
                    statement.where(col(Household.number) > last)
                    .order_by(col(Household.number))
                    .limit(EXPORT_CHUNK)
                )
            ).all()
            if not page:
                return
            ids = [h.id for h in page]
            members = (
                await session.exec(
                    select(Member).where(col(Member.household_id).in_(ids)).order_by(col(Member.position))
                )
            ).all()
            incomes = (
                await session.exec(
                    select(HouseholdIncome)
                    .where(col(HouseholdIncome.household_id).in_(ids))
                    .order_by(col(HouseholdIncome.year))
                )
            ).all()
        latest = {income.household_id: income for income in incomes}  # ordered by year: the last one wins
        members_of: dict[Any, list[Member]] = {}
        for member in members:
            members_of.setdefault(member.household_id, []).append(member)
        rows = []
        for household in page:
            key += 1
            income = latest.get(household.id)
            account = accounts.public(household, principal=principal, cipher=cipher)
            payee = next(
                (m for m in members_of.get(household.id, []) if m.id_digest == household.payee_digest), None
            )
            facts = household.model_dump() | {
                spreadsheets.KEY: str(key),
                "phone": household.phone if full else rules.mask_phone(household.phone),
                "income_per_capita_fen": income.per_capita_fen if income else None,
                "income_year": income.year if income else None,
                "payee_id_number": id_number(payee) if payee and payee.relation != Relation.head else None,
                "account_number": account and (account.account_number or account.account_number_masked),
            }
            rows += [
                spreadsheets.row_cells(facts, member.model_dump() | {"id_number": id_number(member)})
                for member in members_of.get(household.id, [])
            ]
        yield rows
        last = page[-1].number


async def _csv_body(pages: AsyncIterator[list[list[Any]]]) -> AsyncIterator[bytes]:
    yield (spreadsheets.UTF8_BOM + spreadsheets.csv_text([spreadsheets.headers()])).encode()
    async for rows in pages:
        yield spreadsheets.csv_text(rows).encode()


async def _xlsx_file(pages: AsyncIterator[list[list[Any]]]) -> IO[bytes]:
    """The whole workbook in an anonymous temporary file (a zip is only complete when it is closed)."""
    book = spreadsheets.XlsxBook()
    async for rows in pages:
        await to_thread.run_sync(book.append, rows)
    target = tempfile.TemporaryFile()
    await to_thread.run_sync(book.save, target)
    target.seek(0)
    return target


async def _file_body(file: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await to_thread.run_sync(file.read, 1 << 16):
            yield chunk
    finally:
        file.close()


async def export_households(
    db: Database,
    *,
    principal: Principal,
    cipher: FieldCipher,
    region: str | None,
    category: Category | None,
    q: str,
    file_format: FileFormat,
) -> Download:
    """The caller's households (narrowed to `region`, `category` and the search `q`) as a spreadsheet, one
    row per member, in the template's columns; ID and account numbers and phones in full only for the roles
    that need them."""
    stem = f"{region or principal.region}-{months.today().isoformat()}.{file_format}"
    async with db.session_scope() as session:  # personal data leaving the system: who, what, when
        await audit.append(
            session,
            audit_log,
            actor=audit.Actor.of(principal),
            region=region or principal.region,
            action="household.export",
            entity="export",
            entity_id=stem,
            after={
                "format": file_format,
                "category": category,
                "q": q,
                "full_identity": households.sees_full_identity(principal),
                "account_numbers": accounts.sees_account_number(principal),
            },
        )
    pages = _pages(db, principal=principal, cipher=cipher, region=region, category=category, q=q)
    body = _csv_body(pages) if file_format == "csv" else _file_body(await _xlsx_file(pages))
    return Download(f"households-{stem}", f"户籍信息-{stem}", MEDIA_TYPES[file_format], body)
