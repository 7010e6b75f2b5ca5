"""An uploaded .xlsx read within bounds: a 5 KB file must cost neither minutes nor gigabytes.

Before any cell is parsed, the zip's central directory bounds the workbook (the unpacked size of all its
parts, and each large part's compression ratio) and each worksheet's `<dimension>` bounds its rows; past a
bound the file is refused at once (`OutOfBounds`). The first worksheet is then read by python-calamine
(Rust, several times faster than openpyxl) when a pass over its XML shows calamine can hold it: calamine loads
a sheet at once into a dense grid as tall and wide as the farthest cell reference, so a few bytes naming row
2,000,000 cost gigabytes. Any other sheet is read by openpyxl's read-only mode, row by row, where the rows
read (blank ones included) and each row's width are bounded as they come.
"""

import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

# Measured on the import's own sheets: calamine holds 62,318 rows (89 MB of XML) in 175 MB, 625,065 rows in
# 1.7 GB. It reads sheets of up to 96 MB of XML whose references stay within 99,999 rows and 64 columns (a
# grid of at most 200 MB even when sparse), which keeps the registry within its 512 MiB pod limit; openpyxl
# reads larger ones, row by row, in a few MB.
CALAMINE_MAX_PART_BYTES = 96 << 20
MAX_COLUMNS = 64  # column BL: the template's 30 columns and room for an official's own notes beside them
RATIO_CHECKED_FROM = 1 << 20  # a small part may compress very well and still cost nothing to unpack
SCAN_CHUNK = 1 << 22
OVERLAP = 64  # bytes carried between scanned chunks, so a reference split between two is still seen
DAMAGED = "不是有效的 .xlsx 文件或文件已损坏"
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref\s*=\s*[\"'][^\"']*?([0-9]+)[\"']")
# A reference (`r`, quoted either way, any case, zero-padded as calamine allows) to row 100,000 or beyond, or
# to a cell past column BL; and a row or cell without a reference first, which calamine places by counting.
_FAR_REFERENCE = re.compile(
    rb"r\s*=\s*[\"'](?:[A-Za-z]{0,3}0*(?P<row>[1-9][0-9]{5,})|(?P<columns>(?:[A-Za-z]{3}|[C-Zc-z][A-Za-z]|[Bb][M-Zm-z])[0-9]))"
)
_UNREFERENCED = (  # three searches with a literal start each run faster than one alternation
    re.compile(rb"<c(?:[>/]|\s++(?!r\s*=))"),
    re.compile(rb"<row(?:[>/]|\s++(?!r\s*=))"),
    re.compile(rb":(?:c|row)[\s/>]"),  # a prefixed one, with or without: not worth telling apart
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


def _calamine_can_hold(head: bytes, part: IO[bytes], bounds: Bounds) -> bool:
    """Whether every row and cell of a worksheet is placed by a reference within calamine's grid; the first
    reference found past it refuses the file when it is past the bounds too."""
    buffer = head
    while buffer:
        if any(pattern.search(buffer) for pattern in _UNREFERENCED):
            return False
        if far := _FAR_REFERENCE.search(buffer):
            if far["columns"]:
                raise too_wide()
            if int(far["row"]) > bounds.max_rows:
                raise too_many_rows(bounds.max_rows)
            return False
        buffer = buffer[-OVERLAP:] + chunk if (chunk := part.read(SCAN_CHUNK)) else b""
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


def _targets(book: zipfile.ZipFile, part: str, kind: str) -> list[str]:
    """The parts that `part`'s relationships of `kind` point at, in order."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in book.NameToInfo:
        return []
    targets = []
    for relation in ElementTree.fromstring(book.read(rels)):
        target = relation.get("Target", "")
        if relation.get("Type", "").endswith(kind) and relation.get("TargetMode") != "External":
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            targets.append(posixpath.normpath(path))
    return targets


def _worksheets(book: zipfile.ZipFile) -> list[str]:
    """Every worksheet part the readers may open: those of the workbook the package names, and of
    `xl/workbook.xml`, where calamine looks."""
    workbooks = {*_targets(book, "", _OFFICE_DOCUMENT), "xl/workbook.xml"}
    return [sheet for workbook in sorted(workbooks) for sheet in _targets(book, workbook, _WORKSHEET)]


def inspect(file: IO[bytes], bounds: Bounds) -> bool:
    """Refuse a workbook past the bounds (`OutOfBounds`) or damaged (`UnreadableFile`), reading no cell;
    whether calamine may read its sheets whole."""
    try:
        with zipfile.ZipFile(file) as book:
            _check_parts(book, bounds)
            calamine = True
            for name in _worksheets(book):
                if name not in book.NameToInfo:
                    continue
                with book.open(name) as part:
                    head = part.read(SCAN_CHUNK)
                    if (dimension := _DIMENSION.search(head)) and int(dimension[1]) > bounds.max_rows:
                        raise too_many_rows(bounds.max_rows)
                    small = book.getinfo(name).file_size <= CALAMINE_MAX_PART_BYTES
                    calamine = calamine and small and _calamine_can_hold(head, part, bounds)
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


def _calamine_rows(file: IO[bytes]) -> Iterator[Sequence[Any]]:
    """The first worksheet from row 1 and column A (calamine starts its columns at the first one used)."""
    try:
        sheet = CalamineWorkbook.from_filelike(file).get_sheet_by_index(0)
    except Exception as exc:  # calamine's zip, XML and format errors alike
        raise UnreadableFile(DAMAGED) from exc
    left = sheet.start[1] if sheet.start else 0
    rows = guarded(iter(sheet.iter_rows()), DAMAGED)
    return ([None] * left + row for row in rows) if left else rows


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
        yield _calamine_rows(file)
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
