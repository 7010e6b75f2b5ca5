"""The household spreadsheet officials work in (MISSION.md §2): one row per member, grouped into households
by 户序号; the household's facts are repeated on each member row and read from the head's (户主) row.

One table of columns (header, field, format) drives the template, the import and the export, so the three
cannot drift apart. Nothing here touches the database: rows in, households and row-level problems out.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from services.registry.schemas import HouseholdCreate, MemberIn
from shared.idnumber import InvalidIdNumber, Sex, make_id_number, parse_id_number
from shared.money import FEN_PER_YUAN
from shared.table_files import FORMULA_STARTS, text_cell
from shared.vocabulary import Term
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage
from shared.workbook import Bounds, UnreadableFile, guarded, too_many_rows, xlsx_rows

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in officials' sheets
SHEET_TITLE = "户籍信息"
GUIDE_TITLE = "填写说明"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
UTF8_BOM = "\ufeff"
KEY = "household_key"
KEY_HEADER = "户序号"
HEADER_PLACE = "表头"
YES, NO = "是", "否"
_YES_NO = {
    **dict.fromkeys((YES, "y", "yes", "true"), True),
    **dict.fromkeys((NO, "n", "no", "false"), False),
}
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the legacy .xls container


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason, in Chinese."""


class TooManyRows(ValueError):
    """More member rows than one import may hold."""


# --- cell formats ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """How one kind of cell is read (from a non-blank value) and written, and what it allows, for people."""

    read: Callable[[Any], Any]
    write: Callable[[Any], Any]
    allowed: str
    few: bool = False  # a handful of distinct values (labels, 是/否): an import remembers their readings


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return text


def _text_out(value: Any) -> Any:
    return None if value is None else text_cell(str(value))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("须为数字")
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as this float: 4321.07, not 4321.0699…
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise CellError("须为数字") from None
    if not number.is_finite():
        raise CellError("须为数字")
    return number


