"""Households for the page tests, made through the gateway's JSON API (no demo households are assumed)."""

import random
import uuid
from datetime import date

import httpx

from gateway.seed import DEMO_PASSWORD
from shared.idnumber import Sex, make_id_number
from tests.support.households import TEST_COUNTY

# Each test run draws fresh birth dates, in a county the demo data never uses, so ID numbers collide neither
# with earlier runs nor with the demo seed.
_rng = random.Random(uuid.uuid4().int)
_used: set[str] = set()


def new_id_number(sex: Sex, *, born_after: int = 1950, born_before: int = 2000) -> str:
    """A valid resident ID number no test of this run has used yet."""
    while True:
        birth = date(_rng.randint(born_after, born_before), _rng.randint(1, 12), _rng.randint(1, 28))
        number = make_id_number(TEST_COUNTY, birth, _rng.randint(0, 499), sex)
        if number not in _used:
            _used.add(number)
            return number


def unique_name(prefix: str) -> str:
    """A Chinese-looking name unique to this run (the registry searches names by prefix)."""
    digits = "零一二三四五六七八九"
    return prefix + "".join(digits[int(d)] for d in f"{_rng.randint(0, 10**6 - 1):06d}")


def api_token(gateway: str, username: str) -> str:
    answer = httpx.post(
        f"{gateway}/auth/token", data={"username": username, "password": DEMO_PASSWORD}, timeout=10
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def register_household(
    gateway: str,
    username: str,
    village: str,
    *,
    head: str | None = None,
    head_facts: dict[str, object] | None = None,
    others: list[dict[str, object]] | None = None,
    **facts: object,
) -> dict:
    """Register a household of two (head and child) and `others` in `village` as `username`, with any further
    facts of the head's (`head_facts`: a disability grade) and of the household (a flock, a payee account);
    the registry's answer."""
    body = facts | {
        "region_code": village,
        "address": "测试路 1 号",
        "category": "lifted_supported",
        "members": [
            {
                "name": head or unique_name("测户"),
                "id_number": new_id_number(Sex.male),
                "relation": "head",
                **(head_facts or {}),
            },
            {
                "name": unique_name("测子"),
                "id_number": new_id_number(Sex.female, born_after=2010, born_before=2015),
                "relation": "child",
                "school_stage": "primary",
            },
            *(others or []),
        ],
    }
    answer = httpx.post(
        f"{gateway}/api/v1/households",
        json=body,
        headers={"authorization": f"Bearer {api_token(gateway, username)}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())
