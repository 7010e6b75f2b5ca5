"""A masked ID number keeps the first 6 and last 4 characters: the 8 hidden ones are the birth date. Roles
that see masked numbers get `age`, never `birth_date`, in every registry answer (issue 11, door 6)."""

import json
from datetime import date

import httpx
import pytest

from services.registry import rules
from shared import months
from tests.conftest import TokenFactory, bearer
from tests.support.households import member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BANNER = "150625100201", "150625"
MASKED = [("work_team", ASIER), ("auditor", BANNER), ("partner_agency", BANNER), ("banner_admin", BANNER)]
FULL = [("village_official", ASIER), ("township_official", "150625100"), ("banner_official", BANNER)]


def born(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


async def views(registry: httpx.AsyncClient, headers: dict[str, str], home: dict) -> list[dict]:
    """The member as the household read, the lookup and the stream show it."""
    path = f"/api/v1/households/{home['id']}"
    read = (await registry.get(path, headers=headers)).json()["members"][0]
    body = {"household_ids": [home["id"]]}
    [found] = (await registry.post("/api/v1/households/lookup", json=body, headers=headers)).json()["items"]
    streamed = await registry.get("/api/v1/households/stream", headers=headers)
    [line] = [json.loads(text) for text in streamed.text.splitlines() if home["id"] in text]
    return [read, found["members"][0], line["members"][0]]


@pytest.mark.parametrize(("role", "region"), MASKED)
async def test_roles_that_see_masked_numbers_get_the_age_not_the_birth_date(
    registry: httpx.AsyncClient, token_for: TokenFactory, role: str, region: str
) -> None:
    head = member("巴特尔", "head")
    home = await register(registry, bearer(token_for("village_official", ASIER)), members=[head])
    age = rules.age_on(born(head["id_number"]), months.today())
    for shown in await views(registry, bearer(token_for(role, region)), home):
        assert shown.get("birth_date") is None and shown["age"] == age
        assert head["id_number"] not in json.dumps(shown)
        assert head["id_number"][6:14] not in json.dumps(shown).replace("-", "")


@pytest.mark.parametrize(("role", "region"), FULL)
async def test_roles_that_see_full_numbers_keep_the_birth_date(
    registry: httpx.AsyncClient, token_for: TokenFactory, role: str, region: str
) -> None:
    head = member("巴特尔", "head")
    home = await register(registry, bearer(token_for("village_official", ASIER)), members=[head])
    for shown in await views(registry, bearer(token_for(role, region)), home):
        assert shown["birth_date"] == born(head["id_number"]).isoformat()
        assert shown["age"] == rules.age_on(born(head["id_number"]), months.today())
