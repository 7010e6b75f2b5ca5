"""The gateway's own metrics: proxied requests labelled by the policy rule they match, calls to each upstream
service with their status and time to response headers, and token issuance outcomes."""

import functools
import re
import time
from collections.abc import Iterator
from types import SimpleNamespace

import aiohttp
from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from starlette.types import Scope
from yarl import URL

from gateway.policy import ASSETS_RULES, MONITORING_RULES, PAYMENTS_RULES, RULES
from gateway.routes import proxy, unrouted
from gateway.upstreams import service_for
from shared.metrics import LATENCY_BUCKETS, UNMATCHED, Metrics, install, route_template
from shared.settings import SERVICES, Settings

PROXY_PATHS = frozenset(route.path for route in (*proxy.routes, *unrouted.routes))  # type: ignore[attr-defined]
TOKEN_ROUTE = ("POST", "/auth/token")
TOKEN_OUTCOMES = {"200": "ok", "401": "bad_credentials", "429": "rate_limited", "422": "invalid_request"}


def _prefix(path: str) -> str:
    """The first three segments (`/api/v1/households`): the part every rule of one service area shares."""
    return "/".join(path.split("/", 4)[:4])


def _rule_templates() -> dict[tuple[str, str], tuple[re.Pattern[str], tuple[str, ...]]]:
    """Per method and prefix, one alternation of the rules' paths in policy order and the path of each
    branch, so one short regex pass names the template of a proxied request."""
    paths: dict[tuple[str, str], list[str]] = {}
    for rule in (*RULES, *MONITORING_RULES, *PAYMENTS_RULES, *ASSETS_RULES):
        paths.setdefault((rule.method, _prefix(rule.path)), []).append(rule.path)
    compiled = {}
    for key, templates in paths.items():
        branches = (re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(t)) for t in templates)
        compiled[key] = (re.compile("|".join(f"({b})" for b in branches)), tuple(templates))
    return compiled


_TEMPLATES = _rule_templates()


@functools.lru_cache(maxsize=4096)
def policy_template(method: str, path: str) -> str:
    """The policy rule path a request matches (`/api/v1/households/{id}`), or `unmatched`."""
    entry = _TEMPLATES.get(("GET" if method == "HEAD" else method, _prefix(path)))
    found = entry[0].fullmatch(path) if entry is not None else None
    return entry[1][found.lastindex - 1] if entry is not None and found and found.lastindex else UNMATCHED


def gateway_route(scope: Scope) -> str:
    """The route template, with the proxy's catch-all resolved to the policy rule behind it (a service's
    path straight away: the proxy serves it, and no routing pass is needed to say so)."""
    if service_for(scope["path"]) is not None:
        return policy_template(scope["method"], scope["path"])
    template = route_template(scope)
    return policy_template(scope["method"], scope["path"]) if template in PROXY_PATHS else template


class UpstreamCalls:
    """Every call the gateway makes to a service (proxied or its own) on the pooled aiohttp session, counted
    by status (`error` when it never answered) and timed from sending the request to the response headers
    (a streamed body is the caller's time, not the service's)."""

    def __init__(self, metrics: Metrics) -> None:
        self.calls = Counter(
            "gateway_upstream_requests",
            "Calls to the services by service and status code (error: unreachable or timed out)",
            ("service", "status"),
            registry=metrics.registry,
        )
        self.latency = Histogram(
            "gateway_upstream_duration_seconds",
            "Time from a call to a service to its response headers, by service",
            ("service",),
            buckets=LATENCY_BUCKETS,
            registry=metrics.registry,
        )

    def trace(self, settings: Settings) -> aiohttp.TraceConfig:
        """The session's request hooks (aiohttp tracing), for `Upstreams.open`."""
        urls = {name: URL(settings.service_url(name)) for name in SERVICES}
        services = {(url.host, url.port): name for name, url in urls.items()}
        config = aiohttp.TraceConfig()

        async def started(
            _: object, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
        ) -> None:
            context.started = time.perf_counter()

        async def answered(
            _: object, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
        ) -> None:
            service = services.get((params.url.host, params.url.port), UNMATCHED)
            self.calls.labels(service, str(params.response.status)).inc()
            self.latency.labels(service).observe(time.perf_counter() - context.started)

        async def failed(
            _: object, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
        ) -> None:
            self.calls.labels(services.get((params.url.host, params.url.port), UNMATCHED), "error").inc()

        config.on_request_start.append(started)
        config.on_request_end.append(answered)
        config.on_request_exception.append(failed)
        return config


class TokenOutcomes:
    """`POST /auth/token` answers as outcomes (ok, bad credentials, rate limited), read off the request
    counter at scrape time so sign-in pays nothing extra."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "gateway_token_requests", "Token requests by outcome", labels=("outcome",)
        )
        totals = dict.fromkeys(("ok", "bad_credentials", "rate_limited", "invalid_request", "error"), 0.0)
        for metric in self.metrics.requests.collect():
            for sample in metric.samples:
                labels = sample.labels
                if sample.name.endswith("_total") and (labels["method"], labels["route"]) == TOKEN_ROUTE:
                    totals[TOKEN_OUTCOMES.get(labels["status"], "error")] += sample.value
        for outcome, value in totals.items():
            family.add_metric((outcome,), value)
        yield family


def install_gateway_metrics(app: FastAPI) -> UpstreamCalls:
    """The shared request metrics with proxied routes named by policy, plus the gateway's own families."""
    metrics = install(app, resolve=gateway_route)
    metrics.registry.register(TokenOutcomes(metrics))  # type: ignore[arg-type]
    return UpstreamCalls(metrics)
