"""The gateway hop: policy that denies by default, request ids end to end, the merged OpenAPI."""

import httpx

from deploy.stack import Stack
from tests.conftest import TokenFactory, bearer


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
    document = httpx.get(live_stack.url("gateway") + "/openapi.json").json()
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
