"""The bank side of disbursement: the agent bank's webhook endpoint, the outbox handler that sends each line
as a Standard Webhooks request, and the delivery log with replay."""

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook

from services.payments.batches import EVENT_TYPE, TOPIC
from services.payments.enums import EndpointStatus
from services.payments.models import Line, WebhookEndpoint, audit_log, outbox
from services.payments.schemas import (
    DeliveryPublic,
    EndpointCreate,
    EndpointCreated,
    EndpointPublic,
)
from shared import audit
from shared.auth import Principal
from shared.crypto import Sealer
from shared.db import Database
from shared.errors import Conflict, Invalid, NotFound
from shared.outbox import GiveUp, Message, RetryLater
from shared.outbox import replay as replay_message
from shared.regions import BANNER_CODE
from shared.vocabulary.payments import LineStatus

SYSTEM = audit.Actor("svc-payments", "service")
DATA_FIELDS = (
    "instruction_id", "batch_id", "household_id", "payee_name", "bank_name", "account_number", "amount_fen",
    "purpose",
)  # fmt: skip
RETRY_STATUSES = frozenset({408, 409, 425, 429})


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def endpoint_public(endpoint: WebhookEndpoint) -> EndpointPublic:
    return EndpointPublic.model_validate(endpoint, from_attributes=True)


def host_allowed(url: str, allowlist: str) -> bool:
    """Whether the URL's host is one of the comma-separated hosts instructions may go to."""
    hosts = {h.strip().lower() for h in allowlist.split(",") if h.strip()}
    return (httpx.URL(url).host or "").lower() in hosts


async def propose_endpoint(
    session: AsyncSession, *, principal: Principal, data: EndpointCreate, allowlist: str
) -> EndpointCreated:
    """Propose the agent bank's receiver; nothing goes to it until a banner official approves it.

    Without `bank_client_id` the endpoint is bound to the bank client of the endpoint it replaces."""
    if not host_allowed(str(data.url), allowlist):
        raise Invalid.field("url", "代理银行接收地址的主机不在允许名单（BANK_ENDPOINT_HOSTS）中")
    bank_client_id = data.bank_client_id or await _active_bank_client(session)
    if bank_client_id is None:
        raise Invalid.field("bank_client_id", "尚无在用的接收地址可沿用，请指明代理银行的接口客户端")
    endpoint = WebhookEndpoint(
        url=str(data.url),
        secret=data.secret or new_secret(),
        status=EndpointStatus.proposed,
        bank_client_id=bank_client_id,
        created_by=principal.subject,
    )
    session.add(endpoint)
    await session.flush()
    await _audit(
        session, principal, "endpoint.propose", endpoint.id, after=endpoint_public(endpoint).model_dump()
    )
    return EndpointCreated(**endpoint_public(endpoint).model_dump(), secret=endpoint.secret)


async def _active_bank_client(session: AsyncSession) -> str | None:
    return (
        await session.exec(
            select(WebhookEndpoint.bank_client_id).where(WebhookEndpoint.status == EndpointStatus.active)
        )
    ).first()


async def approve_endpoint(
    session: AsyncSession, *, principal: Principal, endpoint: WebhookEndpoint
) -> EndpointPublic:
    """Make a proposed endpoint the active one, retiring the previous one in the same transaction; the
    proposer may not approve (409), and of two approvals one wins (the other finds it no longer proposed,
    or loses on the one-active unique index)."""
    if endpoint.created_by == principal.subject:
        raise Conflict("接收地址须由提议人以外的旗级干部审批")
    if endpoint.status != EndpointStatus.proposed:
        raise Conflict(f"该接收地址当前状态为 {endpoint.status}，只有待审批的地址可以审批")
    before = endpoint_public(endpoint).model_dump()
    now = datetime.now(UTC)
    retiring = (
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.status) == EndpointStatus.active)
        .values(status=EndpointStatus.retired, retired_at=now)
        .returning(WebhookEndpoint.id)
    )
    retired = (await session.execute(retiring)).scalars().all()
    approved = await session.execute(
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.id) == endpoint.id, col(WebhookEndpoint.status) == EndpointStatus.proposed)
        .values(status=EndpointStatus.active, approved_by=principal.subject, approved_at=now)
    )
    if approved.rowcount != 1:
        raise Conflict("该接收地址已不是待审批状态")
    for old_id in retired:
        await _audit(
            session,
            principal,
            "endpoint.retire",
            old_id,
            before={"status": EndpointStatus.active},
            after={"status": EndpointStatus.retired},
        )
    await session.refresh(endpoint)
    after = endpoint_public(endpoint).model_dump()
    await _audit(session, principal, "endpoint.approve", endpoint.id, before=before, after=after)
    return endpoint_public(endpoint)


