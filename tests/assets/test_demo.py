"""The demo seed loads assets, entities, products and investments once, and they read back through the API."""

import httpx
import pytest

from services.assets.demo import seed_assets
from shared.db import Database
from shared.settings import Settings

pytestmark = pytest.mark.usefixtures("clean_databases")


async def test_demo_assets_load_once_and_leave_the_fund_consistent(
    settings: Settings, assets: httpx.AsyncClient, as_role
) -> None:
    db = Database.from_url(settings.database_url("assets"))
    async with db.session_scope() as session:
        assert await seed_assets(session) > 0
    async with db.session_scope() as session:
        assert await seed_assets(session) == 0
    await db.dispose()
    headers = as_role("banner_official", "150625")
    assert (await assets.get("/api/v1/assets", headers=headers)).json()["total"] == 6
    fund = (await assets.get("/api/v1/assets/fund", headers=headers)).json()
    assert fund["invested_fen"] == 500_000_000 + 60_000_000
    assert fund["available_fen"] + fund["invested_fen"] == fund["capital_fen"] and fund["capital_preserved"]
