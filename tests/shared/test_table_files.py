"""The table writer every export uses: Excel never runs a cell as a formula, Chinese survives both formats."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from shared.table_files import safe_cell, table_file

ROWS = [
    ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\ry"],
    ["巴特尔", Decimal("12.30"), 5, None, "", "a\x01b"],
]


def test_cells_that_would_run_as_formulas_are_text() -> None:
    assert [safe_cell(v) for v in ROWS[0]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\ry",
    ]
    assert safe_cell(-2) == -2 and safe_cell("a\x01b") == "ab"


def test_xlsx_keeps_numbers_as_numbers_and_guards_text() -> None:
    response = table_file(["甲", "乙", "丙", "丁", "戊", "己"], ROWS, file_format="xlsx", name="导出")
    assert "filename*=UTF-8''%E5%AF%BC%E5%87%BA.xlsx" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["甲", "乙", "丙", "丁", "戊", "己"]
    assert values[1][0] == '\'=HYPERLINK("http://x")' and sheet["A2"].data_type == "s"
    assert values[2][:3] == ["巴特尔", 12.3, 5]


def test_csv_has_the_bom_excel_needs_for_chinese() -> None:
    response = table_file(["户主"], [["巴特尔"], ["=1+1"]], file_format="csv", name="x")
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff户主") and "'=1+1" in text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
