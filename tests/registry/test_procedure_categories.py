"""Only the monitoring procedure moves households into or out of `monitored`, `marginal` and
`sudden_hardship` (issue 11, door 1): officials are refused with nothing written, monitoring's own client is
accepted, and a banner official's import may load households identified before the system."""

import httpx
import pytest
from sqlalchemy import func, select

from services.registry import rules
from services.registry.models import CategoryChange, Household, audit_log
from shared.db import Database
from shared.settings import Settings
from shared.vocabulary.households import PROCEDURE_CATEGORIES
from tests.conftest import TokenFactory, bearer
from tests.registry.test_transfer import csv_bytes, upload
from tests.registry.test_transfer import household as sheet_household
from tests.support.households import household, register

pytestmark = pytest.mark.usefixtures("clean_databases")

ASIER, BANNER = "150625100201", "150625"
MONITORED = {"category": "monitored", "reason": "因病支出骤增，纳入监测", "effective_date": "2026-11-01"}


async def written(settings: Settings) -> tuple[int, int, int]:
    """Households, category history entries and audit records stored."""
    db = Database.from_url(settings.database_url("registry"))
    async with db.session_scope() as session:
        counts = [
            (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (Household, CategoryChange, audit_log)
        ]
    await db.dispose()
    return counts[0], counts[1], counts[2]


def refused_by_procedure(response: httpx.Response) -> None:
    assert response.status_code == 409, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["title"] == "Monitoring procedure only"
    assert problem["errors"] == [{"field": "category", "reason": rules.PROCEDURE_ONLY}]
    assert "防返贫监测程序" in problem["detail"]


@pytest.mark.parametrize("role", ["village_official", "township_official", "banner_official"])
async def test_an_official_cannot_put_a_household_under_monitoring(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory, role: str
) -> None:
    village = bearer(token_for("village_official", ASIER))
    home = await register(registry, village, category="lifted_supported", lifted_year=2019)
    before = await written(settings)
    official = bearer(token_for(role, {"village_official": ASIER}.get(role, BANNER)))
    path = f"/api/v1/households/{home['id']}"
    for category in sorted(PROCEDURE_CATEGORIES):
        change = {**MONITORED, "category": category}
        refused_by_procedure(await registry.post(f"{path}/category-changes", json=change, headers=official))
    assert await written(settings) == before
    assert (await registry.get(path, headers=village)).json()["category"] == "lifted_supported"


async def test_registering_straight_into_a_monitoring_category_is_refused(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    before = await written(settings)
    for category in sorted(PROCEDURE_CATEGORIES):
        body = household(category=category)
        for headers in (
            bearer(token_for("village_official", ASIER)),
            bearer(token_for("banner_official", BANNER)),
        ):
            refused_by_procedure(await registry.post("/api/v1/households", json=body, headers=headers))
    assert await written(settings) == before


async def test_only_monitorings_client_moves_a_household_in_and_out(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory
) -> None:
    village = bearer(token_for("village_official", ASIER))
    monitoring = bearer(token_for("service", BANNER, "svc-monitoring"))
    home = await register(registry, village, category="lifted_supported", lifted_year=2019)
    path = f"/api/v1/households/{home['id']}"
    confirmed = await registry.post(f"{path}/category-changes", json=MONITORED, headers=monitoring)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["actor"] == "svc-monitoring" and not confirmed.json()["historical"]

    before = await written(settings)
    leave = {"category": "lifted_supported", "reason": "风险已消除", "effective_date": "2026-12-01"}
    refused_by_procedure(await registry.post(f"{path}/category-changes", json=leave, headers=village))
    other_service = bearer(token_for("service", BANNER, "svc-payments"))
    assert (
        await registry.post(f"{path}/category-changes", json=leave, headers=other_service)
    ).status_code == 403
    assert await written(settings) == before
    assert (await registry.get(path, headers=village)).json()["category"] == "monitored"

    eliminated = await registry.post(f"{path}/category-changes", json=leave, headers=monitoring)
    assert eliminated.status_code == 201, eliminated.text
    history = (await registry.get(f"{path}/history", headers=village)).json()
    assert [(h["to_category"], h["actor"]) for h in history] == [
        ("lifted_supported", f"village_official-{ASIER}"),
        ("monitored", "svc-monitoring"),
        ("lifted_supported", "svc-monitoring"),
    ]


async def test_a_banner_import_loads_historical_monitored_households_and_says_so(
    registry: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    banner = bearer(token_for("banner_official", BANNER))
    rows = [*sheet_household(1, 户类别="脱贫监测户"), *sheet_household(2)]
    assert (await upload(registry, banner, csv_bytes(rows), "h.csv")).status_code == 201
    listed = (
        await registry.get("/api/v1/households", params={"category": "monitored"}, headers=banner)
    ).json()
    [monitored] = listed["items"]
    history = (await registry.get(f"/api/v1/households/{monitored['id']}/history", headers=banner)).json()
    assert [(h["to_category"], h["reason"], h["historical"]) for h in history] == [
        ("monitored", rules.HISTORICAL_REASON, True)
    ]
    others = await registry.get("/api/v1/households", params={"category": "lifted_supported"}, headers=banner)
    [other] = others.json()["items"]
    [entry] = (await registry.get(f"/api/v1/households/{other['id']}/history", headers=banner)).json()
    assert (entry["reason"], entry["historical"]) == ("批量导入", False)


@pytest.mark.parametrize(
    ("role", "region"), [("village_official", ASIER), ("township_official", "150625100")]
)
async def test_a_village_or_township_import_of_a_monitoring_category_is_refused_on_its_row(
    registry: httpx.AsyncClient, settings: Settings, token_for: TokenFactory, role: str, region: str
) -> None:
    before = await written(settings)
    rows = [*sheet_household(1), *sheet_household(2, 户类别="边缘易致贫户")]
    response = await upload(registry, bearer(token_for(role, region)), csv_bytes(rows), "h.csv")
    assert response.status_code == 422, response.text
    [problem] = response.json()["rows"]
    assert problem["column"] == "户类别" and problem["row"] == 5  # the second household's first row
    assert rules.PROCEDURE_ONLY in problem["reason"]
    assert await written(settings) == before