def _integer(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise CellError("须为整数")
    return int(number)


def _yuan_to_fen(value: Any) -> int:
    """Yuan as typed (`4321.07`) to fen, exactly: Decimal all the way, never float arithmetic."""
    fen = _decimal(value) * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise CellError("金额最多保留两位小数")
    if fen < 0:
        raise CellError("不能为负数")
    return int(fen)


def _fen_to_yuan(fen: Any) -> Decimal | None:
    return None if fen is None else Decimal(fen).scaleb(-2)


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    answer = _YES_NO.get(str(value).strip().lower())
    if answer is None:
        raise CellError(f"须填“{YES}”或“{NO}”")
    return answer


def _yes_no_out(value: Any) -> str | None:
    return None if value is None else YES if value else NO


def _digits(value: Any) -> str:
    """Codes and phones: Excel may have stored them as numbers."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text(value).lstrip("'")


def _village_code(value: Any) -> str:
    code = _digits(value)
    if not re.fullmatch(r"[0-9]{12}", code):
        raise CellError("须为12位嘎查村代码，如 150625100201")
    return code


def _id_number(value: Any) -> str:
    if isinstance(value, int | float):
        raise CellError("身份证号须以文本格式填写（数字格式会丢失末几位），请将该列设为文本后重新填写")
    text = _text(value).lstrip("'").replace(" ", "")
    if re.search(r"[eE][+]", text):
        raise CellError("身份证号被 Excel 转成了科学计数法，请将该列设为文本后重新填写")
    try:
        return parse_id_number(text).number
    except InvalidIdNumber as exc:
        raise CellError(str(exc)) from None


def _account_number(value: Any) -> str:
    if isinstance(value, int | float):
        raise CellError("账号须以文本格式填写（数字格式会丢失末几位），请将该列设为文本后重新填写")
    return _text(value).lstrip("'")


def _disability_grade(value: Any) -> int:
    text = _text(value).removesuffix("级")
    return _CHINESE_DIGITS.get(text) or _integer(text)


def _same(value: Any) -> Any:
    return value


def labelled(words: type[Term]) -> Format:
    """An enumeration: its Chinese label (or its English value) in, its label out."""
    by_text: dict[str, Term] = {}
    for word in words:
        by_text[word.label] = by_text[word.value] = word
    allowed = "、".join(word.label for word in words)

    def read(value: Any) -> Term:
        member = by_text.get(_text(value))
        if member is None:
            raise CellError(f"须为以下之一：{allowed}")
        return member

    def write(value: Any) -> str | None:
        return None if value is None else words(value).label

    return Format(read, write, allowed, few=True)


TEXT = Format(_text, _text_out, "文字")
HOUSEHOLD_KEY = Format(_text, _text_out, "同一户的成员填相同的序号（如 1、1、1、2、2）；户信息以户主行为准")
VILLAGE_CODE = Format(_village_code, _same, "12位嘎查村代码，如 150625100201")
PHONE = Format(_digits, _same, "11位手机号，或带区号的固定电话（如 0477-6612345）")
INTEGER = Format(_integer, _same, "整数")
YEAR = Format(_integer, _same, "四位年份，如 2020")
YUAN = Format(_yuan_to_fen, _fen_to_yuan, "金额（元），最多两位小数，如 4321.07")
YES_NO_FORMAT = Format(_yes_no, _yes_no_out, f"{YES} / {NO}", few=True)
ID_NUMBER = Format(_id_number, _same, "18位身份证号（末位可为X），请以文本格式填写")
ACCOUNT_NUMBER = Format(_account_number, _same, "一卡通（或社保卡）账号，12–19位数字，请以文本格式填写")
DISABILITY = Format(_disability_grade, _same, "1–4（一级至四级）；无残疾不填")


# --- the columns -------------------------------------------------------------------------------------


# The payee account's fields (`payee_account.*` in the API) flat in the sheet; the payee: by default the head
ACCOUNT_FIELDS = ("payee_id_number", "bank_name", "account_number")


def with_account(facts: dict[str, Any]) -> dict[str, Any]:
    """A household's facts as the API takes them: the account's cells, when any is filled, `payee_account`."""
    account = {name: facts.pop(name) for name in ACCOUNT_FIELDS if name in facts}
    return {**facts, "payee_account": account} if account else facts


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its header, the API field it fills and how its cells read and write."""

    header: str
    field: str
    format: Format
    household: bool = False  # a household fact: on every member row, taken from the head's row

    @property
    def required(self) -> bool:
        if self.field == KEY:
            return True
        if self.field in ACCOUNT_FIELDS:
            return False  # a household may have no account yet; a partial one is reported by the model
        model = HouseholdCreate if self.household else MemberIn
        return model.model_fields[self.field].is_required()


COLUMNS: tuple[Column, ...] = (
    Column(KEY_HEADER, KEY, HOUSEHOLD_KEY, household=True),
    Column("嘎查村代码", "region_code", VILLAGE_CODE, household=True),
    Column("家庭住址", "address", TEXT, household=True),
    Column("联系电话", "phone", PHONE, household=True),
    Column("户类别", "category", labelled(Category), household=True),
    Column("脱贫年度", "lifted_year", YEAR, household=True),
    Column("是否易地搬迁", "relocated", YES_NO_FORMAT, household=True),
    Column("安置点", "resettlement_site", TEXT, household=True),
    Column("人均纯收入（元）", "income_per_capita_fen", YUAN, household=True),
    Column("收入年度", "income_year", YEAR, household=True),
    Column("羊（只）", "sheep", INTEGER, household=True),
    Column("牛（头）", "cattle", INTEGER, household=True),
    Column("猪（头）", "pigs", INTEGER, household=True),
    Column("义务教育保障", "education_secure", YES_NO_FORMAT, household=True),
    Column("基本医疗保障", "medical_secure", YES_NO_FORMAT, household=True),
    Column("住房安全保障", "housing_secure", YES_NO_FORMAT, household=True),
    Column("饮水安全", "water_secure", YES_NO_FORMAT, household=True),
    Column("收款人身份证号", "payee_id_number", ID_NUMBER, household=True),
    Column("开户银行", "bank_name", TEXT, household=True),
    Column("一卡通账号", "account_number", ACCOUNT_NUMBER, household=True),
    Column("姓名", "name", TEXT),
    Column("身份证号", "id_number", ID_NUMBER),
    Column("与户主关系", "relation", labelled(Relation)),
    Column("民族", "ethnicity", TEXT),
    Column("在校阶段", "school_stage", labelled(SchoolStage)),
    Column("残疾等级", "disability_grade", DISABILITY),
    Column("慢性病", "chronic_disease", YES_NO_FORMAT),
    Column("大病", "serious_illness", YES_NO_FORMAT),
    Column("劳动能力", "labour_ability", labelled(LabourAbility)),
    Column("务工情况", "employment", TEXT),
    Column("低保", "dibao", YES_NO_FORMAT),
    Column("特困", "tekun", YES_NO_FORMAT),
    Column("养老保险", "pension_insurance", YES_NO_FORMAT),
)
HOUSEHOLD_COLUMNS = {c.field: c for c in COLUMNS if c.household}
MEMBER_COLUMNS = {c.field: c for c in COLUMNS if not c.household}
ID_HEADER = MEMBER_COLUMNS["id_number"].header
RELATION_HEADER = MEMBER_COLUMNS["relation"].header
# formatted as text in Excel, so digits stay digits
TEXT_COLUMNS = ("region_code", "phone", "id_number", "payee_id_number", "account_number")


def headers() -> list[str]:
    return [c.header for c in COLUMNS]


def row_cells(household: Mapping[str, Any], member: Mapping[str, Any]) -> list[Any]:
    """One member's row: the household's facts (by API field, plus `household_key`), then the member's."""
    return [c.format.write((household if c.household else member).get(c.field)) for c in COLUMNS]


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one cell (spreadsheet row number, column header) cannot be imported, in Chinese."""

    row: int
    column: str
    reason: str


class Problems:
    """Row-level problems, at most one per cell: the first found is the one to fix."""

    def __init__(self) -> None:
        self._by_cell: dict[tuple[int, str], str] = {}

    def add(self, row: int, column: str, reason: str) -> None:
        self._by_cell.setdefault((row, column), reason)

    def __len__(self) -> int:
        return len(self._by_cell)

    def sorted(self) -> list[RowProblem]:
        order = {header: index for index, header in enumerate(headers())}
        cells = sorted(self._by_cell.items(), key=lambda item: (item[0][0], order.get(item[0][1], -1)))
        return [RowProblem(row, column, reason) for (row, column), reason in cells]


@dataclass
class HouseholdRows:
    """One household as read: where its members are in the sheet, and the API model when it validates."""

    key: str
    rows: list[int] = field(default_factory=list)  # the spreadsheet row of each member, in order
    source_row: int = 0  # the row the household's facts were read from (the head's)
    facts: dict[str, Any] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    has_head: bool = False
    data: HouseholdCreate | None = None

    def add(self, row: int, facts: dict[str, Any], member: dict[str, Any]) -> None:
        is_head = member.get("relation") == Relation.head
        if not self.rows or (is_head and not self.has_head):
            self.source_row, self.facts = row, facts
        self.has_head |= is_head
        self.rows.append(row)
        self.members.append(member)

    def locate(self, location: Sequence[str | int]) -> tuple[int, str]:
        """The cell an API field path names: `members.2.id_number` → (that member's row, 身份证号)."""
        if len(location) >= 3 and location[0] == "members" and isinstance(location[1], int):
            column = MEMBER_COLUMNS.get(str(location[2]))
            return self.rows[location[1]], column.header if column else ID_HEADER
        if len(location) >= 2 and location[0] == "payee_account":
            location = location[1:]
        column = HOUSEHOLD_COLUMNS.get(str(location[0])) if location else None
        return self.source_row, column.header if column else KEY_HEADER


@dataclass
class Sheet:
    """A spreadsheet as read: its households (in order of first appearance) and every problem found."""

    households: list[HouseholdRows]
    problems: Problems

    @property
    def member_count(self) -> int:
        return sum(len(h.rows) for h in self.households)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Any) -> str:
    return "" if value is None else re.sub(r"\s+", "", str(value)).replace("(", "（").replace(")", "）")


def _find_header(numbered: Iterator[tuple[int, Sequence[Any]]]) -> tuple[int, Sequence[Any]] | None:
    for number, values in numbered:
        if ID_HEADER in {_header_text(v) for v in values}:
            return number, values
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def _layout(row: int, values: Sequence[Any], problems: Problems) -> dict[int, Column]:
    """Which column index holds which column; unknown headers (备注 …) are ignored."""
    by_header = {c.header: c for c in COLUMNS}
    layout: dict[int, Column] = {}
    for index, value in enumerate(values):
        column = by_header.get(_header_text(value))
        if column is None:
            continue
        if column in layout.values():
            problems.add(row, column.header, "表头中该列重复")
        layout[index] = column
    for column in COLUMNS:
        if column.required and column not in layout.values():
            problems.add(row, column.header, "缺少该列（可下载导入模板对照列名）")
    return layout


def _remembered(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`read`, remembering what the first few distinct values read as (an unreadable one is not kept)."""
    seen: dict[tuple[type, Any], Any] = {}

    def cached(value: Any) -> Any:
        key = (value.__class__, value)  # True and 1 are equal keys but may read differently
        try:
            return seen[key]
        except KeyError:
            parsed = read(value)
        if len(seen) < 256:
            seen[key] = parsed
        return parsed

    return cached


# (column index, its reader, whether a household fact, the field, the header): the layout, ready to run
Plan = list[tuple[int, Callable[[Any], Any], bool, str, str]]


def _plan(layout: dict[int, Column]) -> Plan:
    return [
        (index, _remembered(c.format.read) if c.format.few else c.format.read, c.household, c.field, c.header)
        for index, c in layout.items()
    ]


def _read_cells(
    number: int, values: Sequence[Any], plan: Plan, problems: Problems
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One row's cells read by the plan; the inner loop of every import, so kept plain."""
    facts: dict[str, Any] = {}
    member: dict[str, Any] = {}
    width = len(values)
    for index, read, household, name, header in plan:
        value = values[index] if index < width else None
        if value is None or (value.__class__ is str and not value.strip()):
            continue
        try:
            parsed = read(value)
        except CellError as exc:
            problems.add(number, header, str(exc))
            continue
        (facts if household else member)[name] = parsed
    return facts, member


def _check_heads(household: HouseholdRows, problems: Problems) -> None:
    """Exactly one head (户主) per household, reported on the row that breaks it."""
    relations = [m.get("relation") for m in household.members]
    if None in relations:
        return  # a missing or unreadable relation is already reported on its row
    heads = [row for row, r in zip(household.rows, relations, strict=True) if r == Relation.head]
    if not heads:
        problems.add(household.rows[0], RELATION_HEADER, f"户序号 {household.key} 的家庭成员中缺少户主")
    for row in heads[1:]:
        problems.add(
            row, RELATION_HEADER, f"户序号 {household.key} 已有户主（第{heads[0]}行），每户只能有一名"
        )


def reason_in_chinese(error: ErrorDetails | Mapping[str, Any], column: Column | None) -> str:
    """A pydantic error as an official reads it."""
    context = error.get("ctx") or {}

    def shown(limit: Any) -> Any:
        return column.format.write(limit) if column else limit

    match error["type"]:
        case "missing":
            return "必填"
        case "string_too_short":
            return "不能为空"
        case "string_too_long":
            return f"不能超过{context.get('max_length')}个字"
        case "too_short":
            return "每户至少填写一名成员"
        case "too_long":
            return f"每户成员不能超过{context.get('max_length')}人"
        case "string_pattern_mismatch":
            return f"格式不正确，应为{column.format.allowed}" if column else "格式不正确"
        case "greater_than_equal":
            return f"不能小于{shown(context.get('ge'))}"
        case "less_than_equal":
            return f"不能大于{shown(context.get('le'))}"
        case "value_error":
            return str(context.get("error", error["msg"]))
        case "enum":
            return f"须为以下之一：{column.format.allowed}" if column else "取值不在允许范围内"
        case _:
            return f"格式不正确（{error['msg']}）"


def column_at(header: str) -> Column | None:
    return next((c for c in COLUMNS if c.header == header), None)


def _validate(household: HouseholdRows, problems: Problems) -> None:
    """Build the API model of a household, mapping each pydantic error back to its cell.

    A household is validated even when some of its cells were unreadable (those are left out), so that the
    rest of its rows are checked too; the import is refused anyway while any problem remains.
    """
    _check_heads(household, problems)
    try:
        household.data = HouseholdCreate.model_validate(
            {**with_account(household.facts), "members": household.members}
        )
    except ValidationError as exc:
        for error in exc.errors():
            row, header = household.locate(error["loc"])
            problems.add(row, header, reason_in_chinese(error, column_at(header)))
    household.facts, household.members = {}, []


def _id_key(number: str) -> int:
    """An ID number (18 characters, digits and X) as one integer: a third of the memory of the text."""
    return int(number.replace("X", "A"), 16)


class SheetReader:
    """A sheet's rows read once, in order, into chunks of validated households, in bounded memory.

    Rows are grouped by 户序号 among the households still open; once `chunk` households are open they are
    validated and handed out together, and only their keys are remembered (a key seen again after its
    household was handed out is a problem on that row: one household's members belong on adjacent rows).
    ID numbers are remembered as integers with the row they were first seen on, to report a person listed
    twice wherever the second listing is. Every problem found goes into `problems`, whichever chunk it is in;
    `members` counts the member rows read so far. Raises `TooManyRows` past `max_rows` member rows
    (`MAX_ROWS` unless told), and `OutOfBounds` past `max_sheet_rows` rows read, blank ones included (as many
    again as the header may be searched for, unless told).
    """

    def __init__(
        self,
        rows: Iterable[Sequence[Any]],
        *,
        max_rows: int | None = None,
        max_sheet_rows: int | None = None,
        chunk: int = 5000,
    ):
        self.problems = Problems()
        self.members = 0
        self._numbered = enumerate(rows, start=1)
        self._limit = max_rows or MAX_ROWS
        self._sheet_limit = max_sheet_rows or self._limit + HEADER_SEARCH_ROWS
        self._chunk = chunk

    def chunks(self) -> Iterator[list[HouseholdRows]]:
        """The households, `chunk` at a time, each validated (`data` set when it has no problem)."""
        header = _find_header(self._numbered)
        if header is None:
            reason = f"未找到表头行（应包含“{KEY_HEADER}”“{ID_HEADER}”等列名，可下载导入模板对照）"
            self.problems.add(1, HEADER_PLACE, reason)
            return
        layout = _layout(*header, self.problems)
        if self.problems:
            return
        plan = _plan(layout)
        problems = self.problems
        open_households: dict[str, HouseholdRows] = {}
        handed_out: set[str] = set()
        first_row_of_id: dict[int, int] = {}
        for number, values in self._numbered:
            if number > self._sheet_limit:
                raise too_many_rows(self._sheet_limit)
            if all(_blank(v) for v in values):
                continue
            self.members += 1
            if self.members > self._limit:
                raise TooManyRows(f"超过 {self._limit} 行，请分批导入")
            facts, member = _read_cells(number, values, plan, problems)
            id_number = member.get("id_number")
            if id_number is not None:
                first = first_row_of_id.setdefault(_id_key(id_number), number)
                if first != number:
                    problems.add(number, ID_HEADER, f"与第{first}行身份证号重复（一人只能在一户登记）")
            key = facts.pop(KEY, None)
            if key is None:
                problems.add(number, KEY_HEADER, "必填：同一户的成员填相同的户序号")
                continue
            if key in handed_out:
                problems.add(number, KEY_HEADER, f"户序号 {key} 已用于前面的一户，同一户的成员请填在相邻行")
                continue
            household = open_households.get(key)
            if household is None:
                if len(open_households) >= self._chunk:
                    handed_out.update(open_households)
                    yield self._validated(open_households)
                    open_households = {}
                household = open_households[key] = HouseholdRows(key)
            household.add(number, facts, member)
        if open_households:
            yield self._validated(open_households)

    def _validated(self, households: dict[str, HouseholdRows]) -> list[HouseholdRows]:
        for household in households.values():
            _validate(household, self.problems)
        return list(households.values())

    def sheet(self) -> Sheet:
        """The whole sheet at once (small files, tests): every chunk kept."""
        return Sheet([h for chunk in self.chunks() for h in chunk], self.problems)


def read_rows(rows: Iterable[Sequence[Any]], *, max_rows: int | None = None) -> Sheet:
    """Read member rows into households; the header is the first row naming 身份证号 (a title may precede)."""
    return SheetReader(rows, max_rows=max_rows).sheet()


def read_xlsx(file: IO[bytes], *, bounds: Bounds, max_rows: int | None = None) -> Sheet:
    with xlsx_rows(file, bounds) as rows:
        return SheetReader(rows, max_rows=max_rows, max_sheet_rows=bounds.max_rows).sheet()


def _csv_encoding(file: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else GB18030 (Excel's 中文 CSV)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        file.seek(0)
        try:
            while chunk := file.read(1 << 16):
                if b"\x00" in chunk:
                    raise UnreadableFile("不是文本格式的 CSV（若为 UTF-16 文本，请另存为“CSV UTF-8”）")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        return encoding
    raise UnreadableFile("无法识别 CSV 的文字编码，请保存为 UTF-8 或 GB18030 编码")


@contextmanager
def _csv_rows(file: IO[bytes]) -> Iterator[Iterator[Sequence[Any]]]:
    """A CSV (UTF-8 with or without BOM, or GB18030), streamed row by row."""
    text = io.TextIOWrapper(file, encoding=_csv_encoding(file), newline="")
    try:
        yield guarded(csv.reader(text), "CSV 格式有误，无法读取")
    finally:
        text.detach()


@contextmanager
def opened(
    file: IO[bytes],
    *,
    filename: str | None,
    content_type: str | None,
    bounds: Bounds,
    max_rows: int | None = None,
    chunk: int = 5000,
) -> Iterator[SheetReader]:
    """An upload opened as .xlsx or .csv (by its content first, then by its name or type), ready to read
    within `bounds` (an .xlsx is refused past them before any cell is read)."""
    name = (filename or "").lower()
    kind = (content_type or "").split(";")[0].strip().lower()
    file.seek(0)
    magic = file.read(4)
    file.seek(0)
    if magic == _OLE_MAGIC or name.endswith(".xls"):
        raise UnreadableFile("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后上传")
    if magic == _ZIP_MAGIC:
        rows = xlsx_rows(file, bounds)
    elif name.endswith(".xlsx") or kind == XLSX_TYPE:
        raise UnreadableFile("不是有效的 .xlsx 文件或文件已损坏")
    elif name.endswith(".csv") or kind in {CSV_TYPE, "application/csv", "text/plain"}:
        rows = _csv_rows(file)
    else:
        raise UnreadableFile("仅支持 .xlsx 或 .csv 文件")
    with rows as values:
        yield SheetReader(values, max_rows=max_rows, max_sheet_rows=bounds.max_rows, chunk=chunk)


def read_file(
    file: IO[bytes],
    *,
    filename: str | None,
    content_type: str | None,
    bounds: Bounds,
    max_rows: int | None = None,
) -> Sheet:
    """Read a whole upload as .xlsx or .csv (see `opened`)."""
    with opened(
        file, filename=filename, content_type=content_type, bounds=bounds, max_rows=max_rows
    ) as reader:
        return reader.sheet()


# --- writing -----------------------------------------------------------------------------------------


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text (no BOM; the caller puts one at the very start so Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue()


def _xml_safe(value: Any) -> Any:
    """A stored text holding characters XML cannot (a NUL, other controls) is written with U+FFFD in their
    place: one old address must not fail the whole workbook."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


class XlsxBook:
    """A write-only workbook: rows go to a temporary file as they come, not into memory."""

    def __init__(self, *, guide: bool = False) -> None:
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(SHEET_TITLE)
        for index, column in enumerate(COLUMNS, start=1):
            dimension = self._sheet.column_dimensions[get_column_letter(index)]
            dimension.width = max(10, 2.2 * len(column.header) + 2)
            if column.field in TEXT_COLUMNS:
                dimension.width = 21
                dimension.number_format = "@"  # what officials type there stays text
        self._sheet.append(headers())
        if guide:
            notes = self._book.create_sheet(GUIDE_TITLE)
            notes.column_dimensions["A"].width = 18
            notes.column_dimensions["C"].width = 90
            for row in guide_rows():
                notes.append(row)

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self._sheet.append([_xml_safe(value) for value in row])

    def save(self, target: IO[bytes]) -> None:
        self._book.save(target)


# --- the template ------------------------------------------------------------------------------------


def guide_rows() -> list[list[str]]:
    """The 填写说明 sheet: how to fill the sheet, then each column, whether required and what it allows."""
    return [
        ["填写说明", "", "每行填写一名家庭成员；同一户的成员填相同的户序号，户信息以户主所在行为准。"],
        ["", "", "示例户仅供参考，导入前请删除。"],
        ["", "", "文件中有任何错误时不导入任何数据，请按错误报告逐行修改后重新上传。"],
        ["", "", "身份证号、一卡通账号、联系电话、嘎查村代码请以文本格式填写，避免 Excel 改成科学计数法。"],
        ["", "", "收款人默认为户主；由其他成员收款时填写其身份证号。"],
        [],
        ["列名", "是否必填", "填写要求"],
        *[[c.header, YES if c.required else NO, c.format.allowed] for c in COLUMNS],
    ]


EXAMPLE_ACCOUNT = "6228480010001234565"  # passes the Luhn check


def example_rows(village_code: str, address: str, *, today: date) -> list[list[Any]]:
    """One example household (valid ID numbers) in `village_code`, as spreadsheet rows."""
    facts = {
        KEY: "1",
        "region_code": village_code,
        "address": address,
        "phone": "13912345678",
        "category": Category.lifted_supported,
        "lifted_year": 2019,
        "relocated": False,
        "income_per_capita_fen": 1_234_560,
        "income_year": today.year - 1,
        "sheep": 45,
        "cattle": 3,
        "pigs": 2,
        "education_secure": True,
        "medical_secure": True,
        "housing_secure": True,
        "water_secure": True,
        "bank_name": "中国农业银行杭锦旗支行",
        "account_number": EXAMPLE_ACCOUNT,
    }
    head, spouse, child = Relation.head, Relation.spouse, Relation.child
    people = [
        ("巴特尔", head, date(1968, 3, 12), Sex.male, SchoolStage.none, LabourAbility.full, "本地务农"),
        ("乌日娜", spouse, date(1970, 7, 1), Sex.female, SchoolStage.none, LabourAbility.partial, None),
        ("其其格", child, date(2012, 9, 1), Sex.female, SchoolStage.junior, LabourAbility.none, None),
    ]
    return [
        row_cells(
            facts,
            {
                "name": name,
                "id_number": make_id_number("150625", birth, sequence, sex),
                "relation": relation,
                "ethnicity": "蒙古族",
                "school_stage": stage,
                "chronic_disease": relation == Relation.spouse,
                "serious_illness": False,
                "labour_ability": labour,
                "employment": employment,
                "dibao": False,
                "tekun": False,
                "pension_insurance": relation != Relation.child,
            },
        )
        for sequence, (name, relation, birth, sex, stage, labour, employment) in enumerate(people, start=101)
    ]
