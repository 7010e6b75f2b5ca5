"""The gateway's rate limits (sign-in, the public self-report form), in a store all its processes share.

Redis (the `limits` library's storage) when `REDIS_URL` is set; this process's memory otherwise, where each
gateway process counts on its own. A stranger's failures count against the account only from the stranger's
address, so no one can lock an official, a bank or a service client out from elsewhere; the form counts each
reporter (ID number and phone) from an address, so a village office can file for every family it helps.
"""

import hashlib
import hmac
import time
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from shared.errors import TooManyRequests, Unavailable
from shared.settings import Settings

SIGN_IN_FAILURES = parse("5/15 minutes")  # failed sign-ins of one account from one address
REPORTS_PER_REPORTER = parse("5/hour")  # self-reports of one reporter from one address
REPORTS_PER_ADDRESS = parse("100/hour")  # all self-reports from one address (a village office's busiest hour)

T = TypeVar("T")


class RateLimits:
    """The gateway's counters; every method answers 503 when the shared store cannot be reached."""

    def __init__(self, limiter: MovingWindowRateLimiter, secret: str) -> None:
        self._limiter = limiter
        self._secret = secret.encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimits":
        storage = (
            storage_from_string(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix=f"{settings.redis_key_prefix}:limits",
                wrap_exceptions=True,
            )
            if settings.redis_url
            else storage_from_string("async+memory://")
        )
        return cls(MovingWindowRateLimiter(storage), settings.secret_key)  # type: ignore[arg-type]

    async def ensure_sign_in_allowed(self, account: str, address: str) -> None:
        """429 with `Retry-After` once the account has failed too often from this address."""
        if wait := await self._wait(SIGN_IN_FAILURES, account, address):
            raise TooManyRequests("登录失败次数过多，请稍后再试", headers={"Retry-After": str(wait)})

    async def sign_in_failed(self, account: str, address: str) -> None:
        await self._guard(self._limiter.hit(SIGN_IN_FAILURES, account, address))

    async def sign_in_succeeded(self, account: str, address: str) -> None:
        """A success forgives the failures before it (from this address)."""
        await self._guard(self._limiter.clear(SIGN_IN_FAILURES, account, address))

    async def report_wait(self, address: str, *, id_number: str, phone: str) -> int:
        """Seconds until this reporter may file again from this address (0: now, and this report counts)."""
        reporter = hmac.new(self._secret, f"{id_number}|{phone}".encode(), hashlib.sha256).hexdigest()[:32]
        wait = max(
            await self._wait(REPORTS_PER_REPORTER, address, reporter),
            await self._wait(REPORTS_PER_ADDRESS, address),
        )
        if not wait:
            await self._guard(self._limiter.hit(REPORTS_PER_REPORTER, address, reporter))
            await self._guard(self._limiter.hit(REPORTS_PER_ADDRESS, address))
        return wait

    async def _wait(self, item: RateLimitItem, *keys: str) -> int:
        if await self._guard(self._limiter.test(item, *keys)):
            return 0
        stats = await self._guard(self._limiter.get_window_stats(item, *keys))
        return max(1, int(stats.reset_time - time.time()))

    @staticmethod
    async def _guard(call: Awaitable[T]) -> T:
        try:
            return await call
        except StorageError as exc:
            cause = type(exc.storage_error).__name__
            raise Unavailable(f"the rate-limit store is unavailable: {cause}") from None


def client_address(request: Request) -> str:
    """The caller's address: the connecting one, or the original client's when a trusted proxy says so."""
    return request.client.host if request.client else "unknown"


def limits_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.limits
    return limits


async def report_wait(request: Request, *, id_number: str, phone: str) -> int:
    """The public form's one call, once its fields are valid: seconds this reporter must wait from this
    address (0: go on; the report is counted)."""
    return await limits_of(request).report_wait(client_address(request), id_number=id_number, phone=phone)
