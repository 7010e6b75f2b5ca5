"""A household's dividends for its file (一户一档): what it received from each plan of its village, newest
year first, and nothing of a household outside the caller's scope."""

from typing import Any

import httpx
import pytest

from tests.assets.conftest import ASIER, BAYIN
from tests.assets.test_distributions import make_plan, village

pytestmark = pytest.mark.usefixtures("clean_databases")
__all__ = ["village"]  # the fixture, used by name


async def test_a_household_s_dividends_in_scope(
    assets: httpx.AsyncClient, as_role, village: dict[str, Any]
) -> None:
    plan = await make_plan(assets, as_role)
    first = village["households"][0]
    [line] = [x for x in plan["lines"] if x["household_id"] == first["id"]]
    url = f"/api/v1/assets/households/{first['id']}/dividends"
    own = (await assets.get(url, headers=as_role(region=ASIER))).json()
    assert [(d["plan_id"], d["year"], d["region"], d["status"], d["amount_fen"]) for d in own["items"]] == [
        (plan["id"], 2025, ASIER, "draft", line["amount_fen"])
    ]
    ordinary = village["households"][3]  # not among the plan's categories: no line
    none = (
        await assets.get(f"/api/v1/assets/households/{ordinary['id']}/dividends", headers=as_role())
    ).json()
    assert none["total"] == 0
    hidden = await assets.get(url, headers=as_role(region=BAYIN))
    assert hidden.status_code == 200 and hidden.json()["items"] == [] and hidden.json()["total"] == 0
