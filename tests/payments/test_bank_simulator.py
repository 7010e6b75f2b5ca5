"""The bank simulator in-process: it checks instruction signatures, acknowledges a repeat without paying it
twice, and posts one signed result per instruction."""

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook

from deploy.bank_simulator import create_app, outcome_of
from tests.conftest import free_port
from tests.payments.conftest import signed, wait_for

SECRET = "whsec_" + "c2ltdWxhdG9yLXRlc3Qtc2VjcmV0LTAwMDAwMDAwMDA="


def instruction(instruction_id: str) -> dict[str, Any]:
    data = {
        "instruction_id": instruction_id,
        "batch_id": str(uuid.uuid4()),
        "household_id": str(uuid.uuid4()),
        "payee_name": "巴特尔",
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
