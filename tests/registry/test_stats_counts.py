"""The village counters behind the dashboard and list totals stay exact through every kind of write to
households — registration, category change, import, a move between villages, deletion — on both
databases, because the database keeps them in the writing transaction."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Executable, delete, func, select, update

from services.registry.models import CategoryChange, Household, HouseholdCount, HouseholdIncome, Member
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.registry.test_transfer import csv_bytes, upload
from tests.registry.test_transfer import household as sheet_household
from tests.support.households import register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BAYIN, HUANGHE = "150625100201", "150625100202", "150625101202"
TOWNSHIP, BANNER = "150625100", "150625"


async def counters_and_truth(
    settings: Settings,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """The counters (zeros left out) and the same counts taken from the households themselves."""
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        counters = (
            await session.execute(
                select(HouseholdCount.region_code, HouseholdCount.category, HouseholdCount.households)
            )
        ).all()
        truth = (
            await session.execute(
                select(Household.region_code, Household.category, func.count()).group_by(
                    Household.region_code, Household.category
                )
            )
        ).all()
    await db.dispose()
    return {(r, c): n for r, c, n in counters if n}, {(r, c): n for r, c, n in truth}


async def write(settings: Settings, *statements: Executable) -> None:
    """Statements straight to the registry's database, in one transaction."""
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        for statement in statements:
            await session.execute(statement)
    await db.dispose()


async def stats(
    client: httpx.AsyncClient, headers: dict[str, str], region: str | None = None
) -> dict[str, Any]:
    params = {"region": region} if region else {}
    response = await client.get("/api/v1/stats/households", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_counters_follow_registration_category_change_and_import(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    village = bearer(token_for("village_official", ASIER))
    township = bearer(token_for("township_official", TOWNSHIP))
    first = await register(registry, village, category="ordinary")
    await register(registry, village, category="ordinary")
    await register(registry, bearer(token_for("village_official", BAYIN)), region_code=BAYIN)
    changed = await registry.post(
        f"/api/v1/households/{first['id']}/category-changes",
        json={
            "category": "lifted_unsupported",
            "reason": "稳定脱贫，不再享受政策",
            "effective_date": "2026-11-01",
        },
        headers=township,
    )
    assert changed.status_code == 201, changed.text
    rows = [row for key in range(3) for row in sheet_household(900 + key, village=BAYIN)]
    assert (await upload(registry, township, csv_bytes(rows), "h.csv")).status_code == 201

    counters, truth = await counters_and_truth(settings)
    assert counters == truth
    assert counters == {
        (ASIER, "ordinary"): 1,
        (ASIER, "lifted_unsupported"): 1,
        (BAYIN, "lifted_supported"): 4,
    }
    by_village = {r["code"]: r for r in (await stats(registry, township))["rows"]}
    assert by_village[ASIER]["counts"]["lifted_unsupported"] == 1 and by_village[ASIER]["total"] == 2
    assert by_village[BAYIN]["counts"]["lifted_supported"] == 4
    listed = await registry.get("/api/v1/households", headers=township)
    assert listed.json()["total"] == 6


async def test_counters_follow_moves_between_villages_and_deletions(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    village = bearer(token_for("village_official", ASIER))
    moved = await register(registry, village, category="lifted_unsupported")
    deleted = await register(registry, village, category="lifted_supported")
    await register(registry, village, category="ordinary")
    patched = await registry.patch(
        f"/api/v1/households/{moved['id']}", json={"address": "新址"}, headers=village
    )
    assert patched.status_code == 200, patched.text

    # No API moves or deletes a household today; whatever path does one later, the counters follow.
    await write(
        settings, update(Household).where(Household.id == uuid.UUID(moved["id"])).values(region_code=HUANGHE)
    )
    await write(
        settings,
        update(Household).where(Household.category == "ordinary").values(category="lifted_supported"),
    )
    gone = uuid.UUID(deleted["id"])
    await write(
        settings,
        *(delete(t).where(t.household_id == gone) for t in (Member, CategoryChange, HouseholdIncome)),
        delete(Household).where(Household.id == gone),
    )

    counters, truth = await counters_and_truth(settings)
    assert counters == truth == {(HUANGHE, "lifted_unsupported"): 1, (ASIER, "lifted_supported"): 1}
    banner = await stats(registry, bearer(token_for("banner_official", BANNER)))
    assert banner["total"] == 2
    assert {r["code"]: r["total"] for r in banner["rows"]} == {
        TOWNSHIP: 1, "150625101": 1, "150625102": 0, "150625103": 0, "150625104": 0, "150625200": 0
    }  # fmt: skip
    assert (await stats(registry, village))["rows"][0]["counts"]["lifted_supported"] == 1
