"""Batches read from monitoring: wages (post_wage, work_relief_wage) for a month and a year's interest subsidy
of microcredit loans (loan_interest_subsidy), as monitoring records them, read with the payments service's own
token, each entitlement paid once however often a batch is drafted."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from services.payments.app import create_app as create_payments
from services.payments.clients import AssetsClient, MonitoringClient
from shared.registry_client import RegistryClient
from shared.settings import Settings
from tests.payments.conftest import (
    ASIER,
    BANNER,
    FAST,
    HUANGHE,
    XINI,
    YEAR,
    AssetsPlans,
    FixedToken,
    register_household,
)
from tests.support.households import member

BATCHES = "/api/v1/payments/batches"


@dataclass
class Wages:
    """Monitoring's wage read as payments calls it: the entitlements per (kind, month), shown only to the
    payments service's own token, every read kept."""

    token: str
    owed: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    reads: list[dict[str, str]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.reads.append(params)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(403)
        # a wage is asked for by kind and month, a loan's 贴息 by year
        period = (
            (params["kind"], params["month"])
            if "kind" in params
            else ("loan_interest_subsidy", params["year"])
        )
        found = self.owed.get(period, [])
        return httpx.Response(200, json=[w for w in found if w["region_code"].startswith(params["region"])])


async def entitlement(
    registry: httpx.AsyncClient, people: dict[str, dict[str, str]], key: str, region: str, amount_fen: int
) -> dict[str, Any]:
    """A month's wage owed to 乌日娜, holder of a post and the payee of her household's account."""
    household = await register_household(
        registry, people["banner"], region=region, members=[member("乌日娜")]
    )
    return {
        "key": key,
        "household_id": household["id"],
        "household_number": household["number"],
        "region_code": region,
        "payee_name": "乌日娜",
        "payee_id_masked": "150625********0021",
        "amount_fen": amount_fen,
        "detail": {"post": "村级保洁员", "month": f"{YEAR}-06"},
    }


@pytest.fixture
async def wages(assets_plans: AssetsPlans) -> Wages:
    return Wages(assets_plans.token)


@pytest.fixture
async def paying(
    settings: Settings,
    registry: httpx.AsyncClient,
    assets_plans: AssetsPlans,
    wages: Wages,
    asgi_client_factory,
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(assets_plans.handle)) as assets_http,
        httpx.AsyncClient(transport=httpx.MockTransport(wages.handle)) as monitoring_http,
    ):
        credentials = FixedToken(assets_plans.token)
        app = create_payments(
            settings,
            registry=RegistryClient(registry, str(registry.base_url)),
            assets=AssetsClient(assets_http, "http://assets"),
            monitoring=MonitoringClient(monitoring_http, "http://monitoring", credentials),
            credentials=credentials,
            retry_policy=FAST,
        )
        yield await asgi_client_factory(app)


