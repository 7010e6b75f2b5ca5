"""The spreadsheet format without a server: cells, header, grouping, row-level problems, files."""

import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from services.registry import spreadsheets
from services.registry.spreadsheets import COLUMNS, CellError, UnreadableFile, read_rows
from shared import workbook
from shared.idnumber import Sex, make_id_number
from shared.vocabulary.households import Category, Relation, SchoolStage
from shared.workbook import Bounds
from tests.registry.test_import_bounds import header_row, package

HEAD_ID = make_id_number("150625", date(1968, 3, 12), 7, Sex.male)
SPOUSE_ID = make_id_number("150625", date(1970, 7, 1), 8, Sex.female)
CHILD_ID = make_id_number("150625", date(2012, 9, 1), 9, Sex.female)
FORMATS = {c.header: c.format for c in COLUMNS}
BOUNDS = Bounds(max_rows=1000, max_unpacked_bytes=1 << 20, max_ratio=100)


def read(header: str, value: Any) -> Any:
    return FORMATS[header].read(value)


@pytest.mark.parametrize(
    ("value", "fen"),
    [("4321.07", 432107), (4321.07, 432107), ("0.1", 10), ("1,234.5", 123450), (35, 3500), ("0.29", 29)],
)
def test_yuan_become_fen_exactly(value: Any, fen: int) -> None:
    assert read("人均纯收入（元）", value) == fen


@pytest.mark.parametrize(
    ("value", "reason"),
    [("12.345", "金额最多保留两位小数"), ("-1", "不能为负数"), ("一千", "须为数字"), ("nan", "须为数字")],
)
def test_bad_amounts_say_why(value: str, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        read("人均纯收入（元）", value)


def test_fen_are_written_as_yuan() -> None:
    assert FORMATS["人均纯收入（元）"].write(432107) == Decimal("4321.07")
    assert FORMATS["人均纯收入（元）"].write(10) == Decimal("0.10")
    assert FORMATS["人均纯收入（元）"].write(None) is None


def test_id_numbers_are_checked_in_the_cell() -> None:
    assert read("身份证号", f" {HEAD_ID.lower()} ") == HEAD_ID
    with pytest.raises(CellError, match="校验位错误"):
        read("身份证号", HEAD_ID[:17] + ("1" if HEAD_ID[17] == "0" else "0"))
    with pytest.raises(CellError, match="文本格式"):
        read("身份证号", 150625196803120000)
    with pytest.raises(CellError, match="科学计数法"):
        read("身份证号", "1.50625E+17")


def test_labels_and_english_values_are_both_accepted() -> None:
    assert read("户类别", "边缘易致贫户") == read("户类别", "marginal") == Category.marginal
    assert read("与户主关系", "户主") is Relation.head
    assert read("在校阶段", "高中（含中职）") is SchoolStage.senior
    with pytest.raises(CellError, match="须为以下之一：已脱贫享受政策户、"):
        read("户类别", "贫困户")
    assert FORMATS["与户主关系"].write("child_in_law") == "儿媳/女婿"


@pytest.mark.parametrize(
    ("value", "answer"), [("是", True), ("否", False), (True, True), (0, False), ("Y", True)]
)
def test_yes_and_no(value: Any, answer: bool) -> None:
    assert read("低保", value) is answer


def test_other_cells() -> None:
    assert read("羊（只）", 45.0) == 45 and read("羊（只）", "1,200") == 1200
    with pytest.raises(CellError, match="须为整数"):
        read("牛（头）", "2.5")
    assert read("残疾等级", "二级") == 2 and read("残疾等级", 3) == 3
    assert read("联系电话", 13912345678) == "13912345678"
    assert read("嘎查村代码", 150625100201) == "150625100201"
    with pytest.raises(CellError, match="12位"):
        read("嘎查村代码", "150625100")
    with pytest.raises(CellError, match="“是”或“否”"):
        read("慢性病", "也许")


def test_text_that_excel_would_run_as_a_formula_is_kept_as_text_both_ways() -> None:
    written = FORMATS["务工情况"].write('=HYPERLINK("http://x")')
    assert written == '\'=HYPERLINK("http://x")'
    assert read("务工情况", written) == '=HYPERLINK("http://x")'
    assert read("务工情况", "'外出务工") == "'外出务工"


def member_row(key: str, name: str, id_number: str, relation: str, **cells: Any) -> list[Any]:
    facts = {"户序号": key, "嘎查村代码": "150625100201", "家庭住址": "一社3号", "户类别": "边缘易致贫户"}
    values = facts | {"姓名": name, "身份证号": id_number, "与户主关系": relation} | cells
    return [values.get(header) for header in spreadsheets.headers()]


HEADER = spreadsheets.headers()


def test_rows_group_into_households_with_the_heads_facts() -> None:
    sheet = read_rows(
        [
            ["杭锦旗 户籍信息表"],  # a title above the header
            [*HEADER, "备注"],  # an extra column is ignored
            member_row("7", "乌日娜", SPOUSE_ID, "配偶", **{"羊（只）": 1}),
            member_row("7", "巴特尔", HEAD_ID, "户主", **{"羊（只）": 45, "人均纯收入（元）": "4321.07"}),
            [None] * 5,  # blank rows are skipped, but keep their number
            member_row("8", "其其格", CHILD_ID, "户主"),
            member_row("7", "其木格", make_id_number("150625", date(2015, 1, 1), 1, Sex.female), "子女"),
        ]
    )
    assert len(sheet.problems) == 0
    seven, eight = sheet.households
    assert (seven.key, seven.rows, seven.source_row) == ("7", [3, 4, 7], 4)
    assert seven.data is not None and seven.data.sheep == 45 and seven.data.income_per_capita_fen == 432107
    assert [m.name for m in seven.data.members] == ["乌日娜", "巴特尔", "其木格"]
    assert eight.rows == [6] and sheet.member_count == 4


def problems_of(rows: list[list[Any]]) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.reason) for p in read_rows([HEADER, *rows]).problems.sorted()]


