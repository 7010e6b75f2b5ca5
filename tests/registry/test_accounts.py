"""Payee accounts (一卡通, issue 13 part 1): a bank can pay only into a well-formed account of a member; the
number is shown in full only to the officials who maintain it and to payments' own client, masked to the
others, never kept in clear in the audit log, and every change is on the household's trail."""

import json

import httpx
import pytest
from sqlalchemy import select

from services.registry.models import Household, audit_log
from shared.bank_accounts import mask_account_number
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.registry.test_account_rules import BANK, bad_check_digit, card
from tests.support.households import household, member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BANNER = "150625100201", "150625"


async def audit_text(settings: Settings) -> str:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        rows = (await session.execute(select(audit_log.c.before, audit_log.c.after))).all()
        stored = (await session.execute(select(Household.account_cipher, Household.account_masked))).all()
    await db.dispose()
    return json.dumps([list(r) for r in rows], ensure_ascii=False) + json.dumps([list(r) for r in stored])


async def test_the_account_is_shown_in_full_only_to_the_officials_who_maintain_it(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    number = card()
    home = await register(
        registry,
        bearer(token_for("village_official", ASIER)),
        payee_account={"bank_name": BANK, "account_number": number},
    )
    masked = {"payee_name": "巴特尔", "bank_name": BANK, "account_number_masked": mask_account_number(number)}
    assert home["payee_account"] == masked | {"account_number": number}  # the head by default
    path = f"/api/v1/households/{home['id']}"
    for role in ("village_official", "township_official", "banner_official"):
        shown = await registry.get(
            path, headers=bearer(token_for(role, ASIER[: 12 if role[0] == "v" else 6]))
        )
        assert shown.json()["payee_account"]["account_number"] == number, role
    for role in ("work_team", "auditor", "department_officer", "banner_admin"):
        shown = await registry.get(
            path, headers=bearer(token_for(role, BANNER if role != "work_team" else ASIER))
        )
        assert shown.status_code == 200, (role, shown.text)
        assert shown.json()["payee_account"] == masked | {"account_number": None}, role
        assert number not in shown.text, role
    assert number not in await audit_text(settings)  # only encrypted at rest, masked in the log


@pytest.mark.parametrize(
    ("account_number", "reason"),
    [
        (bad_check_digit(card()), "卡号校验位不正确"),
        ("62284800", "12–19"),
        ("6228-4800-1000-1234", "数字"),
    ],
)
async def test_a_bad_account_number_is_refused_naming_the_field_and_nothing_is_written(
    registry: httpx.AsyncClient, token_for: TokenFactory, account_number: str, reason: str
) -> None:
    village = bearer(token_for("village_official", ASIER))
    body = household(payee_account={"bank_name": BANK, "account_number": account_number})
    response = await registry.post("/api/v1/households", json=body, headers=village)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "payee_account.account_number" and reason in error["reason"]
    assert (await registry.get("/api/v1/households", headers=village)).json()["total"] == 0


async def test_the_payee_is_a_member_of_the_household(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    village = bearer(token_for("village_official", ASIER))
    spouse, outsider = member("乌日娜", "spouse"), member("外人", "head")
    members = [member(), spouse]
    account = {"bank_name": BANK, "account_number": card()}
    refused = await registry.post(
        "/api/v1/households",
        json=household(members=members, payee_account=account | {"payee_id_number": outsider["id_number"]}),
        headers=village,
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["payee_account.payee_id_number"]
    home = await register(
        registry, village, members=members, payee_account=account | {"payee_id_number": spouse["id_number"]}
    )
    assert home["payee_account"]["payee_name"] == "乌日娜"

    path = f"/api/v1/households/{home['id']}"
    keep = [{k: m[k] for k in ("name", "id_number", "relation")} for m in members]
    without_payee = await registry.patch(path, json={"members": keep[:1]}, headers=village)
    assert without_payee.status_code == 422
    assert [e["field"] for e in without_payee.json()["errors"]] == ["payee_account.payee_id_number"]
    renamed = await registry.patch(
        path, json={"members": [keep[0], keep[1] | {"name": "乌日娜其"}]}, headers=village
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["payee_account"]["payee_name"] == "乌日娜其"


async def test_a_changed_account_is_on_the_trail_masked(
    registry: httpx.AsyncClient, token_for: TokenFactory, settings: Settings
) -> None:
    village = bearer(token_for("village_official", ASIER))
    old, new = card(), card("621700001000765432")
    home = await register(registry, village, payee_account={"bank_name": BANK, "account_number": old})
    path = f"/api/v1/households/{home['id']}"
    changed = await registry.patch(
        path,
        json={"payee_account": {"bank_name": "中国建设银行杭锦旗支行", "account_number": new}},
        headers=village,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["payee_account"]["account_number"] == new
    removed = await registry.patch(path, json={"payee_account": None}, headers=village)
    assert removed.json()["payee_account"] is None

    trail = (await registry.get(f"{path}/changes", headers=village)).json()
    accounts = [(c["before"], c["after"]) for c in trail if c["field"] == "payee_account"]
    assert [(b and b["account_number_masked"], a and a["account_number_masked"]) for b, a in accounts] == [
        (mask_account_number(old), mask_account_number(new)),
        (mask_account_number(new), None),
    ]
    text = json.dumps(trail) + await audit_text(settings)
    assert old not in text and new not in text


async def test_the_lookup_and_the_stream_give_payments_the_number_and_no_other_service(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    number = card()
    home = await register(
        registry,
        bearer(token_for("village_official", ASIER)),
        payee_account={"bank_name": BANK, "account_number": number},
    )
    await register(registry, bearer(token_for("village_official", ASIER)))  # no account
    payments = bearer(token_for("service", BANNER, "svc-payments"))
    monitoring = bearer(token_for("service", BANNER, "svc-monitoring"))
    body = {"household_ids": [home["id"]]}
    [found] = (await registry.post("/api/v1/households/lookup", json=body, headers=payments)).json()["items"]
    assert found["payee_account"]["account_number"] == number
    [seen] = (await registry.post("/api/v1/households/lookup", json=body, headers=monitoring)).json()["items"]
    assert seen["payee_account"]["account_number"] is None
    assert seen["payee_account"]["account_number_masked"] == mask_account_number(number)

    stream = "/api/v1/households/stream"
    lines = [json.loads(line) for line in (await registry.get(stream, headers=monitoring)).text.splitlines()]
    assert {line["account_number_masked"] for line in lines} == {mask_account_number(number), None}
    assert all("account_number" not in line for line in lines)
    refused = await registry.get(stream, params={"with_account": "true"}, headers=monitoring)
    assert refused.status_code == 403
    full = await registry.get(stream, params={"with_account": "true"}, headers=payments)
    lines = [json.loads(line) for line in full.text.splitlines()]
    assert {line["id"]: line.get("account_number") for line in lines}[home["id"]] == number
    assert {line["payee_name"] for line in lines} == {"巴特尔", None}
