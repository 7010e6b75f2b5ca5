"""A stand-in for the agent bank (代理银行), for demos and end-to-end tests.

    python -m deploy.bank_simulator --port 8009 --secret whsec_… --gateway http://127.0.0.1:8000 \
        --client-id … --client-secret …

(the two secrets may come from BANK_SIMULATOR_SECRET and BANK_SIMULATOR_CLIENT_SECRET instead, so that
they do not show in the process list).

It receives `disbursement.requested` webhooks at `/instructions`, verifies each signature with the
standardwebhooks library (400/401 otherwise), answers 200 at once and, after a short delay, posts a signed
result to the gateway's `/api/v1/payments/bank-callbacks` with a bank client-credentials token. As a bank
would, it first checks the account: a number that cannot be one fails 账号不存在, an account the registry
demo lists in `BANK_REFUSALS` fails with its reason (账户已销户, 户名账号不符), and a payee name other than
the one the bank first paid into that account fails 户名账号不符. Past those checks the result is `paid`,
or `failed` for about 5% of instructions, chosen deterministically from the instruction id. A repeated
`webhook-id` is the same instruction: acknowledged again, never paid twice. Like a bank's webhook sender,
it posts at most `CALLBACK_CONCURRENCY` results at a time, and keeps trying one that was not taken (a 5xx,
429 or no answer) for up to `CALLBACK_GIVE_UP_S`, waiting as `Retry-After` says or backing off with jitter:
a payments process that sheds load with 503 gets every result, later. `GET /instructions` shows what it saw.
"""

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.registry.demo import BANK_REFUSALS
from shared.bank_accounts import account_number_problem

log = logging.getLogger("hangjin.bank_simulator")
TokenProvider = Callable[[], Awaitable[str]]
CALLBACK_PATH = "/api/v1/payments/bank-callbacks"
CALLBACK_CONCURRENCY = 16
CALLBACK_GIVE_UP_S = 3600.0
CALLBACK_BACKOFF_CAP_S = 30.0


NO_SUCH_ACCOUNT = "账号不存在"
NAME_MISMATCH = "户名账号不符"
SIMULATED_FAILURE = "账户状态异常（模拟）"


def refusal(data: dict[str, Any], holders: dict[str, str]) -> str | None:
    """Why the bank refuses the instruction's account, in its words, or None; `holders` is its record of
    each account's holder (the name first paid into it), kept up to date here."""
    number = data.get("account_number") or ""
    if account_number_problem(number):
        return NO_SUCH_ACCOUNT
    if number in BANK_REFUSALS:
        return BANK_REFUSALS[number]
    holder = holders.setdefault(number, data.get("payee_name") or "")
    return NAME_MISMATCH if holder != data.get("payee_name") else None


def outcome_of(instruction_id: str, failure_percent: int = 5) -> str:
    """`failed` for about `failure_percent`% of instructions, always the same ones."""
    bucket = int(hashlib.sha256(instruction_id.encode()).hexdigest()[:8], 16) % 100
    return "failed" if bucket < failure_percent else "paid"


@dataclass
class Ledger:
    """What the bank saw: every delivery by instruction id, and the one result it reported for each."""

    deliveries: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)
    callbacks_confirmed: set[str] = field(default_factory=set)
    rejected: int = 0


class ClientCredentials:
    """A bank client's token from the gateway (`grant_type=client_credentials`), renewed before it expires."""

    def __init__(self, client: httpx.AsyncClient, gateway: str, client_id: str, client_secret: str):
        self._client, self._url = client, gateway.rstrip("/") + "/auth/token"
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._token, self._expires = "", 0.0

    async def __call__(self) -> str:
        if time.monotonic() > self._expires - 60:
            response = await self._client.post(self._url, data=self._form)
            response.raise_for_status()
            body = response.json()
            self._token, self._expires = body["access_token"], time.monotonic() + float(body["expires_in"])
        return self._token