def test_problems_are_mapped_to_their_cells() -> None:
    assert problems_of(
        [
            member_row("1", "巴特尔", HEAD_ID, "户主", **{"联系电话": "123", "脱贫年度": 2001}),
            member_row("1", "", SPOUSE_ID, "配偶", **{"残疾等级": 7}),
            member_row("2", "其其格", HEAD_ID, "子女"),
            member_row(None, "无户", CHILD_ID, "户主"),
        ]
    ) == [
        (2, "联系电话", "格式不正确，应为11位手机号，或带区号的固定电话（如 0477-6612345）"),
        (2, "脱贫年度", "不能小于2013"),
        (3, "姓名", "必填"),
        (3, "残疾等级", "不能大于4"),
        (4, "身份证号", "与第2行身份证号重复（一人只能在一户登记）"),
        (4, "与户主关系", "户序号 2 的家庭成员中缺少户主"),
        (5, "户序号", "必填：同一户的成员填相同的户序号"),
    ]


def test_money_limits_are_shown_in_yuan() -> None:
    [(_, column, reason)] = problems_of(
        [member_row("1", "巴特尔", HEAD_ID, "户主", **{"人均纯收入（元）": "1000000.01"})]
    )
    assert (column, reason) == ("人均纯收入（元）", "不能大于1000000.00")


def test_a_household_of_more_than_thirty_is_refused_on_its_key() -> None:
    rows = [member_row("1", "户主", HEAD_ID, "户主")] + [
        member_row("1", f"子{n}", make_id_number("150625", date(2000, 1, 1), n, Sex.male), "子女")
        for n in range(30)
    ]
    assert problems_of(rows) == [(2, "户序号", "每户成员不能超过30人")]


def test_a_missing_header_or_column_stops_before_the_rows() -> None:
    assert [p.column for p in read_rows([["姓名", "身份证号"], ["x", "y"]]).problems.sorted()] == [
        "户序号",
        "嘎查村代码",
        "家庭住址",
        "户类别",
        "与户主关系",
    ]
    [problem] = read_rows([["a"], ["b"]]).problems.sorted()
    assert (problem.row, problem.column) == (1, "表头")
    [twice] = read_rows([[*HEADER, "姓名"]]).problems.sorted()
    assert (twice.column, twice.reason) == ("姓名", "表头中该列重复")


