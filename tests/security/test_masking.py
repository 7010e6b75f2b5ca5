"""Masking that holds (issue 11, door 6): a role that sees masked ID numbers finds no full ID number or phone
in any answer it can get through the gateway — verbatim or rebuildable. A masked number keeps the first 6
and last 4 characters; the 8 hidden ones are the birth date, so a masked number and a birth date in the
same record are the full number: every record is searched for such a pair. Nor a payee account number
(一卡通), in full only to the officials who maintain accounts: the household's first and its changed one."""

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from shared.roles import Role
from tests.security.conftest import Mint
from tests.security.principals import REGION_OF_ROLE, VILLAGE, Caller, Position
from tests.support.households import household, member

MASKED_ROLES = (Role.work_team, Role.auditor, Role.partner_agency, Role.banner_admin)
MASKED_ID = re.compile(r"(\d{6})\*{8}([0-9X]{4})")
DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
PHONE = "13987654321"
ACCOUNTS = ("6228480010001234565", "6217000010007654323")  # the first, then the changed one (Luhn-valid)

Record = str  # the text of one record: a household, a list item, an NDJSON line, a spreadsheet row


@pytest.fixture(scope="module")
def home(gateway: httpx.Client, mint: Mint) -> dict[str, Any]:
    """A household in village A with three members, registered by its village official, with a field edit
    (so its trail has a phone and members in it) and a case opened for it."""
    village = VILLAGE[Position.village]
    official = Caller(
        gateway, Role.village_official, village, mint(Role.village_official, village, "mask-vo")
    )
    members = [member("巴特尔", "head"), member("乌日娜", "spouse"), member("其其格", "child")]
    account = {"bank_name": "中国农业银行杭锦旗支行", "account_number": ACCOUNTS[0]}
    body = household(village, phone="13900000000", members=members, payee_account=account)
    response = official.request("POST", "/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    edit = {
        "phone": PHONE,
        "members": [*members, member("苏和", "grandchild")],
        "payee_account": {"bank_name": "中国建设银行杭锦旗支行", "account_number": ACCOUNTS[1]},
    }
    edited = official.request("PATCH", f"/api/v1/households/{created['id']}", json=edit)
    assert edited.status_code == 200, edited.text
    case = official.request(
        "POST",
        "/api/v1/monitoring/cases",
        json={
            "household_id": created["id"],
            "source": "village_screening",
            "risk_types": ["illness"],
            "description": "因病致贫风险排查",
        },
    )
    assert case.status_code == 201, case.text
    return {
        **created,
        "numbers": {m["id_number"] for m in edited.json()["members"]},
        "case_id": case.json()["id"],
    }


def _json_records(value: Any) -> Iterator[Record]:
    """A JSON answer's records: each item of a list (or of a page's `items`), else the answer itself."""
    items = value.get("items") if isinstance(value, dict) else value
    for item in items if isinstance(items, list) else [value]:
        yield json.dumps(item, ensure_ascii=False)


def records(response: httpx.Response) -> list[Record]:
    kind = response.headers.get("content-type", "")
    if "ndjson" in kind:
        return [line for line in response.text.splitlines() if line]
    if kind.startswith("text/csv"):
        return [",".join(row) for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))]
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return [
            ",".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
    return list(_json_records(response.json()))


def rebuilt(record: Record) -> set[str]:
    """Every number a masked ID and a date in the same record make together."""
    dates = {"".join(found) for found in DATE.findall(record)}
    return {head + born + tail for head, tail in MASKED_ID.findall(record) for born in dates}


def answers(caller: Caller, home: dict[str, Any]) -> dict[str, httpx.Response]:
    """Everything the caller may read of the household: registry reads, searches, bulk reads, exports,
    its trail, and the monitoring views of its case."""
    path = f"/api/v1/households/{home['id']}"
    village = VILLAGE[Position.village]
    lookup = {"household_ids": [home["id"]], "id_numbers": sorted(home["numbers"])}
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "read": ("GET", path, {}),
        "history": ("GET", f"{path}/history", {}),
        "changes": ("GET", f"{path}/changes", {}),
        "list": ("GET", "/api/v1/households", {"params": {"region": village, "page_size": 200}}),
        "search": ("GET", "/api/v1/households", {"params": {"q": "巴特尔", "page_size": 200}}),
        "lookup": ("POST", "/api/v1/households/lookup", {"json": lookup}),
        "stream": ("GET", "/api/v1/households/stream", {"params": {"region": village}}),
        "stream.accounts": (
            "GET",
            "/api/v1/households/stream",
            {"params": {"region": village, "with_account": "true"}},
        ),
        "export.csv": ("GET", "/api/v1/households/export", {"params": {"region": village, "format": "csv"}}),
        "export.xlsx": ("GET", "/api/v1/households/export", {"params": {"region": village}}),
        "notices": ("GET", "/api/v1/monitoring/notices", {}),
        "cases": ("GET", "/api/v1/monitoring/cases", {"params": {"region": village}}),
        "case": ("GET", f"/api/v1/monitoring/cases/{home['case_id']}", {}),
    }
    return {name: caller.request(method, url, **options) for name, (method, url, options) in calls.items()}


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_no_full_number_or_phone_is_shown_or_rebuildable(
    gateway: httpx.Client, mint: Mint, home: dict[str, Any], role: Role
) -> None:
    caller = Caller(gateway, role, REGION_OF_ROLE[role], mint(role, REGION_OF_ROLE[role], f"mask-{role}"))
    read = 0
    for name, response in answers(caller, home).items():
        if response.status_code in (403, 404):  # not this role's to read (the authorization matrix says so)
            continue
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:300]}"
        for record in records(response):
            assert not [n for n in home["numbers"] if n in record], f"{name}: full ID shown"
            assert PHONE not in record and "13900000000" not in record, f"{name}: full phone shown"
            assert not [a for a in ACCOUNTS if a in record], f"{name}: full account number shown"
            assert not home["numbers"] & rebuilt(record), f"{name}: masked ID + birth date rebuild the number"
        read += 1
    assert read >= 9  # the registry's reads at least: the scan is never vacuous


def test_the_scan_finds_a_number_a_birth_date_rebuilds() -> None:
    number = member()["id_number"]
    born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    assert number in rebuilt(json.dumps({"id_masked": number[:6] + "*" * 8 + number[-4:], "born": born}))
    assert number not in rebuilt(json.dumps({"id_masked": number[:6] + "*" * 8 + number[-4:], "age": 40}))
