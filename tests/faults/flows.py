"""The users' steps the fault tests build on, through the gateway with real logins: claims, a batch taken
to disbursing, a dividend plan, the bank's deliveries of a batch."""

from typing import Any

import httpx

from services.registry.demo import BANK_REFUSALS
from tests.e2e.test_money_path import BATCHES, ok

Headers = dict[str, str]
ELIGIBLE = ("lifted_supported", "marginal", "monitored")


async def eligible_households(
    gw: httpx.AsyncClient, headers: Headers, region: str, count: int, *, sheep: int = 0
) -> list[str]:
    """`count` household ids of `region` in categories the subsidies are paid to, each with an account the
    bank pays into and at least `sheep` head on record (a claim cannot outnumber the registry's flock)."""
    found: list[str] = []
    for category in ELIGIBLE:
        page = await ok(
            await gw.get(
                "/api/v1/households",
                params={"region": region, "category": category, "page_size": 200},
                headers=headers,
            )
        )
        for household in page["items"]:
            if len(found) < count and _fits(await _household(gw, headers, household["id"]), sheep):
                found.append(household["id"])
    assert len(found) == count, f"{region} has only {len(found)} eligible households with {sheep} sheep"
    return found


async def _household(gw: httpx.AsyncClient, headers: Headers, household_id: str) -> dict[str, Any]:
    return dict(await ok(await gw.get(f"/api/v1/households/{household_id}", headers=headers)))


def _fits(household: dict[str, Any], sheep: int) -> bool:
    """Its flock on record, and a payee account (a few demo households have none, two a refused one)."""
    account = household["payee_account"]
    payable = account is not None and account["account_number"] not in BANK_REFUSALS
    return payable and household["sheep"] >= sheep


async def sheep_claims(
    gw: httpx.AsyncClient, headers: Headers, region: str, *, year: int, count: int
) -> list[dict[str, Any]]:
    """One approved sheep claim for each of `count` households of `region`, 3 to 3 + count head (each within
    its flock on record)."""
    claims = []
    households = await eligible_households(gw, headers, region, count, sheep=2 + count)
    for n, household_id in enumerate(households):
        body = {"household_id": household_id, "kind": "sheep", "year": year, "quantity": 3 + n}
        claim = await ok(await gw.post("/api/v1/payments/claims", json=body, headers=headers), 201)
        assert claim["status"] == "approved"
        claims.append(claim)
    return claims


async def drafted(gw: httpx.AsyncClient, maker: Headers, **batch: Any) -> dict[str, Any]:
    """A draft batch (kind, year, region) made by `maker`."""
    return dict(await ok(await gw.post(BATCHES, json=batch, headers=maker), 201))


async def disburse(gw: httpx.AsyncClient, people: dict[str, Headers], batch_id: str) -> None:
    """The maker (`xini`) submits, a banner official approves and sends the batch to the bank."""
    await ok(await gw.post(f"{BATCHES}/{batch_id}/submit", headers=people["xini"]))
    await ok(await gw.post(f"{BATCHES}/{batch_id}/approve", headers=people["banner"]))
    sent = await ok(await gw.post(f"{BATCHES}/{batch_id}/disburse", headers=people["banner"]))
    assert sent["status"] == "disbursing"


async def deliveries_of(gw: httpx.AsyncClient, headers: Headers, batch_id: str) -> list[dict[str, Any]]:
    """The bank instructions of one batch in the payments outbox, with attempts and last error."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = await ok(
            await gw.get(
                "/api/v1/payments/webhook-deliveries",
                params={"page": page, "page_size": 500},
                headers=headers,
            )
        )
        found += [d for d in body["items"] if d["batch_id"] == batch_id]
        if page * 500 >= body["total"]:
            return found
        page += 1


async def dividend_plan(
    gw: httpx.AsyncClient,
    maker: Headers,
    region: str,
    *,
    year: int,
    income_fen: int,
    categories: list[str],
) -> dict[str, Any]:
    """A dividend plan of `region` for `year`, published to the village with its notice run (the stack's
    PAYMENT_NOTICE_DAYS is 0): a new operating asset earns `income_fen`, all of it shared out, 60% to the
    households of `categories`."""
    asset = await ok(
        await gw.post(
            "/api/v1/assets",
            json={
                "name": f"故障测试光伏电站{year}",
                "asset_class": "operating",
                "region_code": region,
                "funding_source": "central",
                "funding_year": year - 1,
                "value_fen": 50_000_000,
            },
            headers=maker,
        ),
        201,
    )
    await ok(
        await gw.post(
            f"/api/v1/assets/{asset['id']}/incomes",
            json={"year": year, "amount_fen": income_fen},
            headers=maker,
        ),
        201,
    )
    plan = await ok(
        await gw.post(
            "/api/v1/assets/distributions",
            json={
                "year": year,
                "region": region,
                "total_fen": income_fen,
                "shares": {"households": 60, "public_posts": 20, "collective": 20},
                "categories": categories,
            },
            headers=maker,
        ),
        201,
    )
    assert plan["lines"] and plan["households_fen"] == sum(x["amount_fen"] for x in plan["lines"])
    return dict(await ok(await gw.post(f"/api/v1/assets/distributions/{plan['id']}/publish", headers=maker)))


async def dividend_batches_of(gw: httpx.AsyncClient, headers: Headers, plan: dict[str, Any]) -> list[str]:
    """The ids of the payment batches made from a dividend plan (exactly one, once handed over)."""
    listed = await ok(
        await gw.get(
            BATCHES, params={"kind": "dividend", "year": plan["year"], "page_size": 500}, headers=headers
        )
    )
    return [b["id"] for b in listed["items"] if b["source_plan_id"] == plan["id"]]