def test_headers_with_ascii_parentheses_and_spaces_are_recognised() -> None:
    header = [h.replace("（", "(").replace("）", ")") + " " for h in HEADER]
    sheet = read_rows([header, member_row("1", "巴特尔", HEAD_ID, "户主", **{"羊（只）": 5})])
    assert len(sheet.problems) == 0 and sheet.households[0].data is not None
    assert sheet.households[0].data.sheep == 5


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 1)
    with pytest.raises(spreadsheets.TooManyRows):
        read_rows([HEADER, member_row("1", "a", HEAD_ID, "户主"), member_row("1", "b", SPOUSE_ID, "配偶")])


def example_xlsx() -> bytes:
    book = spreadsheets.XlsxBook(guide=True)
    book.append(spreadsheets.example_rows("150625100201", "一社3号", today=date(2026, 11, 29)))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_example_reads_back_from_xlsx_and_keeps_id_columns_as_text() -> None:
    content = example_xlsx()
    # a name that says nothing: the content is sniffed
    sheet = spreadsheets.read_file(io.BytesIO(content), filename="x.bin", content_type=None, bounds=BOUNDS)
    assert len(sheet.problems) == 0 and sheet.member_count == 3
    [household] = sheet.households
    assert household.data is not None and household.data.income_year == 2025
    assert household.data.payee_account is not None
    assert household.data.payee_account.account_number == spreadsheets.EXAMPLE_ACCOUNT
    worksheet = load_workbook(io.BytesIO(content))["户籍信息"]
    for header in ("身份证号", "收款人身份证号", "一卡通账号"):
        letter = get_column_letter(spreadsheets.headers().index(header) + 1)
        assert worksheet.column_dimensions[letter].number_format == "@", header
        assert worksheet[f"{letter}1"].value == header


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_officials_use(encoding: str) -> None:
    rows = spreadsheets.example_rows("150625100201", "锡尼镇一社3号", today=date(2026, 11, 29))
    content = spreadsheets.csv_text([HEADER, *rows]).encode(encoding)
    sheet = spreadsheets.read_file(io.BytesIO(content), filename="户籍.CSV", content_type=None, bounds=BOUNDS)
    assert len(sheet.problems) == 0
    assert sheet.households[0].data is not None and sheet.households[0].data.address == "锡尼镇一社3号"


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        (b"PK\x03\x04broken", "a.xlsx", None),
        (b"hello", "a.xlsx", None),
        (b"hello", "a", spreadsheets.XLSX_TYPE),
        (b"\xd0\xcf\x11\xe0" + bytes(10), "a.xls", None),
        ("身份证号".encode("utf-16"), "a.csv", None),
        (b"\x81\x30\xff\xff", "a.csv", None),  # neither UTF-8 nor GB18030
        (b"hello", "a.txt", "application/octet-stream"),
    ],
)
def test_unreadable_files(content: bytes, filename: str, content_type: str | None) -> None:
    with pytest.raises(UnreadableFile):
        spreadsheets.read_file(
            io.BytesIO(content), filename=filename, content_type=content_type, bounds=BOUNDS
        )


