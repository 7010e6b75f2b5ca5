"""Edits to a household leave a field-level trail (issue 11, door 14): the audit record's before and after
hold exactly the changed fields, and `GET /households/{id}/changes` lists them (who, when, field, before,
after) to whoever may read the household, with ID numbers and phones masked and no birth dates."""

import json
import re

import httpx
import pytest
from sqlalchemy import select

from services.registry.models import audit_log
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BAYIN, BANNER = "150625100201", "150625100202", "150625"


async def update_records(settings: Settings, household_id: str) -> list[tuple[dict, dict]]:
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        rows = await session.execute(
            select(audit_log.c.before, audit_log.c.after)
            .where(audit_log.c.entity_id == household_id, audit_log.c.action == "household.update")
            .order_by(audit_log.c.seq)
        )
        records = [(row.before, row.after) for row in rows]
    await db.dispose()
    return records


async def test_an_edit_records_and_lists_exactly_the_fields_it_changed(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    village = bearer(token_for("village_official", ASIER))
    head = member("巴特尔", "head")
    home = await register(registry, village, members=[head], sheep=45, phone="13912345678")
    path = f"/api/v1/households/{home['id']}"
    edit = {"sheep": 60, "address": "二社8号", "phone": "13800001111", "income_per_capita_fen": 900_000}
    assert (await registry.patch(path, json=edit, headers=village)).status_code == 200
    newborn = member("其其格", "grandchild")
    keep = {k: head[k] for k in ("name", "id_number", "relation")}
    assert (await registry.patch(path, json={"members": [keep, newborn]}, headers=village)).status_code == 200

    first, second = await update_records(settings, home["id"])
    assert set(first[0]) == set(first[1]) == {"sheep", "address", "phone", "income_per_capita_fen", "incomes"}
    assert (first[0]["sheep"], first[1]["sheep"]) == (45, 60)
    assert set(second[0]) == set(second[1]) == {"members", "member_count"}

    work_team = bearer(token_for("work_team", ASIER))
    listed = await registry.get(f"{path}/changes", headers=work_team)
    assert listed.status_code == 200, listed.text
    trail = {(c["field"], json.dumps(c["before"]), json.dumps(c["after"])) for c in listed.json()}
    assert ("sheep", "45", "60") in trail
    assert ("address", json.dumps(home["address"]), json.dumps("二社8号")) in trail
    assert ("phone", json.dumps("139****5678"), json.dumps("138****1111")) in trail
    assert ("member_count", "1", "2") in trail
    [members] = [c for c in listed.json() if c["field"] == "members"]
    assert [m["name"] for m in members["after"]] == ["巴特尔", "其其格"]
    for change in listed.json():
        assert change["actor"] == f"village_official-{ASIER}"
        assert re.search(r"(Z|[+-]\d\d:\d\d)$", change["at"])  # RFC 3339: the offset is there
    text = listed.text
    for person in (head, newborn):
        assert person["id_number"] not in text and person["id_number"][6:14] not in text.replace("-", "")
    assert "13800001111" not in text and "birth_date" not in text


async def test_the_trail_is_scoped_like_the_household(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    home = await register(registry, bearer(token_for("village_official", ASIER)))
    path = f"/api/v1/households/{home['id']}/changes"
    assert (await registry.get(path, headers=bearer(token_for("village_official", BAYIN)))).status_code == 404
    assert (await registry.get(path, headers=bearer(token_for("auditor", BANNER)))).json() == []
    assert (await registry.get(path, headers=bearer(token_for("bank", BANNER)))).status_code == 403
