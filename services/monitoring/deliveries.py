"""The registry changes monitoring causes: a category (into monitoring on confirmation, back out on the
risk's elimination) and a visit's 三保障 and water findings, enqueued with the step or visit and delivered
by the outbox dispatcher exactly once with this service's own credentials (ARCHITECTURE.md "Reliable
cross-service effects")."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring.clients import RegistryClient
from services.monitoring.models import audit_log, outbox
from services.monitoring.schemas import DeliveryPublic
from shared import audit
from shared.auth import Principal
from shared.errors import NotFound, Unavailable
from shared.outbox import GiveUp, Handler, Message, OutboxStatus, RetryLater, replay
from shared.regions import BANNER_CODE

CATEGORY_CHANGE = "registry.category_change"
GUARANTEES = "registry.guarantees"
MEMBER_FLAGS = "registry.member_flags"
# 401 too: a token that expired in flight is renewed on the next attempt.
RETRY_STATUSES = frozenset({401, 408, 409, 425, 429})


def confirm_key(case_id: uuid.UUID) -> str:
    return f"monitoring-case-{case_id}-confirm"


def return_key(case_id: uuid.UUID) -> str:
    """The household's return to its category before the case, sent once on the risk's elimination."""
    return f"monitoring-case-{case_id}-eliminate"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers["retry-after"]), 0.0)
    except (KeyError, ValueError):
        return None


def _registry_handler(send: Callable[[dict[str, Any], str], Awaitable[httpx.Response]]) -> Handler:
    """2xx delivered; 5xx, 408/409/425/429 and network errors retried (Retry-After honoured); any other
    4xx (a refusal of the message itself) given up and kept visible at `GET /api/v1/monitoring/deliveries`."""

    async def deliver(message: Message) -> None:
        try:
            response = await send(message.payload, message.idempotency_key)
        except (httpx.HTTPError, Unavailable) as exc:
            raise RetryLater(f"registry unreachable: {exc!r}") from None
        if response.is_success:
            return
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            raise RetryLater(f"registry answered {response.status_code}", retry_after=_retry_after(response))
        raise GiveUp(f"registry refused with {response.status_code}: {response.text[:500]}")

    return deliver


def category_change_handler(registry: RegistryClient) -> Handler:
    """The category change a step caused, sent with the step's idempotency key."""

    async def send(payload: dict[str, Any], key: str) -> httpx.Response:
        return await registry.change_category(
            household_id=payload["household_id"],
            category=payload["category"],
            reason=payload["reason"],
            effective_date=payload["effective_date"],
            idempotency_key=key,
        )

    return _registry_handler(send)


def guarantees_key(visit_id: uuid.UUID) -> str:
    return f"monitoring-visit-{visit_id}-guarantees"


def guarantees_handler(registry: RegistryClient) -> Handler:
    """A visit's 三保障 and water findings put on the household's record (a repeat changes nothing)."""

    async def send(payload: dict[str, Any], _key: str) -> httpx.Response:
        findings = {name: value for name, value in payload.items() if name != "household_id"}
        return await registry.set_guarantees(household_id=payload["household_id"], findings=findings)

    return _registry_handler(send)


def member_flags_key(upload_id: uuid.UUID) -> str:
    return f"monitoring-list-{upload_id}-flags"


def member_flags_handler(registry: RegistryClient) -> Handler:
    """The illness, 低保 and 特困 flags a department's list states, set on its members (a repeat changes
    nothing)."""

    async def send(payload: dict[str, Any], _key: str) -> httpx.Response:
        return await registry.set_member_flags(source=payload["source"], items=payload["items"])

    return _registry_handler(send)


async def replay_delivery(
    session: AsyncSession, *, principal: Principal, message_id: uuid.UUID
) -> DeliveryPublic:
    """Send a dead (or delivered) message again; the registry's idempotency key keeps it harmless."""
    before = (await session.execute(select(outbox.c.status).where(outbox.c.id == message_id))).scalar()
    if before is None or not await replay(session, outbox, message_id):
        raise NotFound("delivery not found")
    row = (await session.execute(select(outbox).where(outbox.c.id == message_id))).mappings().one()
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=BANNER_CODE,
        action="delivery.replay",
        entity="outbox",
        entity_id=str(message_id),
        before={"status": before},
        after={"status": row["status"]},
    )
    return DeliveryPublic.of(row)


async def delivery_state(session: AsyncSession, *, key: str) -> OutboxStatus | None:
    status = (await session.execute(select(outbox.c.status).where(outbox.c.idempotency_key == key))).scalar()
    return OutboxStatus(status) if status else None
