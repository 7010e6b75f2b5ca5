"""A worksheet's XML cut into slices of whole rows, each a worksheet calamine can hold on its own.

calamine reads a sheet at once into a dense grid spanning the farthest cells its references name, so a sheet
of 600,000 rows costs it gigabytes. Cut at `<row` boundaries into slices of bounded bytes and rows, the sheet
is read one slice at a time in the memory of one. A slice's grid still spans whatever its references name,
so each slice's references are read (`extent`) before calamine is given it.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

READ_CHUNK = 1 << 22
_ROW = re.compile(rb"<row[\s>/]")
_SHEET_DATA = re.compile(rb"<((?:[\w.-]+:)?sheetData)\b[^>]*?(/?)>")
_ROOT = re.compile(rb"<((?:[\w.-]+:)?worksheet)[\s>]")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*>")
# A reference as Excel, openpyxl and most writers put it; every `r=` in a slice being one of these is the
# fast case. Any other spelling XML allows (another space, spaces around `=`, single quotes) is read by the
# thorough pattern, one slice at a time.
_CANONICAL = re.compile(rb' r="([A-Za-z]*)([0-9]*)"')
_SPACED = re.compile(rb"r\s+=")
_ANY = re.compile(rb"(?<=\s)r\s*=\s*[\"']([^\"']*)[\"']")
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")


class Damaged(ValueError):
    """Rows no worksheet holds: unclosed, out of order, or a row whose cells name rows far from it."""


@dataclass(frozen=True)
class Extent:
    """The rows (1-based, inclusive) and the farthest column a slice's references name."""

    first_row: int
    last_row: int
    last_column: int


def column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def extent(xml: bytes) -> Extent | None:
    """What a slice's references name (None for a slice without one). A value that is no position is left
    out: calamine refuses a sheet holding one, and text may hold anything."""
    canonical = _CANONICAL.findall(xml)
    if len(canonical) == xml.count(b"r=") and not _SPACED.search(xml):
        found = canonical
    else:
        found = [
            position.groups() for value in _ANY.findall(xml) if (position := _REFERENCE.fullmatch(value))
        ]
    rows = {int(digits) for digits in {digits for _, digits in found} if digits.strip(b"0")}
    if not rows:
        return None
    columns = {letters for letters, _ in found}
    return Extent(min(rows), max(rows), max(column_number(letters.decode()) for letters in columns))


def halves(xml: bytes) -> tuple[bytes, bytes]:
    """A slice cut in two at its middle row; a single row cannot be (its cells name other rows)."""
    starts = [row.start() for row in _ROW.finditer(xml)]
    if len(starts) < 2:
        raise Damaged("a row whose cells name rows far from it")
    middle = starts[len(starts) // 2]
    return xml[:middle], xml[middle:]


@dataclass(frozen=True)
class Frame:
    """The worksheet around its rows: what comes before the first row (its `<dimension>` left out, so it
    names no extent of its own) and the tags that close the sheet after the last."""

    head: bytes
    tail: bytes

    def sheet(self, rows: bytes) -> bytes:
        return self.head + rows + self.tail


def cut(part: IO[bytes], *, max_bytes: int, max_rows: int) -> tuple[Frame, Iterator[bytes]]:
    """The worksheet's frame, and its rows in slices of at most `max_rows` rows and about `max_bytes`
    (a slice ends at the first row boundary past it)."""
    buffer = b""
    while not (opening := _SHEET_DATA.search(buffer)):
        if not (chunk := part.read(READ_CHUNK)):
            raise Damaged("no sheetData")
        buffer += chunk
    name, empty = opening.groups()
    root = _ROOT.search(buffer)
    if root is None:
        raise Damaged("no worksheet")
    head = _DIMENSION.sub(b"", buffer[: opening.start()]) + b"<" + name + b">"
    frame = Frame(head, b"</" + name + b"></" + root[1] + b">")
    if empty:
        return frame, iter(())
    return frame, _slices(part, buffer[opening.end() :], b"</" + name, max_bytes, max_rows)


def _slices(part: IO[bytes], buffer: bytes, closing: bytes, max_bytes: int, max_rows: int) -> Iterator[bytes]:
    ended, found = False, closing in buffer
    wanted = max_bytes + READ_CHUNK
    while True:
        while not (ended or found) and len(buffer) < wanted:
            chunk = part.read(READ_CHUNK)
            ended = not chunk
            found = closing in buffer[-len(closing) :] + chunk
            buffer += chunk
        body = buffer[: buffer.find(closing)] if found else buffer
        first, rows, stop = None, 0, None
        for row in _ROW.finditer(body):
            if first is None:
                first = row.start()
            elif rows == max_rows or row.start() - first >= max_bytes:
                stop = row.start()
                break
            rows += 1
        if stop is None and not (ended or found):  # one row longer than a slice: read on to its end
            wanted = len(buffer) + READ_CHUNK
            continue
        if stop is None and not found:
            raise Damaged("the sheet's rows are not closed")
        if first is not None:
            yield body[first : len(body) if stop is None else stop]
        if stop is None:
            return
        buffer, wanted = buffer[stop:], max_bytes + READ_CHUNK
