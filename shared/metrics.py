"""Prometheus metrics of one process, served at `GET /metrics`.

Every app keeps its own `CollectorRegistry` (never the global default), so the apps a test process builds
side by side never share or collide. HTTP requests are counted by route *template*, never the raw path:
ids in label values would grow the series without bound. Figures that live in the database (the outbox
backlog) are read once per scrape, so they say what is stored rather than what this replica guesses.

`/metrics` is not under `/api/`, so the gateway never proxies to it. It answers a caller that presents the
scrape token (`METRICS_TOKEN`) as a bearer token; without a configured token only loopback callers.
"""

import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import RouteContext, iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import MetaData, func, select
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Forbidden, Unauthorized
from shared.outbox import OutboxStatus, aware, outbox_table, utcnow

# `_created` series double the exposition and no dashboard here reads them.
disable_created_metrics()

log = logging.getLogger("hangjin.metrics")

# From a cached read (a few ms) to a slow export or a proxied upload (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"
OTHER_METHOD = "OTHER"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
DELIVERY_OUTCOMES = ("delivered", "retry", "dead")
_OUTBOX = outbox_table(MetaData())  # the same table in every service's database

_serving: ContextVar["Metrics | None"] = ContextVar("metrics_serving", default=None)


class ScrapeCollector(Protocol):
    """A collector whose figures are read (asynchronously) just before each scrape."""

    async def refresh(self) -> None: ...

    def collect(self) -> Iterable[Metric]: ...


