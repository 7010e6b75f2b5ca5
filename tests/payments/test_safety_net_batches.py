"""The safety net (seed §五(一)4) batched on both databases: lines per member computed from the registry's
facts, exact in fen, each due held once (the pension loan once a life), households without an account held
out; and 以奖代补 (seed §五(五)) claimed only for a verified result, once."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest

from services.payments.app import create_app as create_payments
from services.payments.clients import AssetsClient, MonitoringClient
from shared.registry_client import RegistryClient
from shared.settings import Settings
from tests.payments.conftest import ASIER, FAST, XINI, YEAR, AssetsPlans, FixedToken, register_household
from tests.support.households import id_number, member

pytestmark = pytest.mark.usefixtures("clean_databases")
BATCHES = "/api/v1/payments/batches"
CLAIMS = "/api/v1/payments/claims"


@dataclass
class Results:
    """Monitoring's industry results as payments reads them, on the claimant's token (every read kept)."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.reads.append(request.headers.get("authorization", ""))
        found = self.results.get(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(200, json=found) if found else httpx.Response(404)

    def add(self, household_id: str, *, verified: bool) -> str:
        result_id = str(uuid.uuid4())
        self.results[result_id] = {
            "id": result_id, "household_id": household_id, "what": "新建标准化棚圈", "quantity": 1,
            "unit": "座", "verified": verified,
        }  # fmt: skip
        return result_id


@pytest.fixture
def results() -> Results:
    return Results()


@pytest.fixture
async def paying(
    settings: Settings,
    registry: httpx.AsyncClient,
    assets_plans: AssetsPlans,
    results: Results,
    asgi_client_factory,
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(assets_plans.handle)) as assets_http,
        httpx.AsyncClient(transport=httpx.MockTransport(results.handle)) as monitoring_http,
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


async def draft(client: httpx.AsyncClient, people, kind: str, year: int = YEAR) -> httpx.Response:
    body = {"year": year, "kind": kind, "region": XINI}
    return await client.post(BATCHES, json=body, headers=people["xini"])


async def lines_of(client: httpx.AsyncClient, people, batch_id: str) -> list[dict[str, Any]]:
    answer = await client.get(f"{BATCHES}/{batch_id}/lines?page_size=500", headers=people["banner"])
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def test_the_disability_allowances_are_batched_per_member_by_grade_once_a_year(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    disabled = [member("巴特尔", disability_grade=1), member("乌日娜", "spouse", disability_grade=3)]
    home = await register_household(registry, people["asier"], members=disabled)
    await register_household(
        registry, people["asier"], category="ordinary", members=[member("其木格", disability_grade=1)]
    )
    unpaid = await registry.post(
        "/api/v1/households",
        json={"region_code": ASIER, "address": "阿斯尔嘎查二社", "category": "lifted_supported",
              "members": [member("那仁", disability_grade=2)]},
        headers=people["asier"],
    )  # fmt: skip
    assert unpaid.status_code == 201, unpaid.text

    living = await draft(paying, people, "disability_living")
    assert living.status_code == 201, living.text
    batch = living.json()
    assert (batch["line_count"], batch["total_fen"]) == (2, 12 * 15_000 + 12 * 10_000)
    assert [h["household_number"] for h in batch["held"]] == [unpaid.json()["number"]]
    lines = await lines_of(paying, people, batch["id"])
    paid = {(line["beneficiary"], line["quantity"], line["rate_fen"], line["amount_fen"]) for line in lines}
    assert paid == {
        ("巴特尔", 12, 15_000, 180_000),
        ("乌日娜", 12, 10_000, 120_000),
    }
    assert {line["household_id"] for line in lines} == {home["id"]}
    assert {line["payee_name"] for line in lines} == {"巴特尔"}  # paid into the household's account
    notice = await paying.get(f"{BATCHES}/{batch['id']}/notice", headers=people["xini"])
    assert notice.json()["fund_source"] == "困难残疾人生活补贴资金"

    nursing = (await draft(paying, people, "disability_nursing")).json()
    assert (nursing["line_count"], nursing["total_fen"]) == (1, 12 * 15_000)  # grade 3 is not severe
    again = await draft(paying, people, "disability_living")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "kind"

    due = (
        await paying.get(
            f"/api/v1/payments/households/{home['id']}/entitlements?year={YEAR}", headers=people["asier"]
        )
    ).json()
    disability = [d for d in due["safety_net"] if d["kind"].startswith("disability")]  # a loan may be due too
    assert {(d["kind"], d["name"], d["amount_fen"]) for d in disability} == {
        ("disability_living", "巴特尔", 180_000),
        ("disability_living", "乌日娜", 120_000),
        ("disability_nursing", "巴特尔", 180_000),
    }


async def test_the_gradual_exit_pays_dibao_members_whose_income_passed_the_standard(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    # The factory household's income last year is 8,123.45 yuan a head, above 12 × 660 = 7,920 yuan.
    await register_household(
        registry, people["asier"], members=[member("阿荣", dibao=True), member("萨仁", "spouse", dibao=True)]
    )
    await register_household(registry, people["asier"], members=[member("巴图")])
    batch = (await draft(paying, people, "dibao_gradual_exit")).json()
    assert (batch["line_count"], batch["total_fen"]) == (2, 2 * 6 * 66_000)


async def test_the_pension_loan_is_lent_once_a_life_whatever_the_year(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    elder = member("达来", id_number=id_number(birth=date(1950, 3, 1)))
    home = await register_household(registry, people["asier"], members=[elder])

    async def loans_due(year: int) -> list[str]:
        path = f"/api/v1/payments/households/{home['id']}/entitlements?year={year}"
        due = (await paying.get(path, headers=people["asier"])).json()
        return [d["name"] for d in due["safety_net"] if d["kind"] == "pension_loan"]

    assert await loans_due(YEAR) == ["达来"]
    batch = (await draft(paying, people, "pension_loan")).json()
    assert (batch["line_count"], batch["total_fen"]) == (1, 1_500_000)
    for year in (YEAR, YEAR + 1):
        assert (await draft(paying, people, "pension_loan", year)).status_code == 422
        assert await loans_due(year) == []  # lent once: no longer shown as due


async def test_the_safety_net_is_computed_never_claimed(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    home = await register_household(registry, people["asier"])
    body = {"household_id": home["id"], "kind": "pension_premium", "year": YEAR, "amount_fen": 20_000}
    refused = await paying.post(CLAIMS, json=body, headers=people["asier"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "kind"


async def test_an_industry_reward_is_claimed_only_for_a_verified_result_and_once(
    paying: httpx.AsyncClient, registry: httpx.AsyncClient, people, results: Results
) -> None:
    home = await register_household(registry, people["asier"])
    other = await register_household(registry, people["asier"])
    body = {"household_id": home["id"], "kind": "industry_reward", "year": YEAR, "amount_fen": 300_000}

    none = await paying.post(CLAIMS, json=body, headers=people["asier"])
    assert none.status_code == 422
    [problem] = none.json()["errors"]
    assert problem["field"] == "result_id" and "不干不补" in problem["reason"]
    elsewhere = results.add(other["id"], verified=True)
    wrong = await paying.post(CLAIMS, json=body | {"result_id": elsewhere}, headers=people["asier"])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "result_id"
    unseen = results.add(home["id"], verified=False)
    waiting = await paying.post(CLAIMS, json=body | {"result_id": unseen}, headers=people["asier"])
    assert waiting.status_code == 409 and "走访核实" in waiting.json()["detail"]

    seen = results.add(home["id"], verified=True)
    filed = await paying.post(CLAIMS, json=body | {"result_id": seen}, headers=people["asier"])
    assert filed.status_code == 201, filed.text
    assert (filed.json()["status"], filed.json()["result_id"]) == ("pending_approval", seen)
    twice = await paying.post(CLAIMS, json=body | {"result_id": seen}, headers=people["asier"])
    assert twice.status_code == 409 and "只奖补一次" in twice.json()["detail"]
    assert set(results.reads) == {people["asier"]["Authorization"]}  # read as the claimant, in their scope

    other_kind = body | {"kind": "industry", "result_id": seen}
    assert (await paying.post(CLAIMS, json=other_kind, headers=people["asier"])).status_code == 422
