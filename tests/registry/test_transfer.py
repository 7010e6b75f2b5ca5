"""Spreadsheet import and export through the API: all or nothing in, the caller's scope out, masked for
roles that need no full numbers; on SQLite and PostgreSQL."""

import csv
import io
import itertools
import re
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete

from services.registry import spreadsheets, transfer
from services.registry.models import (
    CategoryChange,
    Household,
    HouseholdIncome,
    Member,
    VillageCounter,
    audit_log,
)
from shared.db import Database
from shared.idnumber import Sex, make_id_number
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.registry.test_account_rules import BANK, bad_check_digit, card

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BAYIN = "150625100201", "150625100202"
TOWNSHIP = "150625100"
HEADERS = spreadsheets.headers()
XLSX = spreadsheets.XLSX_TYPE
IMPORT, EXPORT, TEMPLATE = (
    "/api/v1/households/import",
    "/api/v1/households/export",
    "/api/v1/households/import-template",
)
_people = itertools.count(1)


def person_id(sex: Sex = Sex.male) -> str:
    """A valid ID number not used before in this test session."""
    n = next(_people)
    return make_id_number("150625", date(1950 + n % 50, 1 + n % 12, 1 + n % 28), n % 500, sex)


def household(key: int, village: str = ASIER, size: int = 3, **facts: str) -> list[dict[str, str]]:
    """A household as an official types it: every column filled, the head first."""
    shared = {
        "户序号": str(key),
        "嘎查村代码": village,
        "家庭住址": f"一社{key}号",
        "联系电话": "13912345678",
        "户类别": "已脱贫享受政策户",
        "脱贫年度": "2019",
        "是否易地搬迁": "否",
        "安置点": "",
        "人均纯收入（元）": "4321.07",
        "收入年度": "2025",
        "羊（只）": "45",
        "牛（头）": "3",
        "猪（头）": "0",
        "义务教育保障": "是",
        "基本医疗保障": "是",
        "住房安全保障": "否",
        "饮水安全": "是",
        "收款人身份证号": "",
        "开户银行": BANK,
        "一卡通账号": card(f"62284800100{key:07d}"),
        **facts,
    }
    relations = ["户主", "配偶", *["子女"] * (size - 2)][:size]
    return [
        shared
        | {
            "姓名": f"成员{key}之{index}",
            "身份证号": person_id(Sex.female if index % 2 else Sex.male),
            "与户主关系": relation,
            "民族": "蒙古族",
            "在校阶段": "小学" if relation == "子女" else "未在学",
            "残疾等级": "2" if index == 1 else "",
            "慢性病": "是" if index == 1 else "否",
            "大病": "否",
            "劳动能力": "有劳动力",
            "务工情况": "本地务农" if index == 0 else "",
            "低保": "是",
            "特困": "否",
            "养老保险": "是" if relation != "子女" else "否",
        }
        for index, relation in enumerate(relations)
    ]


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *[[row.get(h, "") for h in HEADERS] for row in rows]])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) or None for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def table(response: httpx.Response) -> list[dict[str, str]]:
    """A downloaded spreadsheet as one dict per row (header → text), whichever its format."""
    if response.headers["content-type"].startswith(XLSX):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        header, *rows = [[as_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    else:
        assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads UTF-8
        header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == HEADERS
    return [dict(zip(header, row, strict=True)) for row in rows]


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, name: str = "households.xlsx"
) -> httpx.Response:
    kind = {"xlsx": XLSX, "csv": "text/csv"}.get(name.rpartition(".")[2], "application/octet-stream")
    return await client.post(IMPORT, files={"file": (name, content, kind)}, headers=headers)


async def household_count(client: httpx.AsyncClient, token_for: TokenFactory) -> int:
    response = await client.get("/api/v1/households", headers=bearer(token_for("banner_official", "150625")))
    return int(response.json()["total"])


def cells(body: dict[str, Any]) -> set[tuple[int, str]]:
    return {(r["row"], r["column"]) for r in body["rows"]}


async def test_a_file_imports_and_exports_cell_for_cell_in_both_formats(
    registry: httpx.AsyncClient, token_for: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "EXPORT_CHUNK", 2)  # several keyset pages
    township = bearer(token_for("township_official", TOWNSHIP))
    rows = [
        *household(1),
        *household(
            2, BAYIN, size=2, **{"户类别": "lifted_supported", "是否易地搬迁": "是", "安置点": "安置小区"}
        ),
        *household(3, size=4, **{"联系电话": "0477-6612345", "户类别": "已脱贫不享受政策户"}),
        *household(4, BAYIN, size=1, **{"开户银行": "", "一卡通账号": ""}),
        *household(5, size=2, **{"人均纯收入（元）": "0.1"}),
    ]
    response = await upload(registry, township, xlsx_bytes(rows))
    assert response.status_code == 201, response.text
    assert response.json() == {"households": 5, "members": 12}

    def expected(row: dict[str, str]) -> dict[str, str]:
        labels = {"lifted_supported": "已脱贫享受政策户"}
        money = {"0.1": "0.10"}
        return row | {
            "户类别": labels.get(row["户类别"], row["户类别"]),
            "人均纯收入（元）": money.get(row["人均纯收入（元）"], row["人均纯收入（元）"]),
        }

    by_id = {row["身份证号"]: expected(row) for row in rows}
    csv_export = await registry.get(EXPORT, params={"format": "csv"}, headers=township)
    exported = table(csv_export)
    assert {row["身份证号"]: row | {"户序号": ""} for row in exported} == {
        number: row | {"户序号": ""} for number, row in by_id.items()
    }
    # households in number order: each village's in the order they were imported
    assert [row["户序号"] for row in exported] == ["1"] * 3 + ["2"] * 4 + ["3"] * 2 + ["4"] * 2 + ["5"]
    xlsx_export = await registry.get(EXPORT, headers=township)
    assert xlsx_export.status_code == 200
    as_xlsx = table(xlsx_export)
    money_as_number = {"4321.07": "4321.07", "0.10": "0.1"}  # Excel keeps amounts as numbers
    assert as_xlsx == [
        row | {"人均纯收入（元）": money_as_number[row["人均纯收入（元）"]]} for row in exported
    ]


async def test_an_export_reimports_into_a_fresh_registry(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    township = bearer(token_for("township_official", TOWNSHIP))
    rows = [*household(1), *household(2, BAYIN, size=2), *household(3, size=5)]
    assert (await upload(registry, township, csv_bytes(rows), "a.csv")).status_code == 201
    first = await registry.get(EXPORT, headers=township)
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        for model in (Member, HouseholdIncome, CategoryChange, Household, VillageCounter):
            await session.execute(delete(model))
        await session.execute(delete(audit_log))
    await db.dispose()
    assert await household_count(registry, token_for) == 0
    again = await upload(registry, township, first.content, "households-150625100.xlsx")
    assert again.status_code == 201, again.text
    assert again.json() == {"households": 3, "members": 10}
    assert table(await registry.get(EXPORT, headers=township)) == table(first)


async def test_yuan_become_fen_exactly(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    headers = bearer(token_for("village_official", ASIER))
    amounts = {"4321.07": 432107, "0.29": 29, "1,000,000": 100_000_000, "19.9": 1990, "35": 3500}
    rows = [
        row
        for key, amount in enumerate(amounts, 1)
        for row in household(key, size=1, **{"人均纯收入（元）": amount})
    ]
    assert (await upload(registry, headers, xlsx_bytes(rows))).status_code == 201
    page = (await registry.get("/api/v1/households", headers=headers)).json()
    found = {}
    for item in page["items"]:
        detail = (await registry.get(f"/api/v1/households/{item['id']}", headers=headers)).json()
        found[detail["address"]] = detail["income_per_capita_fen"]
    assert found == {f"一社{key}号": fen for key, fen in enumerate(amounts.values(), 1)}


async def test_one_bad_row_among_two_hundred_refuses_the_file_and_names_the_cell(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = [row for key in range(1, 68) for row in household(key)]
    assert len(rows) == 201
    good = rows[55]["身份证号"]  # spreadsheet row 57: the header is row 1
    rows[55]["身份证号"] = good[:17] + ("0" if good[17] != "0" else "1")
    for name, content in (("h.xlsx", xlsx_bytes(rows)), ("h.csv", csv_bytes(rows))):
        response = await upload(registry, bearer(token_for("village_official", ASIER)), content, name)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["rows"] == [{"row": 57, "column": "身份证号", "reason": "身份证号校验位错误"}]
        assert body["errors"] == [{"field": "第57行 身份证号", "reason": "身份证号校验位错误"}]
        assert body["problem_count"] == 1
    assert await household_count(registry, token_for) == 0


async def test_every_problem_is_reported_at_once_and_nothing_is_written(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = [*household(1), *household(2), *household(3)]
    rows[1]["人均纯收入（元）"] = "12.345"  # row 3: checked on a member's row too, though the head's counts
    rows[3]["人均纯收入（元）"] = "12.345"  # row 5, the head of household 2
    rows[4]["与户主关系"] = "户主"  # row 6: a second head
    rows[6]["联系电话"] = "12345"  # row 8: head of household 3
    rows[7]["民族"] = "蒙" * 30  # row 9
    rows[8]["身份证号"] = rows[2]["身份证号"]  # row 10 repeats row 4
    response = await upload(registry, bearer(token_for("village_official", ASIER)), xlsx_bytes(rows))
    assert response.status_code == 422
    assert [(r["row"], r["column"]) for r in response.json()["rows"]] == [
        (3, "人均纯收入（元）"),
        (5, "人均纯收入（元）"),
        (6, "与户主关系"),
        (8, "联系电话"),
        (9, "民族"),
        (10, "身份证号"),
    ]
    reasons = {r["row"]: r["reason"] for r in response.json()["rows"]}
    assert reasons[5] == "金额最多保留两位小数"
    assert reasons[6] == "户序号 2 已有户主（第5行），每户只能有一名"
    assert reasons[8].startswith("格式不正确")
    assert reasons[9] == "不能超过20个字"
    assert reasons[10] == "与第4行身份证号重复（一人只能在一户登记）"
    assert await household_count(registry, token_for) == 0


async def test_account_cells_are_checked_on_the_heads_row(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = [*household(1), *household(2), *household(3)]
    rows[0]["一卡通账号"] = bad_check_digit(rows[0]["一卡通账号"])  # row 2
    rows[3]["开户银行"] = ""  # row 5: a number without its bank
    rows[6]["收款人身份证号"] = person_id()  # row 8: a payee who is not in the household
    response = await upload(registry, bearer(token_for("village_official", ASIER)), xlsx_bytes(rows))
    assert response.status_code == 422
    assert [(r["row"], r["column"], r["reason"]) for r in response.json()["rows"]] == [
        (2, "一卡通账号", "卡号校验位不正确，请核对卡号"),
        (5, "开户银行", "必填"),
        (8, "收款人身份证号", "收款人须为本户家庭成员"),
    ]
    assert await household_count(registry, token_for) == 0


async def test_an_id_already_registered_is_refused_on_its_row(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("township_official", TOWNSHIP))
    first = household(1)
    assert (await upload(registry, headers, xlsx_bytes(first))).status_code == 201
    later = [*household(1, BAYIN), *household(2, BAYIN)]
    later[4]["身份证号"] = first[1]["身份证号"]  # row 6
    response = await upload(registry, headers, xlsx_bytes(later))
    assert response.status_code == 422
    assert response.json()["rows"] == [
        {"row": 6, "column": "身份证号", "reason": "该身份证号已在其他家庭登记"}
    ]
    assert await household_count(registry, token_for) == 1


async def test_a_village_outside_the_callers_scope_is_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = [*household(1), *household(2, BAYIN), *household(3, "150625101201")]
    response = await upload(registry, bearer(token_for("village_official", ASIER)), csv_bytes(rows), "h.csv")
    assert response.status_code == 422
    body = response.json()
    assert cells(body) == {(5, "嘎查村代码"), (8, "嘎查村代码")}
    assert {r["reason"] for r in body["rows"]} == {"不在您的管辖范围内或不是嘎查村"}
    assert await household_count(registry, token_for) == 0


async def test_a_gb18030_csv_from_chinese_excel_imports(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = household(1, **{"家庭住址": "锡尼镇阿斯尔嘎查一社"})
    response = await upload(
        registry, bearer(token_for("village_official", ASIER)), csv_bytes(rows, "gb18030"), "户籍.csv"
    )
    assert response.status_code == 201, response.text
    items = (await registry.get("/api/v1/households", headers=bearer(token_for("auditor", "150625")))).json()
    assert [(i["address"], i["head_name"]) for i in items["items"]] == [("锡尼镇阿斯尔嘎查一社", "成员1之0")]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("h.xlsx", b"PK\x03\x04 not really a zip", "不是有效的 .xlsx 文件或文件已损坏"),
        ("h.xlsx", b"just some text", "不是有效的 .xlsx 文件或文件已损坏"),
        (
            "h.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后上传",
        ),
        ("h.csv", b"\x00\x01\x02binary", "不是文本格式的 CSV（若为 UTF-16 文本，请另存为“CSV UTF-8”）"),
        ("h.pdf", b"%PDF-1.4", "仅支持 .xlsx 或 .csv 文件"),
        ("h.csv", b"", "文件为空"),
    ],
)
async def test_an_unreadable_file_is_a_422_naming_file(
    registry: httpx.AsyncClient, token_for: TokenFactory, name: str, content: bytes, reason: str
) -> None:
    response = await upload(registry, bearer(token_for("village_official", ASIER)), content, name)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "file", "reason": reason}]


async def test_too_large_or_too_long_files_are_refused(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    headers = bearer(token_for("village_official", ASIER))
    settings.registry_import_max_bytes = 1000  # the running app reads its settings on every import
    response = await upload(registry, headers, b"x" * 1001, "h.csv")
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "file"
    settings.registry_import_max_bytes = 20 * 1024 * 1024
    settings.registry_import_max_rows = 5
    response = await upload(registry, headers, csv_bytes([*household(1), *household(2)]), "h.csv")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "file", "reason": "超过 5 行，请分批导入"}]


async def test_the_import_template_has_the_columns_a_guide_and_an_example_that_imports(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    headers = bearer(token_for("village_official", BAYIN))
    response = await registry.get(TEMPLATE, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"household-import-template.xlsx\"; filename*=UTF-8''"
        "%E6%88%B7%E7%B1%8D%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["户籍信息", "填写说明"]
    guide = "\n".join(as_text(v) for row in book["填写说明"].iter_rows(values_only=True) for v in row)
    assert all(header in guide for header in HEADERS)
    assert "已脱贫享受政策户" in guide and "高中（含中职）" in guide and "儿媳/女婿" in guide
    example = table(response)
    assert {row["嘎查村代码"] for row in example} == {BAYIN}  # the caller's own village
    imported = await upload(registry, headers, response.content)
    assert imported.status_code == 201 and imported.json() == {"households": 1, "members": 3}


async def test_the_csv_template_imports_too(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    headers = bearer(token_for("township_official", TOWNSHIP))
    response = await registry.get(TEMPLATE, params={"format": "csv"}, headers=headers)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert [row["与户主关系"] for row in table(response)] == ["户主", "配偶", "子女"]
    imported = await upload(registry, headers, response.content, "template.csv")
    assert imported.status_code == 201 and imported.json() == {"households": 1, "members": 3}


async def test_a_village_official_exports_only_its_village(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    township = bearer(token_for("township_official", TOWNSHIP))
    rows = [*household(1), *household(2, BAYIN), *household(3, "150625100203")]
    assert (await upload(registry, township, xlsx_bytes(rows))).status_code == 201
    village = bearer(token_for("village_official", ASIER))
    response = await registry.get(EXPORT, params={"format": "csv"}, headers=village)
    assert response.status_code == 200
    assert {row["嘎查村代码"] for row in table(response)} == {ASIER}
    assert len(table(response)) == 3
    elsewhere = await registry.get(EXPORT, params={"format": "csv", "region": BAYIN}, headers=village)
    assert table(elsewhere) == []
    narrowed = await registry.get(
        EXPORT, params={"region": BAYIN, "category": "lifted_supported"}, headers=township
    )
    assert {row["嘎查村代码"] for row in table(narrowed)} == {BAYIN}
    assert table(await registry.get(EXPORT, params={"category": "monitored"}, headers=township)) == []
    today = re.escape(date.today().isoformat()[:7])
    assert re.fullmatch(
        rf"attachment; filename=\"households-{ASIER}-{today}-\d\d\.csv\"; filename\*=UTF-8''\S+\.csv",
        response.headers["content-disposition"],
    )


async def test_an_export_holds_the_households_the_search_finds(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    township = bearer(token_for("township_official", TOWNSHIP))
    rows = [*household(1), *household(2), *household(3, BAYIN)]
    assert (await upload(registry, township, xlsx_bytes(rows))).status_code == 201
    listed = await registry.get("/api/v1/households", params={"q": "成员2之"}, headers=township)
    [found] = listed.json()["items"]
    second = {r["姓名"] for r in household(2)}
    for q in ("成员2之", found["number"], rows[3]["身份证号"]):  # a name, a household number, an ID number
        for file_format in ("csv", "xlsx"):
            response = await registry.get(EXPORT, params={"format": file_format, "q": q}, headers=township)
            assert response.status_code == 200, response.text
            assert {row["姓名"] for row in table(response)} == second
    elsewhere = await registry.get(EXPORT, params={"q": "成员2之", "region": BAYIN}, headers=township)
    assert table(elsewhere) == []
    too_long = await registry.get(EXPORT, params={"q": "成" * 51}, headers=township)
    assert too_long.status_code == 422 and "q" in too_long.text


async def test_an_auditor_gets_masked_numbers_and_a_village_official_full_ones(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    rows = household(1)
    assert (
        await upload(registry, bearer(token_for("village_official", ASIER)), xlsx_bytes(rows))
    ).status_code == 201
    audited = table(await registry.get(EXPORT, headers=bearer(token_for("auditor", "150625"))))
    assert [row["身份证号"] for row in audited] == [
        r["身份证号"][:6] + "*" * 8 + r["身份证号"][-4:] for r in rows
    ]
    assert {row["联系电话"] for row in audited} == {"139****5678"}
    full = table(await registry.get(EXPORT, headers=bearer(token_for("village_official", ASIER))))
    assert [row["身份证号"] for row in full] == [r["身份证号"] for r in rows]
    assert {row["联系电话"] for row in full} == {"13912345678"}


async def test_who_may_import_and_export(registry: httpx.AsyncClient, token_for: TokenFactory) -> None:
    content = xlsx_bytes(household(1))
    for role, region in (("auditor", "150625"), ("work_team", ASIER), ("bank", "150625")):
        assert (await upload(registry, bearer(token_for(role, region)), content)).status_code == 403
        assert (await registry.get(TEMPLATE, headers=bearer(token_for(role, region)))).status_code == 403
    assert (await registry.get(EXPORT, headers=bearer(token_for("bank", "150625")))).status_code == 403
    assert (await registry.get(EXPORT, headers=bearer(token_for("work_team", ASIER)))).status_code == 200
    assert (await registry.get(EXPORT)).status_code == 401
    bad = await registry.get(EXPORT, params={"format": "pdf"}, headers=bearer(token_for("auditor", "150625")))
    assert bad.status_code == 422


async def test_an_export_leaves_an_audit_record(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    headers = bearer(token_for("auditor", "150625"))
    response = await registry.get("/api/v1/households/export", params={"format": "csv"}, headers=headers)
    assert response.status_code == 200
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        rows = (await session.execute(audit_log.select())).mappings().all()
    await db.dispose()
    assert [(r["action"], r["actor"], r["after"]["full_identity"]) for r in rows] == [
        ("household.export", "auditor-150625", False)
    ]