async def get_endpoint(session: AsyncSession, *, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook endpoint not found")
    return endpoint


async def retire_endpoint(
    session: AsyncSession, *, principal: Principal, endpoint: WebhookEndpoint
) -> EndpointPublic:
    """Stop sending new batches to an endpoint, or withdraw a proposal (instructions already addressed to
    it keep their bank)."""
    before = endpoint_public(endpoint).model_dump()
    if endpoint.status != EndpointStatus.retired:
        endpoint.status, endpoint.retired_at = EndpointStatus.retired, datetime.now(UTC)
        session.add(endpoint)
        await session.flush()
        await _audit(
            session,
            principal,
            "endpoint.retire",
            endpoint.id,
            before=before,
            after=endpoint_public(endpoint).model_dump(),
        )
    return endpoint_public(endpoint)


async def endpoints(session: AsyncSession, *, page: int, page_size: int) -> tuple[list[EndpointPublic], int]:
    total = (await session.exec(select(func.count()).select_from(WebhookEndpoint))).one()
    rows = await session.exec(
        select(WebhookEndpoint)
        .order_by(col(WebhookEndpoint.created_at).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [endpoint_public(e) for e in rows.all()], int(total)


# --- delivery -------------------------------------------------------------------------------------------


def instruction_body(payload: dict[str, Any], sealer: Sealer) -> str:
    """The `disbursement.requested` event of one line, its account number unsealed; the same bytes on every
    retry."""
    sealed = payload.get("account_number_sealed")
    data = payload | {"account_number": sealer.decrypt(sealed) if sealed else None}
    event = {
        "type": EVENT_TYPE,
        "timestamp": payload["timestamp"],
        "data": {k: data.get(k) for k in DATA_FIELDS},
    }
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


class BankSender:
    """The outbox handler of `bank.disbursement`: one signed Standard Webhooks request per line.

    Only 2xx counts; connection errors, timeouts, 5xx and 408/409/425/429 are retried (honouring
    Retry-After); any other 4xx is a refusal of the message itself (dead, visible, replayable).
    The `webhook-id` is the line id, so the bank recognises a retry or a replay as the same instruction.
    An endpoint whose host has left the allowlist gets nothing (the instruction is dead until replayed).
    """

    def __init__(self, db: Database, client: httpx.AsyncClient, allowlist: str, sealer: Sealer):
        self.db, self.client, self.allowlist, self.sealer = db, client, allowlist, sealer

    async def __call__(self, message: Message) -> None:
        payload = message.payload
        async with self.db.session_scope() as session:
            endpoint = await session.get(WebhookEndpoint, uuid.UUID(payload["endpoint_id"]))
        if endpoint is None:
            raise GiveUp("the endpoint of this batch no longer exists")
        if not host_allowed(endpoint.url, self.allowlist):
            raise GiveUp("the endpoint's host is not on the allowlist (BANK_ENDPOINT_HOSTS)")
        body = instruction_body(payload, self.sealer)
        now = datetime.now(UTC)
        msg_id = payload["instruction_id"]
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(msg_id, now, body),
        }
        try:
            response = await self.client.post(endpoint.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise RetryLater(f"bank unreachable: {exc!r}") from None
        if response.is_success:
            await self._mark_sent(uuid.UUID(msg_id))
            return
        reason = f"bank answered {response.status_code}: {response.text[:200]}"
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            raise RetryLater(
                reason, retry_after=retry_after_seconds(response.headers.get("retry-after"), now=now)
            )
        raise GiveUp(reason)

    async def _mark_sent(self, line_id: uuid.UUID) -> None:
        """pending → sent; a line the bank already reported on is left as it is."""
        async with self.db.session_scope() as session:
            result = await session.execute(
                update(Line)
                .where(col(Line.id) == line_id, col(Line.status) == LineStatus.pending)
                .values(status=LineStatus.sent, updated_at=datetime.now(UTC))
                .returning(Line.region_code)
            )
            region = result.scalar_one_or_none()
            if region is not None:
                await audit.append(
                    session,
                    audit_log,
                    actor=SYSTEM,
                    region=region,
                    action="line.sent",
                    entity="line",
                    entity_id=str(line_id),
                    before={"status": "pending"},
                    after={"status": "sent"},
                )


async def replay(session: AsyncSession, *, principal: Principal, delivery_id: uuid.UUID) -> DeliveryPublic:
    """Send an instruction again (same webhook-id, same endpoint: the bank deduplicates it)."""
    exists = (
        await session.execute(select(outbox.c.id).where(outbox.c.id == delivery_id, outbox.c.topic == TOPIC))
    ).first()
    if exists is None or not await replay_message(session, outbox, delivery_id):
        raise NotFound("delivery not found")
    row = (await session.execute(select(outbox).where(outbox.c.id == delivery_id))).mappings().one()
    public = DeliveryPublic.of(row)
    await _audit(session, principal, "delivery.replay", delivery_id, after=public.model_dump())
    return public


async def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    entity_id: uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    entity = "delivery" if action.startswith("delivery") else "webhook_endpoint"
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=BANNER_CODE,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
