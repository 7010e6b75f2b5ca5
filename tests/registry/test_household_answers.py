"""The household read answers from one query: the same answer, masking and scope as the ORM path the write
routes answer with (`households.to_public`), for every role that reads the registry."""

import uuid

import httpx
import pytest

from services.registry import households
from services.registry.models import Household
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.db import Database
from shared.roles import Role
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BANNER = "150625100201", "150625"
READERS = [
    ("village_official", ASIER),
    ("township_official", "150625100"),
    ("banner_official", BANNER),
    ("department_officer", BANNER),
    ("work_team", ASIER),
    ("auditor", BANNER),
    ("partner_agency", BANNER),
    ("banner_admin", BANNER),
    ("service", BANNER),
]


async def orm_answer(settings: Settings, household_id: str, role: str, region: str) -> dict:
    """What `to_public` (three queries, ORM objects, the response model) answers the same caller."""
    db = Database.from_url(settings.database_url("registry"))
    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    principal = Principal(subject="t", role=Role(role), region=region)
    try:
        async with db.session_scope() as session:
            household = await session.get(Household, uuid.UUID(household_id))
            public = await households.to_public(session, household, principal=principal, cipher=cipher)
    finally:
        await db.dispose()
    return public.model_dump(mode="json")


@pytest.mark.parametrize(("role", "region"), READERS)
async def test_the_one_query_read_answers_what_the_orm_path_answers(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory, role: str, region: str
) -> None:
    registrar = bearer(token_for("village_official", ASIER))
    members = [member("巴特尔", "head", disability_grade=2, chronic_disease=True), member("其其格", "spouse")]
    home = await register(registry, registrar, members=members, phone="13912345678")
    # A neighbour with members and an income of its own: none of them may show in the first's answer.
    await register(registry, registrar, members=[member("乌云", "head")], income_per_capita_fen=123_456)
    await registry.patch(
        f"/api/v1/households/{home['id']}",
        json={"income_per_capita_fen": 900_000, "income_year": 2024},
        headers=registrar,
    )
    answer = await registry.get(f"/api/v1/households/{home['id']}", headers=bearer(token_for(role, region)))
    assert answer.status_code == 200, answer.text
    expected = await orm_answer(settings, home["id"], role, region)
    assert answer.json() == expected
    assert [m["name"] for m in answer.json()["members"]] == ["巴特尔", "其其格"]
    incomes = answer.json()["incomes"]
    assert len(incomes) == 2 and [i["year"] for i in incomes] == sorted(i["year"] for i in incomes)
    assert 900_000 in {i["per_capita_fen"] for i in incomes} and 123_456 not in {
        i["per_capita_fen"] for i in incomes
    }


async def test_a_household_outside_the_scope_is_not_found(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    home = await register(registry, bearer(token_for("village_official", ASIER)), members=[member()])
    other_village = bearer(token_for("village_official", "150625100202"))
    answer = await registry.get(f"/api/v1/households/{home['id']}", headers=other_village)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
