"""An uploaded .xlsx read within bounds: a 5 KB file must cost neither minutes nor gigabytes.

Before any cell is parsed, the zip's central directory bounds the workbook (the unpacked size of all its
parts, and each large part's compression ratio) and each worksheet's `<dimension>` bounds its rows; past a
bound the file is refused at once (`OutOfBounds`). The first worksheet is then read by python-calamine
(Rust, several times faster than openpyxl) a slice of rows at a time (shared/row_slices.py): calamine loads a
sheet at once into a dense grid as tall and wide as the farthest cell reference, so each slice's references
are read first and bounded (rows, columns, their span) before calamine is given it. A sheet with a row or
cell that has no reference, which a reader places by counting, is read by openpyxl's read-only mode instead,
row by row, where the rows read (blank ones included) and each row's width are bounded as they come.
"""

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree

from openpyxl import load_workbook
from python_calamine import CalamineSheet, CalamineWorkbook

from shared import row_slices

# Measured on the import's own sheets (30 columns, inline strings, about 1.4 KB of XML a row): slices of
# 4 MB (some 2,900 rows) read 125,000 rows in 137 MB and as fast as slices of 16 MB, which took 260 MB; the
# reading is then about two thirds of calamine's speed on the whole sheet. A workbook of shared strings
# makes calamine read them again for every slice, so a slice grows with them (to 64 MB), keeping that
# repeat no larger than the sheet.
SLICE_BYTES = 4 << 20
MAX_SLICE_BYTES = 64 << 20
SLICE_ROWS = 20_000
MAX_SLICE_SPAN = 100_000  # rows between a slice's first and last reference: a grid of at most 200 MB
MAX_COLUMNS = 64  # column BL: the template's 30 columns and room for an official's own notes beside them
RATIO_CHECKED_FROM = 1 << 20  # a small part may compress very well and still cost nothing to unpack
SCAN_CHUNK = 1 << 22
OVERLAP = 64  # bytes carried between scanned chunks, so a pattern split between two is still seen
DAMAGED = "不是有效的 .xlsx 文件或文件已损坏"
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
_RELATIONS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"'][^\"']*?([0-9]+)[\"']")
# A row or cell without a reference first, which a reader places by counting; row_slices could not bound it.
_UNREFERENCED = (  # three searches with a literal start each run faster than one alternation
    re.compile(rb"<c(?:[>/]|\s++(?!r\s*=))"),
    re.compile(rb"<row(?:[>/]|\s++(?!r\s*=))"),
    re.compile(rb":(?:c|row)[\s/>]"),  # a prefixed one, with or without: not worth telling apart
)
_EMPTY_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet this module can read; the message says why, in Chinese."""


class OutOfBounds(ValueError):
    """The upload is past one of the import's bounds: `setting` names it; the message says so in Chinese."""

    def __init__(self, setting: str, reason: str):
        super().__init__(reason)
        self.setting = setting


@dataclass(frozen=True)
class Bounds:
    """How much one workbook may make the registry read (settings `REGISTRY_IMPORT_*`)."""

    max_rows: int  # spreadsheet rows, blank ones included
    max_unpacked_bytes: int
    max_ratio: int


def too_many_rows(max_rows: int) -> OutOfBounds:
    return OutOfBounds("REGISTRY_IMPORT_MAX_ROWS", f"工作表超过 {max_rows} 行（含空行），请分批导入")


def too_wide() -> OutOfBounds:
    return OutOfBounds("columns", f"工作表超过 {MAX_COLUMNS} 列，请删除多余的列后重新上传")


def _referenced(head: bytes, part: IO[bytes]) -> bool:
    """Whether every row and cell of a worksheet is placed by a reference (row_slices bounds those). A
    match in a chunk's last bytes may be a tag cut short: it is looked at again with the next chunk."""
    buffer = head
    while buffer:
        chunk = part.read(SCAN_CHUNK)
        settled = len(buffer) - OVERLAP if chunk else len(buffer)
        if any((found := pattern.search(buffer)) and found.start() < settled for pattern in _UNREFERENCED):
            return False
        buffer = buffer[-OVERLAP:] + chunk if chunk else b""
    return True