async def test_a_wage_batch_names_its_month_and_other_batches_do_not(
    paying: httpx.AsyncClient, people: dict[str, dict[str, str]]
) -> None:
    no_month = await paying.post(
        BATCHES, json={"year": YEAR, "kind": "post_wage", "region": XINI}, headers=people["xini"]
    )
    assert no_month.status_code == 422 and no_month.json()["errors"][0]["field"] == "month"
    sheep = {"year": YEAR, "month": 6, "kind": "sheep", "region": XINI}
    refused = await paying.post(BATCHES, json=sheep, headers=people["xini"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "month"


async def test_each_posts_month_is_paid_once_however_often_a_batch_is_drafted(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people: dict[str, dict[str, str]], wages: Wages
) -> None:
    june = f"{YEAR}-06"
    wages.owed[("post_wage", june)] = [
        await entitlement(registry, people, f"post_wage:a:{june}", ASIER, 80_000),
        await entitlement(registry, people, f"post_wage:b:{june}", ASIER, 40_000),
        await entitlement(
            registry, people, f"post_wage:c:{june}", HUANGHE, 80_000
        ),  # another township: outside xini's scope
        await entitlement(
            registry, people, f"post_wage:d:{june}", ASIER, 0
        ),  # a term that ended: nothing owed
    ]
    body = {"year": YEAR, "month": 6, "kind": "post_wage", "region": XINI}
    made = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert made.status_code == 201, made.text
    assert (made.json()["month"], made.json()["line_count"], made.json()["total_fen"]) == (6, 2, 120_000)
    assert wages.reads[-1] == {"kind": "post_wage", "month": june, "region": XINI}
    lines = (await paying.get(f"{BATCHES}/{made.json()['id']}/lines", headers=people["xini"])).json()["items"]
    assert sorted((line["amount_fen"], line["region_code"]) for line in lines) == [
        (40_000, ASIER),
        (80_000, ASIER),
    ]
    assert {line["payee_name"] for line in lines} == {"乌日娜"}
    again = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert again.status_code == 422  # every wage of the month is held by the first batch
    wages.owed[("post_wage", june)].append(
        await entitlement(registry, people, f"post_wage:e:{june}", ASIER, 80_000)
    )
    late = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert late.status_code == 201 and late.json()["line_count"] == 1


async def test_a_wage_line_names_the_post_holder_beside_the_accounts_payee(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people: dict[str, dict[str, str]], wages: Wages
) -> None:
    household = await register_household(registry, people["banner"])  # the account is the head 巴特尔's
    holder = next(m for m in household["members"] if m["name"] == "乌日娜")
    june = f"{YEAR}-06"
    wages.owed[("post_wage", june)] = [
        {
            "key": f"post_wage:holder:{june}",
            "household_id": household["id"],
            "household_number": household["number"],
            "region_code": ASIER,
            "payee_name": "乌日娜",
            "payee_id_masked": "150625********0021",
            "amount_fen": 80_000,
            "detail": {"post": "村级保洁员", "month": june, "member_id": holder["id"], "name": "乌日娜"},
        }
    ]
    body = {"year": YEAR, "month": 6, "kind": "post_wage", "region": ASIER}
    made = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert made.status_code == 201, made.text
    lines = (await paying.get(f"{BATCHES}/{made.json()['id']}/lines", headers=people["xini"])).json()["items"]
    assert [(line["payee_name"], line["beneficiary"]) for line in lines] == [("巴特尔", "乌日娜")]


async def test_work_relief_wages_come_from_the_months_labour(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people: dict[str, dict[str, str]], wages: Wages
) -> None:
    wages.owed[("work_relief_wage", f"{YEAR}-05")] = [
        await entitlement(registry, people, "work_relief_wage:x", ASIER, 300_000)
    ]
    body = {"year": YEAR, "month": 5, "kind": "work_relief_wage", "region": BANNER}
    made = await paying.post(BATCHES, json=body, headers=people["banner"])
    assert made.status_code == 201 and made.json()["total_fen"] == 300_000


async def test_a_years_interest_subsidy_is_paid_to_the_borrowers_once(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people: dict[str, dict[str, str]], wages: Wages
) -> None:
    year = str(YEAR - 1)
    wages.owed[("loan_interest_subsidy", year)] = [
        await entitlement(registry, people, f"loan_interest_subsidy:{year}:a", ASIER, 93_000),
        await entitlement(registry, people, f"loan_interest_subsidy:{year}:b", HUANGHE, 62_000),
    ]
    monthly = {"year": YEAR - 1, "month": 12, "kind": "loan_interest_subsidy", "region": XINI}
    refused = await paying.post(BATCHES, json=monthly, headers=people["xini"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "month"
    body = {"year": YEAR - 1, "kind": "loan_interest_subsidy", "region": XINI}
    made = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert made.status_code == 201, made.text
    assert (made.json()["line_count"], made.json()["total_fen"]) == (
        1,
        93_000,
    )  # 黄河's is outside xini's scope
    assert made.json()["number"].startswith(f"{YEAR - 1}-贴息-")
    assert wages.reads[-1] == {"year": year, "region": XINI}
    again = await paying.post(BATCHES, json=body, headers=people["xini"])
    assert again.status_code == 422  # the year's 贴息 is held by the first batch
    claim = {"household_id": wages.owed[("loan_interest_subsidy", year)][0]["household_id"], "year": YEAR}
    claimed = await paying.post(
        "/api/v1/payments/claims", json={**claim, "kind": "loan_interest_subsidy"}, headers=people["asier"]
    )
    assert claimed.status_code == 422 and claimed.json()["errors"][0]["field"] == "kind"  # never claimed
