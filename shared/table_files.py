"""A table as a file to download: an .xlsx written row by row (openpyxl's write-only mode, so a long list
never sits in memory as cells) or a UTF-8 .csv with the byte-order mark Excel needs for Chinese. A text cell
Excel would run as a formula (= + - @, tab, CR first) is written as text with a leading apostrophe."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, Literal
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FileFormat = Literal["xlsx", "csv"]


def safe_cell(value: Any) -> Any:
    """A value as a cell that shows what it says: text never starts a formula, nor holds control bytes."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def table_file(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, file_format: FileFormat, name: str
) -> Response:
    """The table as an attachment named `name` (.xlsx or .csv), every cell through `safe_cell`."""
    lines = (list(map(safe_cell, row)) for row in rows)
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(lines)
        body, media_type = ("\ufeff" + text.getvalue()).encode(), "text/csv; charset=utf-8"
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(header))
        for line in lines:
            sheet.append(line)
        buffer = io.BytesIO()
        workbook.save(buffer)
        body, media_type = buffer.getvalue(), XLSX
    filename = f"{name}.{file_format}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