def create_app(
    secret: str,
    callback_url: str,
    token_provider: TokenProvider,
    *,
    delay_seconds: float = 0.3,
    respond_delay_seconds: float = 0.0,
    failure_percent: int = 5,
) -> FastAPI:
    """The simulator as an ASGI app; `app.state.ledger` holds what it saw (for tests)."""
    ledger = Ledger()
    signer = Webhook(secret)
    sending = asyncio.Semaphore(CALLBACK_CONCURRENCY)
    tasks: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0)) as client:
            app.state.client = client
            yield
            for task in tasks:
                task.cancel()

    app = FastAPI(title="代理银行模拟器 bank simulator", lifespan=lifespan)
    app.state.ledger = ledger

    async def report(client: httpx.AsyncClient, instruction_id: str, status: str, reason: str) -> None:
        """Post the result, retrying while the gateway or payments is away; one webhook-id per result."""
        await asyncio.sleep(delay_seconds)
        body: dict[str, Any] = {
            "instruction_id": instruction_id,
            "status": status,
            "bank_reference": "SIM" + hashlib.sha256(instruction_id.encode()).hexdigest()[:12].upper(),
        }
        if status == "failed":
            body["reason"] = reason
        raw = json.dumps(body, ensure_ascii=False)
        webhook_id = f"cb_{instruction_id}_{status}"
        give_up = time.monotonic() + CALLBACK_GIVE_UP_S
        attempt = 0
        while True:
            async with sending:
                wait = await post(client, raw, webhook_id)
            if wait is None:
                ledger.callbacks_confirmed.add(instruction_id)
                return
            if wait < 0 or time.monotonic() + wait > give_up:
                return
            await asyncio.sleep(wait or random.uniform(0, min(0.5 * 2**attempt, CALLBACK_BACKOFF_CAP_S)))
            attempt += 1

    async def post(client: httpx.AsyncClient, raw: str, webhook_id: str) -> float | None:
        """One attempt: None when taken, -1 when refused for good (a 4xx), else the seconds `Retry-After`
        asks (0: not said, back off)."""
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(webhook_id, now, raw),
        }
        try:
            headers["authorization"] = f"Bearer {await token_provider()}"
            response = await client.post(callback_url, content=raw.encode(), headers=headers)
        except httpx.HTTPError as exc:
            log.warning("callback failed: %r", exc)
            return 0.0
        if response.is_success:
            return None
        log.warning("callback refused: %s %s", response.status_code, response.text[:200])
        if response.status_code < 500 and response.status_code != 429:
            return -1.0
        after = response.headers.get("retry-after", "")
        return float(after) if after.isdigit() else 0.0

    @app.post("/instructions")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            event = signer.verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            ledger.rejected += 1
            return JSONResponse({"error": str(exc)}, status_code=401)
        instruction_id = str(event["data"]["instruction_id"])
        ledger.deliveries[instruction_id] += 1
        if instruction_id not in ledger.outcomes:
            reason = refusal(event["data"], ledger.holders)
            if reason is None and outcome_of(instruction_id, failure_percent) == "failed":
                reason = SIMULATED_FAILURE
            status = "paid" if reason is None else "failed"
            ledger.outcomes[instruction_id], ledger.reasons[instruction_id] = status, reason or ""
            task = asyncio.create_task(report(request.app.state.client, instruction_id, status, reason or ""))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if respond_delay_seconds:
            await asyncio.sleep(respond_delay_seconds)
        return JSONResponse({"accepted": instruction_id})

    @app.get("/instructions")
    async def seen() -> dict[str, Any]:
        return {
            "deliveries": sum(ledger.deliveries.values()),
            "instructions": len(ledger.deliveries),
            "outcomes": Counter(ledger.outcomes.values()),
            "refusals": Counter(r for r in ledger.reasons.values() if r),
            "callbacks_confirmed": len(ledger.callbacks_confirmed),
            "rejected": ledger.rejected,
        }

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.bank_simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8009)
    parser.add_argument(
        "--secret",
        default=os.environ.get("BANK_SIMULATOR_SECRET"),
        help="the whsec_ secret of the payments webhook endpoint",
    )
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True, help="an API client of role bank")
    parser.add_argument("--client-secret", default=os.environ.get("BANK_SIMULATOR_CLIENT_SECRET"))
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before the result is posted")
    parser.add_argument(
        "--failure-percent",
        type=int,
        default=5,
        choices=range(101),
        metavar="0-100",
        help="instructions failed",
    )
    args = parser.parse_args(argv)
    for name in ("secret", "client_secret"):
        if not getattr(args, name):
            parser.error(f"--{name.replace('_', '-')} (or its environment variable) is required")
    logging.basicConfig(level=logging.INFO)
    token_client = httpx.AsyncClient(timeout=10.0)
    credentials = ClientCredentials(token_client, args.gateway, args.client_id, args.client_secret)
    app = create_app(
        args.secret,
        args.gateway.rstrip("/") + CALLBACK_PATH,
        credentials,
        delay_seconds=args.delay,
        failure_percent=args.failure_percent,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
