"""Signed-out tokens: their ids (`jti`), each kept until the token would have expired, refused everywhere.

With `REDIS_URL` the list lives in Redis, shared by all the gateway's processes and the services: a token
signed out anywhere is refused everywhere from the next request on. Without it (`make run`), each process
keeps its own list in memory, which cannot be shared: a token signed out at the gateway is refused by that
gateway process, but another gateway process and the services (called directly) still accept it until it
expires. Production sets `REDIS_URL`.

Token verification stays synchronous (the pages call it everywhere), so Redis is read by a middleware
before the route runs (`RevocationLookup`); the verifier then consults this process's copy of the entry.
"""

import math
import time
from collections.abc import Callable

from jose import jwt
from jose.exceptions import JOSEError
from redis import asyncio as aioredis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.auth import bearer_token
from shared.errors import Unavailable, problem_response
from shared.settings import Settings

PRUNE_AT = 10_000  # entries kept in memory before the expired ones are dropped
# Connections to Redis per process: a request past them waits its turn (up to REDIS_WAIT_S) instead of
# failing, as the default pool did from about a hundred requests at once (503 under load).
REDIS_CONNECTIONS = 64
REDIS_WAIT_S = 5.0


class Revocations:
    """The revocation list as this process knows it: token id → the token's expiry (epoch seconds)."""

    def __init__(self) -> None:
        self._revoked: dict[str, float] = {}

    def is_revoked(self, token_id: str) -> bool:
        expires_at = self._revoked.get(token_id)
        return expires_at is not None and expires_at > time.time()

    async def revoke(self, token_id: str, expires_at: float) -> None:
        """Refuse the token from now until it expires."""
        self._remember(token_id, expires_at)

    async def look_up(self, token_id: str) -> None:
        """Bring the token's entry from the shared store into this process (memory: it is the store)."""

    async def close(self) -> None:
        """Let go of the shared store's connections."""

    def _remember(self, token_id: str, expires_at: float) -> None:
        if len(self._revoked) >= PRUNE_AT:
            now = time.time()
            self._revoked = {k: v for k, v in self._revoked.items() if v > now}
        self._revoked[token_id] = expires_at


class RedisRevocations(Revocations):
    """The list in Redis, one key per token id expiring with the token; unreachable Redis is a 503."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        super().__init__()
        self._client = client
        self._prefix = f"{prefix}:revoked:"

    async def revoke(self, token_id: str, expires_at: float) -> None:
        self._remember(token_id, expires_at)
        seconds = math.ceil(expires_at - time.time())
        if seconds > 0:
            try:
                await self._client.set(self._prefix + token_id, repr(expires_at), ex=seconds)
            except RedisError as exc:
                raise Unavailable(f"the revocation list is unavailable: {type(exc).__name__}") from None

    async def look_up(self, token_id: str) -> None:
        if self.is_revoked(token_id):
            return
        try:
            stored = await self._client.get(self._prefix + token_id)
        except RedisError as exc:
            raise Unavailable(f"the revocation list is unavailable: {type(exc).__name__}") from None
        if stored is not None:
            self._remember(token_id, float(stored))

    async def close(self) -> None:
        await self._client.aclose()


def open_revocations(settings: Settings) -> Revocations:
    """Redis when `REDIS_URL` is set, this process's memory otherwise."""
    if not settings.redis_url:
        return Revocations()
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_S
    )
    return RedisRevocations(aioredis.Redis(connection_pool=pool), settings.redis_key_prefix)


def token_id(token: str) -> str | None:
    """The `jti` a token claims, unverified (the verifier checks the signature); None if unreadable."""
    try:
        value = jwt.get_unverified_claims(token).get("jti")
    except JOSEError:
        return None
    return value if isinstance(value, str) else None


class RevocationLookup:
    """Before a request is routed, fetch the revocation entries of its tokens (the bearer and the pages'
    `cookie`: both, as the API reads one and the pages the other) from the shared store into
    `app.state.revocations`, where the verifier consults them.

    `checked_elsewhere(path)`: requests another process looks up itself — the gateway's proxied calls, which
    the service serving them checks against the same store — so the hot path reads the store once, not
    twice (at the gateway it was a third of its own work per call)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cookie: str | None = None,
        checked_elsewhere: Callable[[str], bool] | None = None,
    ):
        self.app = app
        self.cookie = cookie
        self.checked_elsewhere = checked_elsewhere

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not (self.checked_elsewhere and self.checked_elsewhere(scope["path"])):
            request = Request(scope)
            tokens = (bearer_token(request), request.cookies.get(self.cookie) if self.cookie else None)
            ids = {jti for jti in map(token_id, filter(None, tokens)) if jti is not None}
            try:
                for jti in ids:
                    revocations: Revocations = scope["app"].state.revocations
                    await revocations.look_up(jti)
            except Unavailable as exc:
                response = problem_response(exc.status, exc.title, exc.detail, request=request)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
