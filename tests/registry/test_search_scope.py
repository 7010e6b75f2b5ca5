"""Scoped search on both databases: exact totals from members' own village, which follows the household."""

import uuid

import httpx
import pytest
from sqlalchemy import select, update

from services.registry.models import Household, Member
from shared.db import Database
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.support.households import member, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BAYIN, HUANGHE = "150625100201", "150625100202", "150625101202"
TOWNSHIP = "150625100"


async def found(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> tuple[int, list[str]]:
    response = await client.get("/api/v1/households", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    return page["total"], [h["id"] for h in page["items"]]


async def test_a_name_search_counts_each_household_once_inside_the_scope(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    banner = bearer(token_for("banner_official", "150625"))
    two_named = await register(
        registry, banner, region_code=ASIER, members=[member("额尔敦", "head"), member("额尔德尼", "child")]
    )
    asier = await register(registry, banner, region_code=ASIER, members=[member("额尔古纳", "head")])
    bayin = await register(registry, banner, region_code=BAYIN, members=[member("额尔登", "head")])
    elsewhere = await register(
        registry,
        banner,
        region_code=HUANGHE,
        category="lifted_unsupported",
        members=[member("额尔克", "head")],
    )
    await register(registry, banner, region_code=ASIER, members=[member("巴特尔", "head")])

    everyone = [two_named["id"], asier["id"], bayin["id"], elsewhere["id"]]
    assert await found(registry, banner, q="额尔") == (4, everyone)  # 额尔敦's household counted once
    township = bearer(token_for("township_official", TOWNSHIP))
    assert await found(registry, township, q="额尔") == (3, everyone[:3])
    assert await found(registry, bearer(token_for("village_official", ASIER)), q="额尔") == (2, everyone[:2])
    assert await found(registry, banner, q="额尔", region=BAYIN) == (1, [bayin["id"]])
    assert await found(registry, township, q="额尔", region=HUANGHE) == (0, [])  # outside the scope
    assert await found(registry, banner, q="额尔", category="lifted_unsupported") == (1, [elsewhere["id"]])
    assert await found(registry, banner, q="额尔", page_size="2", page="2") == (4, everyone[2:])
    id_number = bayin["members"][0]["id_number"]
    assert await found(registry, township, q=id_number) == (1, [bayin["id"]])
    assert await found(registry, bearer(token_for("village_official", ASIER)), q=id_number) == (0, [])


async def test_members_follow_their_household_to_another_village(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    asier, huanghe = (bearer(token_for("village_official", v)) for v in (ASIER, HUANGHE))
    moved = await register(registry, asier, members=[member("图雅", "head"), member("其其格", "child")])
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:  # a transfer between villages, as the database sees it
        await session.execute(
            update(Household).where(Household.id == uuid.UUID(moved["id"])).values(region_code=HUANGHE)
        )

    assert await found(registry, asier, q="图雅") == (0, [])
    assert await found(registry, huanghe, q="其其") == (1, [moved["id"]])
    assert await found(registry, huanghe, q=moved["members"][1]["id_number"]) == (1, [moved["id"]])

    kept = [{k: m[k] for k in ("name", "id_number", "relation")} for m in moved["members"]]
    patched = await registry.patch(
        f"/api/v1/households/{moved['id']}",
        json={"members": [*kept, member("乌恩", "grandchild")]},
        headers=huanghe,
    )
    assert patched.status_code == 200, patched.text
    assert await found(registry, huanghe, q="乌恩") == (1, [moved["id"]])  # a new member takes the village
    assert await found(registry, asier, q="乌恩") == (0, [])
    async with db.session_scope() as session:
        villages = (
            await session.execute(
                select(Member.region_code).where(Member.household_id == uuid.UUID(moved["id"]))
            )
        ).scalars()
        assert sorted(villages) == [HUANGHE] * 3
    await db.dispose()
