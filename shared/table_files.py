"""A table as a file to download: an .xlsx written row by row (openpyxl's write-only mode, so a long list
never sits in memory as cells) or a UTF-8 .csv with the byte-order mark Excel needs for Chinese. A text cell
Excel would run as a formula (= + - @, tab, CR first) is written as text with a leading apostrophe."""

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FileFormat = Literal["xlsx", "csv"]


def text_cell(text: str) -> str:
    """Text Excel shows as typed: one it would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_cell(value: Any) -> Any:
    """A value as a cell that shows what it says: text never starts a formula, nor holds control bytes."""
    if not isinstance(value, str):
        return value
    return text_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def table_file(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, file_format: FileFormat, name: str
) -> Response:
    """The table as an attachment named `name` (.xlsx or .csv), every cell through `safe_cell`."""
    if file_format == "xlsx":
        return workbook_file({"": itertools.chain([header], rows)}, name=name)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(list(map(safe_cell, row)) for row in rows)
    return _attachment(("\ufeff" + text.getvalue()).encode(), "text/csv; charset=utf-8", f"{name}.csv")


def workbook_file(sheets: Mapping[str, Iterable[Sequence[Any]]], *, name: str) -> Response:
    """Tables (header row first) as the sheets of one .xlsx attachment, titled by the keys (an empty key:
    the default title), every cell through `safe_cell`."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title or None)
        for row in rows:
            sheet.append(list(map(safe_cell, row)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(buffer.getvalue(), XLSX, f"{name}.xlsx")


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
