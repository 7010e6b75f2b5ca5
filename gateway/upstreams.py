"""The services behind the gateway, and the one pooled HTTP client that reaches them."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiohttp
import httpx
from fastapi import Request
from httpx_aiohttp import AiohttpTransport
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from shared.errors import NotFound, Unavailable
from shared.observability import REQUEST_ID_HEADER
from shared.settings import SERVICES, Settings

# Which service owns which part of the public API (API.md).
ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/v1/regions", "registry"),
    ("/api/v1/households", "registry"),
    ("/api/v1/stats", "registry"),
    ("/api/v1/monitoring", "monitoring"),
    ("/api/v1/payments", "payments"),
    ("/api/v1/assets", "assets"),
)
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
NOT_FORWARDED = HOP_BY_HOP | {"cookie", "authorization", REQUEST_ID_HEADER}
NOT_RETURNED = HOP_BY_HOP | {REQUEST_ID_HEADER, "set-cookie"}
TIMEOUT = httpx.Timeout(30.0, connect=3.0)


def service_for(path: str) -> str | None:
    for prefix, service in ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return service
    return None


class Upstreams:
    """Base URLs of the services and a shared client (aiohttp transport: httpx's own pool stalls under
    concurrency, encode/httpx#3215)."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient):
        self.base_urls = {s: settings.service_url(s).rstrip("/") for s in SERVICES}
        self.client = client

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings, *, trace_configs: Sequence[aiohttp.TraceConfig] = ()
    ) -> AsyncIterator["Upstreams"]:
        """`trace_configs`: request hooks on the session (the gateway's upstream metrics)."""
        async with (
            aiohttp.ClientSession(trace_configs=list(trace_configs)) as session,
            httpx.AsyncClient(transport=AiohttpTransport(client=session), timeout=TIMEOUT) as client,
        ):
            yield cls(settings, client)

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: object,
    ) -> httpx.Response:
        """Call a service on behalf of a caller (its token travels along); 503 when it cannot be reached."""
        headers = {**(headers or {}), "authorization": f"Bearer {token}"}
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            return await self.client.request(
                method,
                self.base_urls[service] + path,
                headers=headers,
                **kwargs,  # type: ignore[arg-type]
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service} is unavailable: {type(exc).__name__}") from None

    async def forward(self, request: Request, *, token: str) -> Response:
        """Stream a request to its service and the answer back, body untouched."""
        service = service_for(request.url.path)
        if service is None:
            raise NotFound("no such route")
        headers = [(k, v) for k, v in request.headers.items() if k not in NOT_FORWARDED]
        headers += [("authorization", f"Bearer {token}"), (REQUEST_ID_HEADER, request.state.request_id)]
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        upstream = self.client.build_request(
            request.method,
            httpx.URL(self.base_urls[service] + request.url.path, query=request.url.query.encode()),
            headers=headers,
            content=request.stream() if has_body else None,
        )
        try:
            response = await self.client.send(upstream, stream=True)
        except httpx.TimeoutException:
            raise Unavailable(f"{service} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise Unavailable(f"{service} is unavailable: {type(exc).__name__}") from None
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k not in NOT_RETURNED},
            background=BackgroundTask(response.aclose),
        )
