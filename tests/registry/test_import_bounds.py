"""A hostile .xlsx is refused before a cell is read: a few kilobytes naming row 20,000,000, a zip bomb of
shared strings, a zip that lies about its sizes, a cell far past the columns; each 422 naming `file` and the
bound."""

import io
import struct
import zipfile

import httpx
import pytest

from shared import workbook
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.registry.test_transfer import ASIER, HEADERS, household, household_count, upload

pytestmark = pytest.mark.usefixtures("clean_databases")
UNREAD = pytest.mark.usefixtures("no_reader")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


def package(sheet_data: str, *, shared_strings: bytes | None = None, dimension: str | None = None) -> bytes:
    """The smallest workbook Excel, openpyxl and calamine all open: one worksheet holding `sheet_data`."""
    sheet = f'<worksheet xmlns="{MAIN}">'
    sheet += f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet += f"<sheetData>{sheet_data}</sheetData></worksheet>"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
        f'Type="{RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONS}"><sheets>'
        '<sheet name="户籍信息" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}">'
        f'<Relationship Id="rId1" Type="{RELATIONS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
        if shared_strings is not None:
            book.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def header_row() -> str:
    cells = "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{text}</t></is></c>' for column, text in columns()
    )
    return f'<row r="1">{cells}</row>'


def columns() -> list[tuple[str, str]]:
    letters = [chr(ord("A") + i) for i in range(26)] + ["A" + chr(ord("A") + i) for i in range(26)]
    return list(zip(letters, HEADERS, strict=False))


def bomb_of_shared_strings(size: int) -> bytes:
    """One shared string of `size` characters: a few hundred kilobytes once compressed."""
    return (
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{"户" * (size // 3)}</t></si></sst>'.encode()
    )


@pytest.fixture
def no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither calamine nor openpyxl may open the file: it is refused before a cell is read."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reader was opened")

    monkeypatch.setattr(workbook, "CalamineWorkbook", never)
    monkeypatch.setattr(workbook, "load_workbook", never)


async def refused(registry: httpx.AsyncClient, token_for: TokenFactory, content: bytes) -> dict[str, str]:
    """Upload `content` as an .xlsx: it must answer 422 naming `file`, and nothing be registered."""
    response = await upload(registry, bearer(token_for("banner_official", "150625")), content, "户籍.xlsx")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    [error] = body["errors"]
    assert error["field"] == "file"
    assert await household_count(registry, token_for) == 0
    return {"detail": body["detail"], "reason": error["reason"]}


@UNREAD
async def test_a_few_kilobytes_naming_row_20_000_000_are_refused_at_once(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    content = package('<row r="20000000"/>')
    assert len(content) < 5000
    answer = await refused(registry, token_for, content)
    assert answer["detail"] == "file: past REGISTRY_IMPORT_MAX_ROWS"
    assert answer["reason"] == "工作表超过 200010 行（含空行），请分批导入"


@UNREAD
@pytest.mark.parametrize(
    "sheet_data",
    [
        header_row() + '<row r="2"><c r="A2000000"><v>1</v></c></row>',  # a cell outside its row
        header_row()
        + "<row r='2'><c r = 'a0002000000'><v>1</v></c></row>",  # quoted, cased, padded otherwise
    ],
)
async def test_a_cell_referring_to_a_far_row_is_refused_before_a_grid_is_built(
    registry: httpx.AsyncClient, token_for: TokenFactory, sheet_data: str
) -> None:
    answer = await refused(registry, token_for, package(sheet_data))
    assert answer["detail"] == "file: past REGISTRY_IMPORT_MAX_ROWS"


@UNREAD
async def test_a_dimension_past_the_rows_is_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    answer = await refused(registry, token_for, package(header_row(), dimension="A1:AD1048576"))
    assert answer["detail"] == "file: past REGISTRY_IMPORT_MAX_ROWS"


async def test_blank_rows_count_towards_the_rows(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    """Well within what calamine holds, so the rows are counted as they are read."""
    settings.registry_import_max_rows = 5
    answer = await refused(
        registry, token_for, package(header_row() + '<row r="16"><c r="A16"><v>1</v></c></row>')
    )
    assert answer["reason"] == "工作表超过 15 行（含空行），请分批导入"


@UNREAD
async def test_a_cell_past_the_columns_is_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    answer = await refused(
        registry, token_for, package(header_row() + '<row r="2"><c r="XFD2"><v>1</v></c></row>')
    )
    assert answer["detail"] == "file: past columns"
    assert answer["reason"] == "工作表超过 64 列，请删除多余的列后重新上传"


@UNREAD
async def test_a_zip_bomb_of_shared_strings_is_refused_by_its_ratio(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    content = package(header_row(), shared_strings=bomb_of_shared_strings(60 << 20))
    assert len(content) < 1 << 20
    answer = await refused(registry, token_for, content)
    assert answer["detail"] == "file: past REGISTRY_IMPORT_MAX_RATIO"


@UNREAD
async def test_parts_unpacking_past_the_bound_are_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    settings.registry_import_max_unpacked_bytes = 100_000
    strings = "".join(f"<si><t>{index:08x}{index * 7919:012x}</t></si>" for index in range(4000)).encode()
    answer = await refused(registry, token_for, package(header_row(), shared_strings=strings))
    assert answer["detail"] == "file: past REGISTRY_IMPORT_MAX_UNPACKED_BYTES"


async def test_a_zip_that_declares_less_than_it_holds_is_not_unpacked(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """The central directory is what the bounds read: a part larger than it says is refused, not read on."""
    strings = bomb_of_shared_strings(30 << 20)
    content = bytearray(package(header_row(), shared_strings=strings))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = content.find(signature)
        while at >= 0:
            if struct.unpack_from("<I", content, at + offset)[0] == len(strings):
                struct.pack_into("<I", content, at + offset, 1000)
            at = content.find(signature, at + 4)
    answer = await refused(registry, token_for, bytes(content))
    assert answer["reason"] == "不是有效的 .xlsx 文件或文件已损坏"


async def test_a_workbook_within_the_bounds_still_imports(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    """The same smallest workbook, with a household in it, is read (by calamine) and registered."""
    sheet = header_row() + "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{column}{number}" t="inlineStr"><is><t>{member[header]}</t></is></c>'
            for column, header in columns()
            if member.get(header)
        )
        + "</row>"
        for number, member in enumerate(household(1, ASIER), start=2)
    )
    response = await upload(
        registry, bearer(token_for("village_official", ASIER)), package(sheet), "户籍.xlsx"
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"households": 1, "members": 3}
