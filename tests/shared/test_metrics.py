"""Prometheus metrics: requests labelled by route template (never the raw path), the outbox backlog read from
the database at scrape time, delivery outcomes counted by the dispatcher, one registry per app, and who may
scrape."""

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from gateway.metrics import policy_template
from gateway.policy import ASSETS_RULES, MONITORING_RULES, PAYMENTS_RULES, RULES, Rule
from services.monitoring.models import outbox as kernel_outbox
from services.registry.app import create_app as create_registry
from services.registry.models import outbox as registry_outbox
from shared.db import Database
from shared.errors import install_error_handlers
from shared.metrics import Metrics, OutboxMetrics, count, install
from shared.outbox import Dispatcher, GiveUp, Message, RetryLater, RetryPolicy, enqueue, utcnow
from shared.settings import Settings

pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")

Samples = dict[tuple[tuple[str, str], ...], float]


def samples(exposition: str, name: str) -> Samples:
    """The values of one sample name, keyed by their sorted labels."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
        if s.name == name
    }


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def small_app(settings: Settings | None = None) -> FastAPI:
    """An app with one templated route and one that counts in a domain counter."""
    app = FastAPI()
    app.state.settings = settings or Settings()
    install_error_handlers(app)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    @app.post("/refusals")
    async def refusal() -> dict[str, bool]:
        count("things_refused", "Things refused", reason="too_old")
        return {"counted": True}

    install(app)
    return app


def client(app: FastAPI, host: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://testserver"
    )


async def scrape(http: httpx.AsyncClient, **headers: str) -> str:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


# --- requests --------------------------------------------------------------------------------------


async def test_requests_are_counted_by_route_template_never_the_raw_path() -> None:
    async with client(small_app()) as http:
        for thing in ("thing-1", "thing-2", "thing-3"):
            assert (await http.get(f"/things/{thing}")).status_code == 200
        assert (await http.get("/no/such/page-42")).status_code == 404
        assert (await http.request("BREW", "/things/thing-4")).status_code == 405
        text = await scrape(http)

    requests = samples(text, "http_requests_total")
    assert requests[labels(method="GET", route="/things/{thing_id}", status="200")] == 3
    assert requests[labels(method="GET", route="unmatched", status="404")] == 1
    assert requests[labels(method="OTHER", route="/things/{thing_id}", status="405")] == 1
    durations = samples(text, "http_request_duration_seconds_count")
    assert durations[labels(method="GET", route="/things/{thing_id}")] == 3
    assert not [key for key in requests if any("thing-" in v or "page-42" in v for _, v in key)]


async def test_each_app_keeps_its_own_registry() -> None:
    first, second = small_app(), small_app()
    async with client(first) as one, client(second) as two:
        await one.get("/things/a")
        await one.post("/refusals")
        assert samples(await scrape(one), "things_refused_total") == {labels(reason="too_old"): 1}
        other = await scrape(two)
    assert labels(method="GET", route="/things/{thing_id}", status="200") not in samples(
        other, "http_requests_total"
    )
    assert samples(other, "things_refused_total") == {}


def test_a_domain_count_outside_any_request_changes_nothing() -> None:
    count("things_refused", "Things refused", reason="too_old")  # no app is serving: no error, no effect


@pytest.mark.usefixtures("clean_databases")
async def test_a_service_labels_requests_it_refuses_before_routing(
    settings: Settings, asgi_client_factory
) -> None:
    registry = await asgi_client_factory(create_registry(settings))
    assert (await registry.get(f"/api/v1/households/{uuid.uuid4()}")).status_code == 401
    requests = samples(await scrape(registry), "http_requests_total")
    refused = [dict(key) for key in requests if dict(key)["status"] == "401"]
    assert refused == [{"method": "GET", "route": "/api/v1/households/{household_id}", "status": "401"}]


# --- the gateway's proxied routes ------------------------------------------------------------------


def concrete(rule: Rule) -> str:
    return "/".join("id-7f3a" if part.startswith("{") else part for part in rule.path.split("/"))


@pytest.mark.parametrize(
    "rule", [*RULES, *MONITORING_RULES, *PAYMENTS_RULES, *ASSETS_RULES], ids=lambda r: f"{r.method} {r.path}"
)
def test_a_proxied_request_is_labelled_with_its_policy_rule(rule: Rule) -> None:
    assert policy_template(rule.method, concrete(rule)) == rule.path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/households/a/b/c"),
        ("GET", "/api/v1/nothing-here"),
        ("BREW", "/api/v1/households"),
        ("GET", "/api/v1/households/"),
    ],
)
def test_a_request_no_rule_allows_is_unmatched(method: str, path: str) -> None:
    assert policy_template(method, path) == "unmatched"


# --- the outbox ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("clean_databases")
async def test_the_outbox_backlog_is_read_from_the_database_at_each_scrape(
    settings: Settings, asgi_client_factory
) -> None:
    registry = await asgi_client_factory(create_registry(settings))
    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as session:
            waiting = [
                await enqueue(session, registry_outbox, topic="a", payload={}, idempotency_key=f"a-{i}")
                for i in range(2)
            ]
            dead = await enqueue(session, registry_outbox, topic="a", payload={}, idempotency_key="a-dead")
            await enqueue(session, registry_outbox, topic="b", payload={}, idempotency_key="b-0")
            delivered = await enqueue(session, registry_outbox, topic="b", payload={}, idempotency_key="b-1")
            t = registry_outbox
            await session.execute(update(t).where(t.c.id == dead).values(status="dead"))
            await session.execute(update(t).where(t.c.id == delivered).values(status="delivered"))
            await session.execute(
                update(t).where(t.c.id == waiting[0]).values(created_at=utcnow() - timedelta(minutes=10))
            )
        text = await scrape(registry)
        assert samples(text, "outbox_messages") == {
            labels(topic="a", status="pending"): 2,
            labels(topic="a", status="dead"): 1,
            labels(topic="b", status="pending"): 1,
        }
        ages = samples(text, "outbox_oldest_pending_age_seconds")
        assert ages[labels(topic="a")] >= 600
        assert ages[labels(topic="b")] < 600

        async with db.session_scope() as session:
            await session.execute(update(t).where(t.c.id.in_(waiting)).values(status="delivered"))
        after = samples(await scrape(registry), "outbox_messages")
        assert labels(topic="a", status="pending") not in after
        assert after[labels(topic="a", status="dead")] == 1
    finally:
        await db.dispose()


async def test_the_dispatcher_counts_each_delivery_by_topic_and_outcome(db: Database) -> None:
    async def accept(message: Message) -> None:
        return None

    async def busy(message: Message) -> None:
        raise RetryLater("receiver answered 503")

    async def refuse(message: Message) -> None:
        raise GiveUp("receiver refused the message")

    app = FastAPI()
    app.state.db = db
    app.state.dispatcher = Dispatcher(
        db,
        kernel_outbox,
        {"fx.ok": accept, "fx.busy": busy, "fx.refused": refuse},
        policy=RetryPolicy(base_seconds=0.0, max_delay_seconds=0.0),
    )
    metrics = Metrics()
    metrics.on_scrape(OutboxMetrics(app))
    async with db.session_scope() as session:
        for topic in ("fx.ok", "fx.busy", "fx.refused"):
            await enqueue(session, kernel_outbox, topic=topic, payload={}, idempotency_key=topic)
    assert await app.state.dispatcher.dispatch_due() == 3
    assert await app.state.dispatcher.dispatch_due() == 1  # the busy one, due again at once

    text = (await metrics.exposition()).decode()
    deliveries = samples(text, "outbox_deliveries_total")
    assert deliveries[labels(topic="fx.ok", outcome="delivered")] == 1
    assert deliveries[labels(topic="fx.busy", outcome="retry")] == 2
    assert deliveries[labels(topic="fx.refused", outcome="dead")] == 1
    assert deliveries[labels(topic="fx.ok", outcome="dead")] == 0  # every topic's series exists from 0
    backlog = samples(text, "outbox_messages")
    assert backlog[labels(topic="fx.busy", status="pending")] == 1
    assert backlog[labels(topic="fx.refused", status="dead")] == 1
    assert backlog[labels(topic="fx.ok", status="pending")] == 0


# --- who may scrape --------------------------------------------------------------------------------


async def test_without_a_scrape_token_only_loopback_callers_are_served() -> None:
    app = small_app()
    async with client(app, host="10.20.30.40") as remote:
        refused = await remote.get("/metrics")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    async with client(app, host="::1") as local:
        await scrape(local)


async def test_with_a_scrape_token_every_caller_must_present_it() -> None:
    app = small_app(Settings(metrics_token="scrape-token-1"))
    async with client(app) as local, client(app, host="10.20.30.40") as remote:
        assert (await local.get("/metrics")).status_code == 401
        assert (await remote.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert "http_requests_total" in await scrape(remote, Authorization="Bearer scrape-token-1")
