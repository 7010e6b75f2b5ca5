"""Sign-in rate limit: after too many failures for one account in a window, refuse for a while (429)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import LoginFailure
from shared.errors import TooManyRequests

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


async def ensure_not_locked(session: AsyncSession, principal: str) -> None:
    since = datetime.now(UTC) - WINDOW
    statement = select(func.count(), func.min(LoginFailure.at)).where(
        LoginFailure.principal == principal, LoginFailure.at > since
    )
    count, oldest = (await session.exec(statement)).one()
    if count >= MAX_FAILURES:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        retry_after = max(1, int((oldest + WINDOW - datetime.now(UTC)).total_seconds()))
        raise TooManyRequests("登录失败次数过多，请稍后再试", headers={"Retry-After": str(retry_after)})


async def record_failure(session: AsyncSession, principal: str) -> None:
    session.add(LoginFailure(principal=principal))
    await session.flush()


async def clear_failures(session: AsyncSession, principal: str) -> None:
    await session.exec(delete(LoginFailure).where(LoginFailure.principal == principal))  # type: ignore[call-overload]
