"""How the outbox handler reads the registry's answers: delivered, retried (honouring Retry-After), or
given up and kept visible. The registry here is a scripted HTTP peer; the real one is used elsewhere."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from services.monitoring.clients import RegistryClient
from services.monitoring.deliveries import CATEGORY_CHANGE, category_change_handler
from shared.outbox import GiveUp, Message, RetryLater
from shared.service_auth import ServiceCredentials
from shared.settings import Settings

HOUSEHOLD = str(uuid.uuid4())
MESSAGE = Message(
    id=uuid.uuid4(),
    topic=CATEGORY_CHANGE,
    idempotency_key="monitoring-case-1-confirm",
    payload={
        "household_id": HOUSEHOLD,
        "category": "monitored",
        "reason": "旗级确认",
        "effective_date": "2026-06-01",
    },
    attempts=0,
    created_at=datetime.now(UTC),
)


def handler_answering(response: httpx.Response | Exception, seen: list[httpx.Request]) -> object:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/token":
            return httpx.Response(200, json={"access_token": "svc-token", "expires_in": 3600})
        seen.append(request)
        if isinstance(response, Exception):
            raise response
        return response

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    settings = Settings(gateway_url="http://gateway", registry_url="http://registry")
    registry = RegistryClient(
        client, "http://registry", credentials=ServiceCredentials(settings, "monitoring", client)
    )
    return category_change_handler(registry)


async def test_a_2xx_is_delivered_with_the_key_and_the_service_token() -> None:
    seen: list[httpx.Request] = []
    await handler_answering(httpx.Response(201, json={}), seen)(MESSAGE)  # type: ignore[operator]
    [request] = seen
    assert request.url.path == f"/api/v1/households/{HOUSEHOLD}/category-changes"
    assert request.headers["Idempotency-Key"] == "monitoring-case-1-confirm"
    assert request.headers["authorization"] == "Bearer svc-token"


@pytest.mark.parametrize(
    ("answer", "retry_after"),
    [
        (httpx.Response(503, headers={"Retry-After": "30"}), 30.0),
        (httpx.Response(500), None),
        (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
        (httpx.Response(409), None),
        (httpx.ConnectError("refused"), None),
    ],
)
async def test_outages_are_retried(answer: httpx.Response | Exception, retry_after: float | None) -> None:
    with pytest.raises(RetryLater) as caught:
        await handler_answering(answer, [])(MESSAGE)  # type: ignore[operator]
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_a_refusal_of_the_message_is_given_up(status: int) -> None:
    with pytest.raises(GiveUp, match=str(status)):
        await handler_answering(httpx.Response(status, text="no such household"), [])(MESSAGE)  # type: ignore[operator]