def _check_parts(book: zipfile.ZipFile, bounds: Bounds) -> None:
    """The central directory's declared sizes, before anything is unpacked (zipfile then holds each part
    to its declared size, and calamine refuses a part that breaks it)."""
    total = 0
    for info in book.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM and ratio > bounds.max_ratio:
            raise OutOfBounds(
                "REGISTRY_IMPORT_MAX_RATIO",
                f"文件中的 {info.filename} 压缩比超过 {bounds.max_ratio} 倍，不像正常的表格，请重新导出",
            )
    if total > bounds.max_unpacked_bytes:
        raise OutOfBounds(
            "REGISTRY_IMPORT_MAX_UNPACKED_BYTES",
            f"文件解压后超过 {bounds.max_unpacked_bytes >> 20} MB，请分批导入",
        )


def _relations(book: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """`part`'s relationships inside the package, in order: (id, type, the part pointed at)."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in book.NameToInfo:
        return []
    found = []
    for relation in ElementTree.fromstring(book.read(rels)):
        target = relation.get("Target", "")
        if relation.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found.append((relation.get("Id", ""), relation.get("Type", ""), posixpath.normpath(path)))
    return found


def _targets(book: zipfile.ZipFile, part: str, kind: str) -> list[str]:
    """The parts that `part`'s relationships of `kind` point at, in order."""
    return [target for _, type_, target in _relations(book, part) if type_.endswith(kind)]


def _worksheets(book: zipfile.ZipFile) -> list[str]:
    """Every worksheet part the readers may open: those of the workbook the package names, and of
    `xl/workbook.xml`, where calamine looks."""
    workbooks = {*_targets(book, "", _OFFICE_DOCUMENT), "xl/workbook.xml"}
    return [sheet for workbook in sorted(workbooks) for sheet in _targets(book, workbook, _WORKSHEET)]


def _first_worksheet(book: zipfile.ZipFile) -> str | None:
    """The part of calamine's sheet 0, the first `<sheet>` of `xl/workbook.xml`, when it is a worksheet."""
    if "xl/workbook.xml" not in book.NameToInfo:
        return None
    sheets = [
        e for e in ElementTree.fromstring(book.read("xl/workbook.xml")).iter() if e.tag.endswith("}sheet")
    ]
    if not sheets:
        return None
    relations = {id_: (type_, target) for id_, type_, target in _relations(book, "xl/workbook.xml")}
    type_, target = relations.get(sheets[0].get(_RELATIONS, ""), ("", ""))
    return target if type_.endswith(_WORKSHEET) and target in book.NameToInfo else None


def inspect(file: IO[bytes], bounds: Bounds) -> bool:
    """Refuse a workbook past the bounds (`OutOfBounds`) or damaged (`UnreadableFile`), reading no cell;
    whether calamine may read its first worksheet, slice by slice."""
    try:
        with zipfile.ZipFile(file) as book:
            _check_parts(book, bounds)
            first = _first_worksheet(book)
            calamine = first is not None
            for name in _worksheets(book):
                if name not in book.NameToInfo:
                    continue
                with book.open(name) as part:
                    head = part.read(SCAN_CHUNK)
                    if (dimension := _DIMENSION.search(head)) and int(dimension[1]) > bounds.max_rows:
                        raise too_many_rows(bounds.max_rows)
                    if name == first:
                        calamine = _referenced(head, part)
            return calamine
    except OutOfBounds:
        raise
    except Exception as exc:  # zip, zlib and XML errors alike: the file is not a workbook we can read
        raise UnreadableFile(DAMAGED) from exc
    finally:
        file.seek(0)


def guarded(rows: Iterator[Any], reason: str) -> Iterator[Any]:
    """Rows from a third-party reader; whatever it raises on a damaged file becomes `UnreadableFile`."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # any failure inside the reader means the file is damaged
            raise UnreadableFile(reason) from exc
        yield row


class _Slices:
    """The first worksheet as calamine reads it, one slice of rows at a time: each slice a workbook of its
    own, the other parts as they were (other worksheets emptied), built on one copy of them."""

    def __init__(self, book: zipfile.ZipFile, sheet: str):
        self.sheet = sheet
        others = set(_worksheets(book))
        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", zipfile.ZIP_STORED) as copy:
            for info in book.infolist():
                if info.filename != sheet and not info.is_dir():
                    copy.writestr(info.filename, _EMPTY_SHEET if info.filename in others else book.read(info))
        self.base = base.getvalue()
        strings = sum(
            book.getinfo(p).file_size
            for p in _targets(book, "xl/workbook.xml", _SHARED_STRINGS)
            if p in book.NameToInfo
        )
        self.max_bytes = max(SLICE_BYTES, min(strings, MAX_SLICE_BYTES))

    def read(self, xml: bytes) -> CalamineSheet:
        buffer = io.BytesIO(self.base)
        buffer.seek(0, io.SEEK_END)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as book:
            book.writestr(self.sheet, xml)
        buffer.seek(0)
        return CalamineWorkbook.from_filelike(buffer).get_sheet_by_index(0)


def _bounded(xml: bytes, bounds: Bounds, after: int) -> Iterator[tuple[bytes, row_slices.Extent]]:
    """A slice's rows with what their references name, split until calamine's grid for each is bounded;
    refused past the rows or columns, or where a row comes before `after` (rows are in order)."""
    pending = [xml]
    while pending:
        piece = pending.pop()
        extent = row_slices.extent(piece)
        if extent is None:
            continue
        if extent.last_row > bounds.max_rows:
            raise too_many_rows(bounds.max_rows)
        if extent.last_column > MAX_COLUMNS:
            raise too_wide()
        if extent.last_row - extent.first_row >= MAX_SLICE_SPAN:
            pending.extend(reversed(row_slices.halves(piece)))
            continue
        if extent.first_row <= after:
            raise row_slices.Damaged("rows out of order")
        after = extent.last_row
        yield piece, extent


def _calamine_rows(file: IO[bytes], bounds: Bounds) -> Iterator[Sequence[Any]]:
    """The first worksheet from row 1 and column A, blank rows included (calamine starts a grid at the
    first cell used)."""
    try:
        with zipfile.ZipFile(file) as book:
            if (sheet := _first_worksheet(book)) is None:
                raise UnreadableFile(DAMAGED)
            slices = _Slices(book, sheet)
            with book.open(sheet) as part:
                frame, pieces = row_slices.cut(part, max_bytes=slices.max_bytes, max_rows=SLICE_ROWS)
                read, after = 0, 0  # rows yielded; the last row a slice named
                for xml in pieces:
                    for piece, extent in _bounded(xml, bounds, after):
                        after = extent.last_row
                        grid = slices.read(frame.sheet(piece))
                        if grid.start is None:  # references without values
                            continue
                        top, left = grid.start
                        yield from ([] for _ in range(read, top))
                        pad = [None] * left
                        for row in grid.to_python(skip_empty_area=True):
                            yield pad + row if left else row
                        read = top + grid.height
    except (OutOfBounds, UnreadableFile):
        raise
    except Exception as exc:  # calamine's, zip's and the slicing's errors alike: the file is damaged
        raise UnreadableFile(DAMAGED) from exc


def _narrow(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """openpyxl's rows, refused past `MAX_COLUMNS`: it builds every cell up to a row's farthest one."""
    for row in rows:
        if len(row) > MAX_COLUMNS:
            raise too_wide()
        yield row


@contextmanager
def xlsx_rows(file: IO[bytes], bounds: Bounds) -> Iterator[Iterator[Sequence[Any]]]:
    """The first worksheet of an .xlsx within `bounds`, row by row from row 1 (cached formula values)."""
    if inspect(file, bounds):
        rows = _calamine_rows(file, bounds)
        try:
            yield rows
        finally:
            rows.close()
        return
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl errors alike: the file is not a workbook we can read
        raise UnreadableFile(DAMAGED) from exc
    try:
        if not book.worksheets:
            raise UnreadableFile("工作簿中没有工作表")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some producers write a wrong <dimension>; read what is there
        yield _narrow(guarded(sheet.iter_rows(values_only=True), DAMAGED))
    finally:
        book.close()
