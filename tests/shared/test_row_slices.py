"""A worksheet cut into slices of whole rows: every row in exactly one slice, in order, within the slice's
bounds; the frame names no extent of its own; what each slice's references name, however they are spelled."""

import io

import pytest

from shared import row_slices
from shared.row_slices import Damaged, Extent, cut, extent, halves

HEAD = '<?xml version="1.0"?><worksheet xmlns="urn:main"><dimension ref="A1:C900000"/><sheetData>'


def row(number: int, width: int = 3, text: str = "x") -> str:
    cells = "".join(
        f'<c r="{chr(65 + n)}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for n in range(width)
    )
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: list[str], tail: str = "</sheetData><mergeCells/></worksheet>") -> io.BytesIO:
    return io.BytesIO((HEAD + "".join(rows) + tail).encode())


@pytest.fixture(autouse=True)
def small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read the part a few bytes at a time, so tags and slices fall across the reads."""
    monkeypatch.setattr(row_slices, "READ_CHUNK", 37)


def test_every_row_is_in_one_slice_in_order_and_within_the_slice_bounds() -> None:
    rows = [row(n) for n in range(1, 24)]
    frame, slices = cut(sheet(rows), max_bytes=1 << 20, max_rows=5)
    pieces = list(slices)
    assert [piece.count(b"<row ") for piece in pieces] == [5, 5, 5, 5, 3]
    assert b"".join(pieces).decode() == "".join(rows)
    assert b"dimension" not in frame.head and frame.head.endswith(b"<sheetData>")
    assert frame.sheet(pieces[1]).endswith(b"</row></sheetData></worksheet>")


def test_a_slice_ends_at_the_first_row_past_its_bytes_and_a_longer_row_comes_whole() -> None:
    rows = [row(1), row(2, width=40, text="长" * 50), row(3), row(4)]
    _, slices = cut(sheet(rows), max_bytes=400, max_rows=1000)
    assert [piece.decode() for piece in slices] == [rows[0] + rows[1], rows[2] + rows[3]]
    _, slices = cut(sheet(rows), max_bytes=100, max_rows=1000)
    assert [piece.decode() for piece in slices] == rows


def test_an_empty_sheet_has_no_slices_and_unclosed_rows_are_refused() -> None:
    frame, slices = cut(
        io.BytesIO(b'<worksheet xmlns="urn:main"><sheetData/></worksheet>'), max_bytes=10, max_rows=1
    )
    assert list(slices) == [] and frame.tail == b"</sheetData></worksheet>"
    _, slices = cut(sheet([row(1), row(2)], tail=""), max_bytes=10, max_rows=1)
    with pytest.raises(Damaged):
        list(slices)


def test_a_prefixed_sheet_is_closed_with_its_own_names() -> None:
    part = io.BytesIO(
        b'<x:worksheet xmlns:x="urn:main"><x:sheetData><x:row r="1"/></x:sheetData></x:worksheet>'
    )
    frame, _ = cut(part, max_bytes=10, max_rows=1)
    assert frame.tail == b"</x:sheetData></x:worksheet>"


def test_the_extent_is_what_the_references_name() -> None:
    assert extent((row(7) + row(9, width=5)).encode()) == Extent(7, 9, 5)
    assert extent(b'<row r="4"/>') == Extent(4, 4, 0)
    assert extent(b"<row><c><v>1</v></c></row>") is None


@pytest.mark.parametrize(
    "spelled",
    [
        "<row r='3'><c r='BL3'/><c r='A150000'/></row>",
        '<row r="3"><c r = "bl3"/><c\tr="A0150000"/></row>',
        '<row r="3"><c r="BL3"/><c r="A150000"/><c t="s"><v> r="x"</v></c></row>',  # text that looks like one
    ],
)
def test_references_spelled_any_way_xml_allows_are_read(spelled: str) -> None:
    assert extent(spelled.encode()) == Extent(3, 150000, 64)


def test_a_slice_halves_at_its_middle_row_but_a_single_row_does_not() -> None:
    rows = [row(n) for n in range(1, 6)]
    first, second = halves("".join(rows).encode())
    assert (first.decode(), second.decode()) == ("".join(rows[:2]), "".join(rows[2:]))
    with pytest.raises(Damaged):
        halves(row(1).encode())
