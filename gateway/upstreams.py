"""The services behind the gateway, and the one pooled HTTP client that reaches them."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiohttp
import httpx
from fastapi import Request
from httpx_aiohttp import AiohttpTransport
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse
from yarl import URL

from shared.errors import NotFound, Unavailable
from shared.observability import REQUEST_ID_HEADER
from shared.settings import SERVICES, Settings

# Which service owns which part of the public API (API.md).
ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/v1/regions", "registry"),
    ("/api/v1/households", "registry"),
    ("/api/v1/stats", "registry"),
    ("/api/v1/resettlement-sites", "registry"),
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
FORWARD_TIMEOUT = aiohttp.ClientTimeout(sock_connect=3.0, sock_read=30.0)
POOL_SIZE = 256  # connections to all services together; more than the clients a worker serves at once
KEEP_ALIVE_S = 30.0  # below the services' own keep-alive (deploy/manage.py), so the server never closes first
SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding")  # the caller's own, or none, go through
WHOLE_BODY_BYTES = 256 * 1024  # answers up to this size are read whole; larger ones (exports) stream
STREAM_CHUNK = 1 << 16


def service_for(path: str) -> str | None:
    for prefix, service in ROUTES:
        if path == prefix or path.startswith(prefix + "/"):
            return service
    return None


def is_proxied(path: str) -> bool:
    """Served by a service: it checks the caller's token (signature, revocation) itself."""
    return service_for(path) is not None


class Upstreams:
    """Base URLs of the services and one pooled aiohttp session that reaches them: the proxy forwards on it
    directly, and `call` goes through httpx on the same pool (aiohttp transport: httpx's own pool stalls
    under concurrency, encode/httpx#3215)."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession, client: httpx.AsyncClient):
        self.base_urls = {s: settings.service_url(s).rstrip("/") for s in SERVICES}
        self.session = session
        self.client = client

    @classmethod
    @asynccontextmanager
    async def open(
        cls, settings: Settings, *, trace_configs: Sequence[aiohttp.TraceConfig] = ()
    ) -> AsyncIterator["Upstreams"]:
        """`trace_configs`: request hooks on the session (the gateway's upstream metrics)."""
        connector = aiohttp.TCPConnector(limit=POOL_SIZE, limit_per_host=0, keepalive_timeout=KEEP_ALIVE_S)
        session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            skip_auto_headers=SKIP_AUTO_HEADERS,
            trace_configs=list(trace_configs),
        )
        async with (
            session,
            httpx.AsyncClient(transport=AiohttpTransport(client=session), timeout=TIMEOUT) as c,
        ):
            yield cls(settings, session, c)

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
        """Send a request to its service and the answer back, bodies untouched: small answers in one piece,
        large ones (exports) streamed."""
        service = service_for(request.url.path)
        if service is None:
            raise NotFound("no such route")
        headers = [(k, v) for k, v in request.headers.items() if k not in NOT_FORWARDED]
        headers += [("authorization", f"Bearer {token}"), (REQUEST_ID_HEADER, request.state.request_id)]
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        # The path as it came, still percent-encoded: the decoded one may hold bytes no request line allows.
        url = self.base_urls[service] + request.scope["raw_path"].decode("latin-1")
        query = request.scope["query_string"]
        try:
            upstream = await self.session.request(
                request.method,
                URL(url + "?" + query.decode("latin-1") if query else url, encoded=True),
                headers=headers,
                data=request.stream() if has_body else None,
                allow_redirects=False,
                timeout=FORWARD_TIMEOUT,
            )
        except TimeoutError:
            raise Unavailable(f"{service} did not answer in time") from None
        except aiohttp.ClientError as exc:
            raise Unavailable(f"{service} is unavailable: {type(exc).__name__}") from None
        returned = [
            (k, v) for k, v in upstream.raw_headers if k.decode("latin-1").lower() not in NOT_RETURNED
        ]
        length = upstream.content_length
        if length is not None and length <= WHOLE_BODY_BYTES:
            try:
                body = await upstream.read()
            finally:
                upstream.release()
            response = Response(body, status_code=upstream.status)
        else:
            response = StreamingResponse(
                upstream.content.iter_chunked(STREAM_CHUNK),
                status_code=upstream.status,
                background=BackgroundTask(upstream.release),
            )
        response.raw_headers = [h for h in response.raw_headers if h[0] == b"content-length"] + returned
        return response
