"""Where money goes is under dual control: the bank's endpoint is proposed by the banner admin and takes
effect only when another person, a banner official, approves it; its host must be on the allowlist; and a
bank callback counts only from the bank client bound to the endpoint the instruction went to."""

import uuid
from typing import Any

import httpx
import pytest

from services.payments.webhooks import host_allowed
from tests.payments.conftest import signed
from tests.payments.test_batches import (
    BATCHES,
    CALLBACKS,
    ENDPOINTS,
    approved,
    callback,
    endpoint,
    lines_of,
    ok,
    sheep_claims,
)

pytestmark = pytest.mark.usefixtures("clean_databases")
OLD, NEW = "http://127.0.0.1:9/old", "http://127.0.0.1:9/new"


async def propose(payments: httpx.AsyncClient, people, url: str, **body: Any) -> httpx.Response:
    return await payments.post(ENDPOINTS, json={"url": url, **body}, headers=people["admin"])


async def statuses(payments: httpx.AsyncClient, people) -> dict[str, str]:
    listed = await ok(await payments.get(ENDPOINTS, headers=people["banner"]))
    return {e["id"]: e["status"] for e in listed["items"]}


async def test_a_proposed_endpoint_gets_nothing_until_a_banner_official_approves_it(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people
) -> None:
    await sheep_claims(payments, registry, people, [2, 3])
    first_batch = await approved(payments, people)
    alone = await ok(await propose(payments, people, OLD, bank_client_id="bank-client"), 201)
    assert (alone["status"], alone["created_by"], alone["approved_by"]) == ("proposed", "admin", None)
    assert alone["secret"].startswith("whsec_")
    refused = await payments.post(f"{BATCHES}/{first_batch['id']}/disburse", headers=people["banner2"])
    assert refused.status_code == 409  # a proposal alone is no bank to send to

    old = await endpoint(payments, people, OLD)
    new = await ok(await propose(payments, people, NEW, bank_client_id="bank-client"), 201)
    assert await statuses(payments, people) == {
        alone["id"]: "proposed",
        old["id"]: "active",
        new["id"]: "proposed",
    }
    sent = await ok(await payments.post(f"{BATCHES}/{first_batch['id']}/disburse", headers=people["banner2"]))
    assert sent["endpoint_id"] == old["id"]

    made = await ok(await payments.post(f"{ENDPOINTS}/{new['id']}/approve", headers=people["banner2"]))
    assert (made["status"], made["approved_by"], made["approved_at"] is not None) == (
        "active",
        "banner2",
        True,
    )
    assert await statuses(payments, people) == {
        alone["id"]: "proposed",
        old["id"]: "retired",
        new["id"]: "active",
    }
    again = await payments.post(f"{ENDPOINTS}/{new['id']}/approve", headers=people["banner3"])
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    retired = await payments.post(f"{ENDPOINTS}/{old['id']}/approve", headers=people["banner3"])
    assert retired.status_code == 409  # a retired endpoint does not come back by approval

    await sheep_claims(payments, registry, people, [4])
    second_batch = await approved(payments, people)
    sent = await ok(
        await payments.post(f"{BATCHES}/{second_batch['id']}/disburse", headers=people["banner2"])
    )
    assert sent["endpoint_id"] == new["id"]
    deliveries = await ok(await payments.get("/api/v1/payments/webhook-deliveries", headers=people["banner"]))
    by_batch = {(d["batch_id"], d["endpoint_id"]) for d in deliveries["items"]}
    assert by_batch == {(first_batch["id"], old["id"]), (second_batch["id"], new["id"])}


async def test_the_proposer_cannot_approve_and_only_a_banner_official_can(
    payments: httpx.AsyncClient, people, as_role
) -> None:
    proposal = await ok(await propose(payments, people, NEW, bank_client_id="bank-client"), 201)
    approve = f"{ENDPOINTS}/{proposal['id']}/approve"
    # the same person, also holding a banner official's token
    own = await payments.post(approve, headers=as_role("banner_official", subject="admin"))
    assert own.status_code == 409 and "提议人" in own.json()["detail"]
    for caller in ("admin", "xini", "asier", "bank"):
        assert (await payments.post(approve, headers=people[caller])).status_code == 403
    assert await statuses(payments, people) == {proposal["id"]: "proposed"}
    withdrawn = await ok(await payments.delete(f"{ENDPOINTS}/{proposal['id']}", headers=people["admin"]))
    assert withdrawn["status"] == "retired"
    assert (await payments.post(approve, headers=people["banner"])).status_code == 409


@pytest.mark.parametrize(
    "url",
    [
        "http://203.0.113.7/instructions",
        "https://bank.example.com/instructions",
        "http://127.0.0.1.attacker.example/instructions",
        "http://localhost:8009/instructions",
    ],
)
async def test_an_endpoint_off_the_allowlist_is_refused_naming_the_url(
    payments: httpx.AsyncClient, people, url: str
) -> None:
    response = await propose(payments, people, url, bank_client_id="bank-client")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["url"]
    assert await statuses(payments, people) == {}


async def test_the_allowlist_matches_whole_hosts_whatever_the_case_or_port() -> None:
    assert host_allowed("http://BANK.example.com:8443/in", "bank.example.com, 127.0.0.1")
    assert host_allowed("http://127.0.0.1:9/in", "bank.example.com,127.0.0.1")
    assert not host_allowed("http://bank.example.com.evil/in", "bank.example.com")
    assert not host_allowed("http://evil/bank.example.com", "bank.example.com")
    assert not host_allowed("http://127.0.0.1/in", "")


async def test_a_replacement_keeps_the_bank_client_unless_it_names_another(
    payments: httpx.AsyncClient, people
) -> None:
    first = await propose(payments, people, OLD)
    assert first.status_code == 422 and [e["field"] for e in first.json()["errors"]] == ["bank_client_id"]
    await endpoint(payments, people, OLD)
    same = await ok(await propose(payments, people, NEW), 201)
    other = await ok(await propose(payments, people, NEW, bank_client_id="cli_0123456789abcdef"), 201)
    assert (same["bank_client_id"], other["bank_client_id"]) == ("bank-client", "cli_0123456789abcdef")


async def test_a_callback_from_another_bank_client_is_refused_and_changes_nothing(
    payments: httpx.AsyncClient, registry: httpx.AsyncClient, people, as_role
) -> None:
    await sheep_claims(payments, registry, people, [5])
    batch = await approved(payments, people)
    bank = await endpoint(payments, people, OLD)
    await ok(await payments.post(f"{BATCHES}/{batch['id']}/disburse", headers=people["banner2"]))
    [line] = await lines_of(payments, people, batch["id"])
    webhook_id = f"cb_{uuid.uuid4().hex}"
    body, headers = signed(
        bank["secret"],
        {"instruction_id": line["id"], "status": "paid", "bank_reference": "X-1"},
        webhook_id=webhook_id,
    )
    other_bank = as_role("bank", subject="another-bank")
    refused = await payments.post(CALLBACKS, content=body, headers={**headers, **other_bank})
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    [unchanged] = await lines_of(payments, people, batch["id"])
    assert unchanged["status"] == line["status"] and unchanged["bank_reference"] is None
    # nothing was recorded under its webhook-id: the bound bank's own callback with it is applied
    result = await ok(
        await callback(payments, people, bank["secret"], line["id"], "paid", webhook_id=webhook_id)
    )
    assert (result["applied"], result["line_status"]) == (True, "paid")
