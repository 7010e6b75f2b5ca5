"""`Idempotency-Key`: the first answer to a request is stored in the same transaction as its effect, so a
retry with the same body gets that answer again and a reuse with another body is refused (422)."""

from typing import Any

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.models import IdempotencyKey
from shared.auth import Principal
from shared.errors import Invalid
from shared.idempotency import request_hash


async def first_answer(
    session: AsyncSession, *, principal: Principal, key: str, body: BaseModel
) -> tuple[int, dict[str, Any]] | None:
    """The stored (status, body) for this caller's key, None when the key is new; 422 if the body differs."""
    stored = await session.get(IdempotencyKey, (principal.subject, key))
    if stored is None:
        return None
    if stored.request_hash != request_hash(body):
        raise Invalid.field("Idempotency-Key", "该幂等键已用于内容不同的另一请求")
    return stored.status_code, stored.response


async def remember(
    session: AsyncSession,
    *,
    principal: Principal,
    key: str,
    body: BaseModel,
    status_code: int,
    response: BaseModel,
) -> None:
    """Keep the answer with the effect (a concurrent twin loses on the primary key and changes nothing)."""
    session.add(
        IdempotencyKey(
            subject=principal.subject,
            key=key,
            request_hash=request_hash(body),
            status_code=status_code,
            response=response.model_dump(mode="json"),
        )
    )
    await session.flush()
