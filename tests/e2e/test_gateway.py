"""The gateway hop: policy that denies by default, request ids end to end, the merged OpenAPI, sign-out
and the sign-in limit shared through Redis, and what every real server answers at its edge."""

import uuid

import httpx
import pytest

from deploy.stack import Stack
from shared.errors import PROBLEM_JSON
from tests.conftest import TokenFactory, bearer, free_port


def test_the_proxy_forwards_within_scope(live_stack: Stack, token_for: TokenFactory) -> None:
    headers = bearer(token_for("township_official", "150625103"))
    [township] = httpx.get(live_stack.url("gateway") + "/api/v1/regions", headers=headers).json()
    assert township["name"] == "独贵塔拉镇"
    assert {v["parent_code"] for v in township["children"]} == {"150625103"}


def test_request_id_is_kept_and_passed_on(live_stack: Stack, token_for: TokenFactory) -> None:
    headers = {**bearer(token_for("auditor", "150625")), "X-Request-ID": "req-abc-123"}
    response = httpx.get(live_stack.url("gateway") + "/api/v1/regions/150625999", headers=headers)
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "req-abc-123"
    assert response.headers.get_list("x-request-id") == ["req-abc-123"]
    assert response.json()["request_id"] == "req-abc-123"  # the registry saw the same id


def test_a_request_id_is_made_when_none_is_sent(live_stack: Stack) -> None:
    response = httpx.get(live_stack.url("gateway") + "/healthz")
    assert len(response.headers["x-request-id"]) == 32


def test_unknown_routes_are_denied_by_default(live_stack: Stack, token_for: TokenFactory) -> None:
    headers = bearer(token_for("banner_admin", "150625"))
    gateway = live_stack.url("gateway")
    assert httpx.get(gateway + "/api/v1/secrets", headers=headers).status_code == 403
    assert httpx.delete(gateway + "/api/v1/regions/150625100", headers=headers).status_code == 403
    assert httpx.get(gateway + "/api/v1/secrets").status_code == 401


def test_a_bank_may_not_read_the_region_tree(live_stack: Stack, token_for: TokenFactory) -> None:
    response = httpx.get(
        live_stack.url("gateway") + "/api/v1/regions", headers=bearer(token_for("bank", "150625"))
    )
    assert response.status_code == 403


def test_merged_openapi_has_every_public_route_with_schemas(live_stack: Stack) -> None:
    document = httpx.get(live_stack.url("gateway") + "/openapi.json", timeout=60).json()
    paths = document["paths"]
    for path in (
        "/auth/token",
        "/auth/me",
        "/.well-known/jwks.json",
        "/api/v1/admin/users",
        "/api/v1/admin/clients",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
    ):
        assert path in paths, path
    assert "/healthz" not in paths or "get" in paths["/healthz"]
    assert "/api/{path}" not in paths and "/login" not in paths
    region = paths["/api/v1/regions/{code}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert region == {"$ref": "#/components/schemas/RegionPublic"}
    assert {"RegionPublic", "UserCreate", "Problem"} <= set(document["components"]["schemas"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_health_and_readiness_of_every_process(live_stack: Stack) -> None:
    for process in live_stack.ports:
        assert httpx.get(live_stack.url(process) + "/healthz").json() == {"status": "ok"}
        assert httpx.get(live_stack.url(process) + "/readyz").json() == {"status": "ok"}


def _needs_redis(stack: Stack) -> None:
    if not stack.env.get("REDIS_URL"):
        pytest.skip("Redis is not reachable: the live stack runs on the in-process fallback")


def test_a_token_used_after_logout_is_refused_by_the_gateway_and_the_services(
    live_stack: Stack, token_for: TokenFactory
) -> None:
    _needs_redis(live_stack)
    headers = bearer(token_for("banner_official", "150625", "logout-e2e"))
    gateway, registry = live_stack.url("gateway"), live_stack.url("registry")
    assert httpx.get(gateway + "/api/v1/regions", headers=headers).status_code == 200
    assert httpx.get(registry + "/api/v1/regions", headers=headers).status_code == 200  # verified, cached
    assert httpx.post(gateway + "/auth/logout", headers=headers).status_code == 204
    for url in (gateway + "/auth/me", gateway + "/api/v1/regions", registry + "/api/v1/regions"):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 401, url
        assert refused.headers["www-authenticate"] == "Bearer"


def test_two_gateway_processes_share_the_sign_in_count(live_stack: Stack) -> None:
    """Failures spread over two gateway processes add up: the sixth attempt is refused at either."""
    _needs_redis(live_stack)
    second = Stack(ports={**live_stack.ports, "gateway": free_port()}, env=live_stack.env)
    second.start("gateway")
    try:
        second.wait_ready(["gateway"])
        account = {"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "guess"}
        codes = [
            httpx.post(stack.url("gateway") + "/auth/token", data=account).status_code
            for stack in (live_stack, second, live_stack, second, live_stack, second, live_stack)
        ]
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429], codes
    finally:
        second.stop_all()


def test_every_process_says_nosniff_and_names_no_server(live_stack: Stack) -> None:
    for process in live_stack.ports:
        response = httpx.get(live_stack.url(process) + "/healthz")
        assert response.headers.get_list("x-content-type-options") == ["nosniff"], process
        assert "server" not in response.headers, process


def test_a_path_with_cr_lf_is_a_400_problem_everywhere(live_stack: Stack, token_for: TokenFactory) -> None:
    headers = bearer(token_for("banner_official", "150625"))
    for base in (live_stack.url("gateway"), live_stack.url("registry")):
        for path in ("/api/v1/households/%0d%0a", "/api/v1/households/%0D%0AX-Injected:%201"):
            response = httpx.get(base + path, headers=headers)
            assert response.status_code == 400, (base, path, response.text)
            assert response.headers["content-type"] == PROBLEM_JSON