class Metrics:
    """One process's metric families, in a registry of its own (`app.state.metrics`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status code",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template",
            ("method", "route"),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # The labelled children, found once per (method, route, status): labels() takes a lock and
        # validates on every call, and this runs on every request.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._counters: dict[str, Counter] = {}
        self._refreshers: list[Callable[[], Awaitable[None]]] = []

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def counter(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> Counter:
        """A counter of this registry, made on first use (domain code names it where it counts)."""
        if name not in self._counters:
            self._counters[name] = Counter(name, documentation, labelnames, registry=self.registry)
        return self._counters[name]

    def on_scrape(self, collector: ScrapeCollector) -> None:
        self.registry.register(collector)  # type: ignore[arg-type]
        self._refreshers.append(collector.refresh)

    async def exposition(self) -> bytes:
        for refresh in self._refreshers:
            await refresh()
        return generate_latest(self.registry)


def count(name: str, documentation: str, **labels: str) -> None:
    """Add one to a counter of the app serving the current request; outside a request, nothing."""
    metrics = _serving.get()
    if metrics is not None:
        metrics.counter(name, documentation, tuple(labels)).labels(**labels).inc()


# --- HTTP requests ---------------------------------------------------------------------------------


def _routes(app: Any) -> tuple[RouteContext, ...]:
    """Every route of an app, included routers flattened; built once (routes are fixed once it serves)."""
    if not hasattr(app.state, "flat_routes"):
        app.state.flat_routes = tuple(iter_route_contexts(app.router.routes))
    routes: tuple[RouteContext, ...] = app.state.flat_routes
    return routes


def route_template(scope: Scope) -> str:
    """The path template of the route that served (or would have served) this request.

    Routing leaves the route in `scope["route"]`; a request refused before routing (no token) is matched
    against the app's routes here, which costs a routing pass only for those.
    """
    route = scope.get("route")
    if route is None:
        partial = None
        for candidate in _routes(scope["app"]):
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                route = candidate
                break
            if match is Match.PARTIAL and partial is None:
                partial = candidate
        route = route or partial
    return getattr(route, "path", None) or UNMATCHED


class HttpMetrics:
    """Count and time every HTTP request by method, route template and status.

    Plain ASGI rather than BaseHTTPMiddleware: it wraps the gateway's streaming proxy, the hot path.
    """

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, resolve: Callable[[Scope], str] = route_template
    ) -> None:
        self.app, self.metrics, self.resolve = app, metrics, resolve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        token = _serving.set(self.metrics)

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            _serving.reset(token)
            method = scope["method"] if scope["method"] in METHODS else OTHER_METHOD
            self.metrics.observe(method, self.resolve(scope), status, time.perf_counter() - started)


# --- the outbox ------------------------------------------------------------------------------------


class OutboxMetrics:
    """The outbox backlog, read from the database with one grouped query per scrape, and the delivery
    outcomes the app's dispatcher (`app.state.dispatcher`, if any) has recorded since it started."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._backlog: list[tuple[str, str, int, Any]] = []

    async def refresh(self) -> None:
        t = _OUTBOX
        statement = (
            select(t.c.topic, t.c.status, func.count(), func.min(t.c.created_at))
            .where(t.c.status.in_([OutboxStatus.pending, OutboxStatus.dead]))
            .group_by(t.c.topic, t.c.status)
        )
        try:
            async with self.app.state.db.engine.connect() as conn:
                self._backlog = [tuple(row) for row in (await conn.execute(statement)).all()]
        except Exception as exc:  # the request metrics stay scrapeable while the database is away
            log.warning("outbox backlog unreadable", extra={"fields": {"error": repr(exc)}})
            self._backlog = []

    def _topics(self) -> list[str]:
        dispatcher = getattr(self.app.state, "dispatcher", None)
        return list(dispatcher.handlers) if dispatcher is not None else []

    def collect(self) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "outbox_messages",
            "Outbox messages still to deliver (pending) or given up (dead)",
            labels=("topic", "status"),
        )
        oldest = GaugeMetricFamily(
            "outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox message", labels=("topic",)
        )
        counts = {(topic, status): 0 for topic in self._topics() for status in ("pending", "dead")}
        ages = dict.fromkeys(self._topics(), 0.0)
        now = utcnow()
        for topic, status, number, first in self._backlog:
            counts[(topic, status)] = number
            if status == OutboxStatus.pending:
                ages[topic] = max((now - aware(first)).total_seconds(), 0.0)
        for (topic, status), number in sorted(counts.items()):
            messages.add_metric((topic, status), number)
        for topic, age in sorted(ages.items()):
            oldest.add_metric((topic,), age)
        yield messages
        yield oldest
        yield self._deliveries()

    def _deliveries(self) -> Metric:
        family = CounterMetricFamily(
            "outbox_deliveries",
            "Outbox delivery attempts by topic and outcome (delivered, retry later, dead: given up)",
            labels=("topic", "outcome"),
        )
        dispatcher = getattr(self.app.state, "dispatcher", None)
        outcomes = dispatcher.outcomes if dispatcher is not None else {}
        for topic in self._topics():
            for outcome in DELIVERY_OUTCOMES:
                family.add_metric((topic, outcome), outcomes.get((topic, outcome), 0))
        return family


# --- the endpoint ----------------------------------------------------------------------------------


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_may_scrape(request: Request) -> None:
    """The scrape token when one is configured; otherwise loopback callers only."""
    token: str = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("metrics need the scrape token", headers={"WWW-Authenticate": "Bearer"})
    elif not _is_loopback(request.client.host if request.client else None):
        raise Forbidden("metrics are served to loopback callers only until METRICS_TOKEN is set")


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def serve_metrics(request: Request) -> Response:
    """The process's metrics in the Prometheus text format."""
    ensure_may_scrape(request)
    body = await request.app.state.metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)


def install(app: FastAPI, *, resolve: Callable[[Scope], str] = route_template) -> Metrics:
    """Give `app` its registry, `/metrics` and the request middleware; call after its other middleware,
    so the requests every other layer refuses are counted too."""
    metrics = Metrics()
    app.state.metrics = metrics
    app.include_router(router)
    app.add_middleware(HttpMetrics, metrics=metrics, resolve=resolve)
    return metrics