def test_a_worksheet_damaged_inside_a_valid_zip_is_unreadable() -> None:
    book = Workbook()
    book.active.append(HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(
                item, b"<worksheet><sheetData><row" if "worksheets/sheet1" in item.filename else data
            )
    with pytest.raises(UnreadableFile):
        spreadsheets.read_xlsx(io.BytesIO(damaged.getvalue()), bounds=BOUNDS)


def test_the_guide_lists_every_column_and_what_it_allows() -> None:
    guide = {row[0]: row[1:] for row in spreadsheets.guide_rows() if row}
    assert all(header in guide for header in HEADER)
    assert guide["身份证号"][0] == "是" and guide["民族"][0] == "否"
    assert "一般农牧户" in guide["户类别"][1]


def offset_xlsx(*, bad: bool) -> bytes:
    """A sheet as officials make them: the table from B3 (room left for a title), numbers as numbers."""
    book = Workbook()
    sheet = book.active
    head = {"羊（只）": 45, "人均纯收入（元）": 4321.07, "收入年度": 2025, "是否易地搬迁": 1}
    rows = [
        HEADER,
        member_row("1", "巴特尔", HEAD_ID, "户主", **head),
        member_row("1", "乌日娜", SPOUSE_ID, "配偶", **{"残疾等级": "五级" if bad else "二级"}),
        member_row("2", "其其格", CHILD_ID, "户主", **{"羊（只）": "很多" if bad else 3}),
    ]
    for number, row in enumerate(rows, start=3):
        for index, value in enumerate(row, start=2):
            sheet.cell(row=number, column=index, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def openpyxl_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every workbook read as one whose cells a reader places by counting: by openpyxl's read-only mode."""
    inspect = workbook.inspect
    monkeypatch.setattr(workbook, "inspect", lambda file, bounds: inspect(file, bounds) and False)
    monkeypatch.setattr(workbook, "CalamineWorkbook", None)


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each reader in turn, the other unavailable."""
    if request.param == "openpyxl":
        openpyxl_only(monkeypatch)
    else:
        monkeypatch.setattr(workbook, "load_workbook", None)
    return str(request.param)


def test_each_reader_places_every_cell_where_the_official_sees_it(reader: str) -> None:
    sheet = spreadsheets.read_xlsx(io.BytesIO(offset_xlsx(bad=True)), bounds=BOUNDS)
    assert [(p.row, p.column) for p in sheet.problems.sorted()] == [(5, "残疾等级"), (6, "羊（只）")]
    assert [(h.key, h.rows) for h in sheet.households] == [("1", [4, 5]), ("2", [6])]


def test_each_reader_reads_numbers_and_labels_alike(reader: str) -> None:
    sheet = spreadsheets.read_xlsx(io.BytesIO(offset_xlsx(bad=False)), bounds=BOUNDS)
    assert len(sheet.problems) == 0
    first, second = (h.data for h in sheet.households)
    assert first is not None and second is not None
    assert (first.sheep, first.income_per_capita_fen, first.income_year, first.relocated) == (
        45,
        432107,
        2025,
        True,
    )
    assert [m.disability_grade for m in first.members] == [None, 2]
    assert first.members[0].id_number == HEAD_ID and second.sheep == 3


def test_an_openpyxl_row_wider_than_the_columns_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    openpyxl_only(monkeypatch)
    book = Workbook()
    book.active.append(HEADER)
    book.active.cell(row=2, column=workbook.MAX_COLUMNS + 1, value="备注")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(workbook.OutOfBounds, match="64 列"):
        spreadsheets.read_xlsx(io.BytesIO(buffer.getvalue()), bounds=BOUNDS)


def test_blank_csv_lines_count_towards_the_rows_read() -> None:
    content = spreadsheets.csv_text([HEADER, *[[]] * 20, member_row("1", "a", HEAD_ID, "户主")]).encode()
    bounds = Bounds(max_rows=15, max_unpacked_bytes=1 << 20, max_ratio=100)
    with pytest.raises(workbook.OutOfBounds, match="超过 15 行（含空行）"):
        spreadsheets.read_file(io.BytesIO(content), filename="a.csv", content_type=None, bounds=bounds)


@pytest.mark.parametrize(
    ("sheet_data", "calamine"),
    [
        (header_row(), True),
        ('<row r="99999"><c r="AD99999"><v>1</v></c></row>', True),
        ('<row r="150000"><c r="A150000"><v>1</v></c></row>', True),  # read a slice of rows at a time
        ("<row><c><v>1</v></c></row>", False),  # rows and cells placed by counting
        ('<row r="1"><c s="1" r="A1"><v>1</v></c></row>', False),
        ('<x:row r="1"><x:c><x:v>1</x:v></x:c></x:row>', False),
    ],
)
def test_calamine_reads_a_sheet_only_when_every_row_and_cell_has_a_reference(
    sheet_data: str, calamine: bool
) -> None:
    """Any other sheet within the bounds goes to openpyxl, which reads it row by row."""
    bounds = workbook.Bounds(max_rows=200_010, max_unpacked_bytes=1 << 20, max_ratio=100)
    assert workbook.inspect(io.BytesIO(package(sheet_data)), bounds) is calamine


# --- calamine a slice of rows at a time --------------------------------------------------------------


def sheet_with_gaps() -> bytes:
    """A title, the table from B3, blank rows between runs of members, and one row far below the rest."""
    book = Workbook()
    sheet = book.active
    sheet["B1"] = "杭锦旗 户籍信息"
    for column, header in enumerate(HEADER, start=2):
        sheet.cell(row=3, column=column, value=header)
    rows = [*range(4, 41), *range(60, 71), 250]
    for number in rows:
        row = member_row(
            str(number),
            f"成员{number}",
            HEAD_ID,
            "户主",
            **{"羊（只）": number, "人均纯收入（元）": number / 4},
        )
        for column, value in enumerate(row, start=2):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def values(content: bytes, bounds: Bounds = BOUNDS) -> list[list[Any]]:
    """Every row as the reader gives it, blanks as None, numbers as floats, trailing blanks dropped."""

    def cell(value: Any) -> Any:
        if value is None or value == "":
            return None
        return float(value) if isinstance(value, int | float) else value

    with workbook.xlsx_rows(io.BytesIO(content), bounds) as rows:
        read = [[cell(value) for value in row] for row in rows]
    for row in read:
        while row and row[-1] is None:
            row.pop()
    while read and not read[-1]:
        read.pop()
    return read


def test_a_sheet_read_in_slices_of_rows_reads_as_openpyxl_reads_it_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = sheet_with_gaps()
    with monkeypatch.context() as whole:
        openpyxl_only(whole)
        expected = values(content)
    assert len(expected) == 250 and expected[2][1] == "户序号" and expected[249][1] == "250"

    loads = []
    from_filelike = workbook.CalamineWorkbook.from_filelike

    def counted(file: Any) -> Any:
        loads.append(file)
        return from_filelike(file)

    monkeypatch.setattr(workbook.CalamineWorkbook, "from_filelike", counted)
    monkeypatch.setattr(workbook, "SLICE_ROWS", 7)
    monkeypatch.setattr(workbook, "MAX_SLICE_SPAN", 40)  # the row far below is split from its slice
    monkeypatch.setattr(workbook, "load_workbook", None)
    assert values(content) == expected
    assert len(loads) >= 50 / 7


@pytest.mark.parametrize(
    "sheet_data",
    [
        header_row() + '<row r="2"><c r="A150000"><v>1</v></c></row>',  # a cell far below its row
        '<row r="5"><c r="A5"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>',  # rows out of order
    ],
)
def test_references_no_worksheet_holds_are_refused_before_calamine_reads_them(
    monkeypatch: pytest.MonkeyPatch, sheet_data: str
) -> None:
    monkeypatch.setattr(workbook, "SLICE_ROWS", 1)
    monkeypatch.setattr(workbook, "CalamineWorkbook", None)
    bounds = workbook.Bounds(max_rows=200_010, max_unpacked_bytes=1 << 20, max_ratio=100)
    with pytest.raises(UnreadableFile, match="已损坏"):
        values(package(sheet_data), bounds)


def test_references_spelled_any_way_xml_allows_are_read_alike() -> None:
    canonical = '<row r="1"><c r="B1" t="inlineStr"><is><t>户主</t></is></c><c r="D1"><v>3</v></c></row>'
    spelled = (
        "<row r='1'><c r = 'b1' t='inlineStr'><is><t>户主</t></is></c><c\tr=\"D0001\"><v>3</v></c></row>"
    )
    assert values(package(spelled)) == values(package(canonical)) == [[None, "户主", None, 3.0]]
