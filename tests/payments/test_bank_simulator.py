"""The bank simulator in-process: it checks instruction signatures, acknowledges a repeat without paying it
twice, and posts one signed result per instruction."""

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook

from deploy.bank_simulator import NAME_MISMATCH, NO_SUCH_ACCOUNT, create_app, outcome_of, refusal
from services.registry.demo import BANK_REFUSALS
from tests.conftest import free_port
from tests.payments.conftest import signed, wait_for
from tests.support.households import card

SECRET = "whsec_" + "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTAwMDAwMDAwMDA="


def instruction(instruction_id: str, **account: str) -> dict[str, Any]:
    data = {
        "instruction_id": instruction_id,
        "batch_id": str(uuid.uuid4()),
        "household_id": str(uuid.uuid4()),
        "payee_name": "巴特尔",
        "bank_name": "中国农业银行杭锦旗支行",
        "account_number": card(),
        **account,
        "amount_fen": 150_000,
        "purpose": "2025年肉羊出栏补贴",
    }
    return {"type": "disbursement.requested", "timestamp": datetime.now(UTC).isoformat(), "data": data}


async def test_the_simulator_verifies_dedupes_and_reports_signed_results(asgi_client_factory) -> None:
    received: list[dict[str, Any]] = []

    async def callbacks(request: web.Request) -> web.Response:
        body = await request.read()
        received.append(
            Webhook(SECRET).verify(body, dict(request.headers)) | {"auth": request.headers["authorization"]}
        )
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/cb", callbacks)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()

    async def token() -> str:
        return "bank-token"

    try:
        simulator = create_app(SECRET, f"http://127.0.0.1:{port}/cb", token, delay_seconds=0.01)
        bank = await asgi_client_factory(simulator)
        ids = [str(uuid.uuid4()) for _ in range(3)]
        for instruction_id in [*ids, ids[0]]:
            raw, headers = signed(SECRET, instruction(instruction_id), webhook_id=instruction_id)
            assert (await bank.post("/instructions", content=raw, headers=headers)).status_code == 200
        raw, headers = signed(
            "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0wMDA=", instruction(ids[1]), webhook_id=ids[1]
        )
        assert (await bank.post("/instructions", content=raw, headers=headers)).status_code == 401
        await wait_for(lambda: len(received) == 3, what="three callbacks")
        assert sorted(r["instruction_id"] for r in received) == sorted(ids)
        assert {r["auth"] for r in received} == {"Bearer bank-token"}
        assert {r["instruction_id"]: r["status"] for r in received} == {i: outcome_of(i) for i in ids}
        seen = (await bank.get("/instructions")).json()
        assert (seen["deliveries"], seen["instructions"], seen["rejected"]) == (4, 3, 1)
    finally:
        await runner.cleanup()


def test_about_five_percent_fail_and_always_the_same_ones() -> None:
    ids = [str(uuid.UUID(int=i)) for i in range(2000)]
    failed = [i for i in ids if outcome_of(i) == "failed"]
    assert 60 <= len(failed) <= 140
    assert failed == [i for i in ids if outcome_of(i) == "failed"]


def test_the_bank_refuses_an_account_as_a_bank_would() -> None:
    holders: dict[str, str] = {}
    good = card()
    assert refusal({"account_number": good, "payee_name": "巴特尔"}, holders) is None
    assert refusal({"account_number": good, "payee_name": "巴特尔"}, holders) is None  # paid again
    assert refusal({"account_number": good, "payee_name": "乌日娜"}, holders) == NAME_MISMATCH
    broken = good[:-1] + str((int(good[-1]) + 1) % 10)  # the check digit wrong
    for number in (broken, "12345", "", None):
        assert refusal({"account_number": number, "payee_name": "巴特尔"}, holders) == NO_SUCH_ACCOUNT
    closed, mismatched = BANK_REFUSALS
    assert refusal({"account_number": closed, "payee_name": "巴特尔"}, holders) == "账户已销户"
    assert refusal({"account_number": mismatched, "payee_name": "巴特尔"}, holders) == NAME_MISMATCH


async def test_a_refused_account_fails_with_the_banks_reason(asgi_client_factory) -> None:
    received: list[dict[str, Any]] = []

    async def callbacks(request: web.Request) -> web.Response:
        received.append(Webhook(SECRET).verify(await request.read(), dict(request.headers)))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/cb", callbacks)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()

    async def token() -> str:
        return "bank-token"

    try:
        simulator = create_app(
            SECRET, f"http://127.0.0.1:{port}/cb", token, delay_seconds=0.01, failure_percent=0
        )
        bank = await asgi_client_factory(simulator)
        closed = next(iter(BANK_REFUSALS))
        sent = {str(uuid.uuid4()): n for n in (card(), closed, "6217000000000000001")}
        for instruction_id, number in sent.items():
            event = instruction(instruction_id, account_number=number)
            raw, headers = signed(SECRET, event, webhook_id=instruction_id)
            assert (await bank.post("/instructions", content=raw, headers=headers)).status_code == 200
        await wait_for(lambda: len(received) == 3, what="three callbacks")
        results = {r["instruction_id"]: (r["status"], r.get("reason")) for r in received}
        assert list(results[i] for i in sent) == [
            ("paid", None),
            ("failed", "账户已销户"),
            ("failed", NO_SUCH_ACCOUNT),
        ]
        seen = (await bank.get("/instructions")).json()
        assert seen["refusals"] == {"账户已销户": 1, NO_SUCH_ACCOUNT: 1}
    finally:
        await runner.cleanup()
