"""Small typed factories for household payloads with valid, unique ID numbers."""

import itertools
import random
from datetime import date
from typing import Any

import httpx
from stdnum import luhn

from shared.idnumber import Sex, make_id_number

_sequence = itertools.count(random.Random().randrange(0, 400))
_births = itertools.count(random.Random().randrange(0, 3000))
_cards = itertools.count(random.Random().randrange(10**9))


# A county code the demo data never uses (it draws from Ordos), so tests never collide with the demo seed.
TEST_COUNTY = "640102"


def id_number(sex: Sex = Sex.male, birth: date | None = None) -> str:
    """A valid ID number not used before in this test session."""
    n = next(_births)
    birth = birth or date(1950 + n % 60, 1 + n // 60 % 12, 1 + n // 720 % 28)
    return make_id_number(TEST_COUNTY, birth, next(_sequence) % 500, sex)


def member(name: str = "巴特尔", relation: str = "head", **fields: Any) -> dict[str, Any]:
    return {"name": name, "id_number": id_number(), "relation": relation, **fields}


def card() -> str:
    """A 19-digit 一卡通 number that passes Luhn, not used before in this test session."""
    body = f"621700{next(_cards):012d}"
    return body + luhn.calc_check_digit(body)


def account(number: str | None = None) -> dict[str, Any]:
    """A payee account (the head's) a bank pays into: payment batches hold out households without one."""
    return {"bank_name": "中国农业银行杭锦旗支行", "account_number": number or card()}


def household(
    region_code: str = "150625100201", category: str = "lifted_supported", **fields: Any
) -> dict[str, Any]:
    members = fields.pop("members", None) or [member(), member("乌日娜", "spouse")]
    return {
        "region_code": region_code,
        "address": "锡尼镇阿斯尔嘎查一社3号",
        "phone": "13912345678",
        "category": category,
        "income_per_capita_fen": 812345,
        "sheep": 45,  # the herd on record: livestock claims cannot outnumber it
        "cattle": 6,
        "pigs": 10,
        "members": members,
        **fields,
    }


async def register(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/households", json=household(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
