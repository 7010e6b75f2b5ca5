"""Every process serves Prometheus metrics to a scraper holding the scrape token, and to no one else; the
gateway never relays a public /api/ call to a service's /metrics."""

import http.client
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.stack import Stack
from shared.settings import PROCESSES, SERVICES
from tests.conftest import METRICS_TOKEN, TokenFactory, bearer

SCRAPER = bearer(METRICS_TOKEN)
HOUSEHOLD_TEMPLATE = "/api/v1/households/{id}"


def scrape(stack: Stack, process: str) -> dict[str, list]:
    """Sample lists by family name, from one process's /metrics."""
    response = httpx.get(stack.url(process) + "/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def value(families: dict[str, list], name: str, **labels: str) -> float:
    """The sum of the samples called `name` (or `name_total`) whose labels include `labels`."""
    return sum(
        s.value
        for samples in families.values()
        for s in samples
        if s.name in (name, name + "_total") and labels.items() <= s.labels.items()
    )


@pytest.fixture
def traffic(live_stack: Stack, token_for: TokenFactory) -> list[str]:
    """Sign-ins that succeed and fail, reads through the proxy, bank callbacks the payments service refuses;
    returns the household ids asked for (none exists)."""
    gateway = live_stack.url("gateway")
    token = httpx.post(gateway + "/auth/token", data={"username": "banner", "password": "hangjin-demo"})
    assert token.status_code == 200
    wrong = httpx.post(gateway + "/auth/token", data={"username": "banner", "password": "not-the-password"})
    assert wrong.status_code == 401
    official = bearer(token.json()["access_token"])
    ids = [str(uuid.uuid4()) for _ in range(2)]
    for household in ids:
        assert httpx.get(gateway + f"/api/v1/households/{household}", headers=official).status_code == 404
    assert httpx.get(gateway + "/api/v1/regions", headers=official).status_code == 200
    bank = bearer(token_for("bank", "150625"))
    callback = {"instruction_id": str(uuid.uuid4()), "status": "paid", "bank_reference": "REF-1"}
    unsigned = httpx.post(gateway + "/api/v1/payments/bank-callbacks", json=callback, headers=bank)
    assert unsigned.status_code == 400
    stale = {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(int(time.time()) - 3600),
        "webhook-signature": "v1,x",
    }
    response = httpx.post(
        gateway + "/api/v1/payments/bank-callbacks", json=callback, headers={**bank, **stale}
    )
    assert response.status_code == 400
    return ids


def test_every_process_counts_and_times_its_requests_by_route_template(
    live_stack: Stack, traffic: list[str]
) -> None:
    for process in PROCESSES:
        families = scrape(live_stack, process)
        assert value(families, "http_requests", method="GET", route="/readyz", status="200") >= 1, process
        assert value(families, "http_request_duration_seconds_count", route="/readyz") >= 1, process

    gateway, registry = scrape(live_stack, "gateway"), scrape(live_stack, "registry")
    assert value(gateway, "http_requests", method="GET", route=HOUSEHOLD_TEMPLATE, status="404") >= 2
    assert value(registry, "http_requests", route="/api/v1/households/{household_id}", status="404") >= 2
    labels = {
        v for families in (gateway, registry) for s in families["http_requests"] for v in s.labels.values()
    }
    assert not [v for v in labels if any(household in v for household in traffic)]  # never a raw path


@pytest.mark.usefixtures("traffic")
def test_the_gateway_reports_upstream_calls_and_token_outcomes(live_stack: Stack) -> None:
    gateway = scrape(live_stack, "gateway")
    assert value(gateway, "gateway_upstream_requests", service="registry", status="200") >= 1
    assert value(gateway, "gateway_upstream_requests", service="registry", status="404") >= 2
    assert value(gateway, "gateway_upstream_requests", service="payments", status="400") >= 2
    assert value(gateway, "gateway_upstream_duration_seconds_count", service="registry") >= 3
    assert value(gateway, "gateway_token_requests", outcome="ok") >= 1
    assert value(gateway, "gateway_token_requests", outcome="bad_credentials") >= 1


@pytest.mark.usefixtures("traffic")
def test_services_report_their_outbox_and_payments_its_refused_callbacks(live_stack: Stack) -> None:
    for service in SERVICES:
        families = scrape(live_stack, service)
        for family in ("outbox_messages", "outbox_oldest_pending_age_seconds", "outbox_deliveries"):
            assert family in families, (service, family)
    payments = scrape(live_stack, "payments")
    assert {s.labels["topic"] for s in payments["outbox_deliveries"]} == {"bank.disbursement"}
    backlog = {(s.labels["topic"], s.labels["status"]) for s in payments["outbox_messages"]}
    assert {("bank.disbursement", "pending"), ("bank.disbursement", "dead")} <= backlog
    assert value(payments, "payments_bank_callbacks_refused", reason="malformed") >= 1
    assert value(payments, "payments_bank_callbacks_refused", reason="too_old") >= 1


@pytest.mark.parametrize("process", PROCESSES)
def test_metrics_need_the_scrape_token(live_stack: Stack, token_for: TokenFactory, process: str) -> None:
    url = live_stack.url(process) + "/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=bearer("not-the-scrape-token")).status_code == 401
    # A user's token is no scrape token, even the banner administrator's.
    assert httpx.get(url, headers=bearer(token_for("banner_admin", "150625"))).status_code == 401


def raw_get(url: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """GET `path` exactly as written (no dot-segment clean-up), as a hostile client would send it."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/api/metrics",
        "/api/v1/metrics",
        "/api/v1/households/metrics",
        "/api/v1/regions/../../../metrics",
        "/api/v1/regions/..%2F..%2F..%2Fmetrics",
        "/api/v1/payments/../../../metrics",
    ],
)
def test_the_gateway_does_not_relay_to_a_service_metrics(
    live_stack: Stack, token_for: TokenFactory, path: str
) -> None:
    status, body = raw_get(live_stack.url("gateway"), path, bearer(token_for("banner_admin", "150625")))
    assert status != 200
    assert "# TYPE" not in body and "http_requests_total" not in body
