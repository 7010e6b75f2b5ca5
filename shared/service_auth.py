"""A service's own identity for background work (outbox deliveries): a client-credentials token from the
gateway, as any partner system would get one (ARCHITECTURE.md "Auth").

Each service is an API client `svc-<name>` whose secret is derived from SERVICE_CLIENTS_SECRET, so the
gateway (which registers the clients) and the service (which signs in) agree without a secret per pair.
"""

import asyncio
import hashlib
import hmac
import time
from typing import Protocol

import httpx

from shared.auth import Principal
from shared.errors import Unavailable
from shared.roles import Role
from shared.settings import Settings

RENEW_BEFORE_SECONDS = 60


def service_client_id(process: str) -> str:
    return f"svc-{process}"


def is_service_client(principal: Principal, process: str) -> bool:
    """Whether the caller is `process`'s own client: a service-to-service route answers no one else."""
    return principal.role == Role.service and principal.subject == service_client_id(process)


def service_client_secret(settings: Settings, process: str) -> str:
    key = settings.service_clients_secret.encode()
    return hmac.new(key, f"service-client:{process}".encode(), hashlib.sha256).hexdigest()


class TokenSource(Protocol):
    """Where a service's own access token comes from (`ServiceCredentials`, or a fixed token in tests)."""

    async def token(self) -> str: ...


class ServiceCredentials:
    """Fetches and caches this service's access token, renewing it shortly before it expires."""

    def __init__(self, settings: Settings, process: str, client: httpx.AsyncClient):
        self._url = settings.gateway_url.rstrip("/") + "/auth/token"
        self._form = {
            "grant_type": "client_credentials",
            "client_id": service_client_id(process),
            "client_secret": service_client_secret(settings, process),
        }
        self._client = client
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires_at - RENEW_BEFORE_SECONDS:
                try:
                    response = await self._client.post(self._url, data=self._form)
                    response.raise_for_status()
                except httpx.HTTPError as exc:
                    raise Unavailable(f"cannot get a service token: {exc!r}") from None
                body = response.json()
                self._token = str(body["access_token"])
                self._expires_at = time.monotonic() + float(body["expires_in"])
            return self._token

    async def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {await self.token()}"}
