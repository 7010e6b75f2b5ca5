"""The gateway lists every monitoring route (deny by default), no stale ones, and admits exactly the roles
the service itself admits on each route."""

import re
from typing import Any

from fastapi.routing import APIRoute

from gateway.policy import MONITORING_RULES, RULES, allowed
from services.monitoring.app import create_app
from services.monitoring.employment_routes import employment_router
from services.monitoring.figures import figures_router
from services.monitoring.guarantee_routes import guarantee_router
from services.monitoring.reward_routes import reward_router
from services.monitoring.routes import router
from services.monitoring.trends import trends_router
from shared.roles import Role

ROUTERS = (router, figures_router, trends_router, employment_router, guarantee_router, reward_router)


def _service_roles(dependant: Any) -> frozenset[Role] | None:
    """The roles a route's `require_roles` dependency lets through (found in its closure)."""
    for dependency in dependant.dependencies:
        call = dependency.call
        if getattr(call, "__qualname__", "") == "require_roles.<locals>._check":
            [cell] = call.__closure__
            return frozenset(cell.cell_contents)
        if (found := _service_roles(dependency)) is not None:
            return found
    return None


def _routes() -> dict[tuple[str, str], frozenset[Role] | None]:
    """Every API route of the service's routers (the OpenAPI check below finds a router left out)."""
    return {
        (method, re.sub(r"\{[^/]+\}", "{}", route.path)): _service_roles(route.dependant)
        for routes in ROUTERS
        for route in routes.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def test_every_route_is_listed_with_the_roles_the_service_admits() -> None:
    routes = _routes()
    documented = {
        (method.upper(), re.sub(r"\{[^/]+\}", "{}", path))
        for path, item in create_app().openapi()["paths"].items()
        if path.startswith("/api/")
        for method in item
    }
    assert documented == set(routes)
    rules = {
        (r.method, re.sub(r"\{[^/]+\}", "{}", r.path)): r.roles
        for r in (*RULES, *MONITORING_RULES)
        if r.path.startswith("/api/v1/monitoring/")
    }
    assert set(rules) == set(routes)
    for key, roles in routes.items():
        assert roles is not None, f"{key} has no role check in the service"
        assert rules[key] == roles, key


def test_roles_at_the_gateway() -> None:
    assert allowed("POST", "/api/v1/monitoring/cases/x/transitions", Role.village_official)
    assert not allowed("POST", "/api/v1/monitoring/cases/x/transitions", Role.auditor)
    assert allowed("GET", "/api/v1/monitoring/cases/x", Role.auditor)
    assert not allowed("GET", "/api/v1/monitoring/cases", Role.partner_agency)
    assert not allowed("GET", "/api/v1/monitoring/notices", Role.bank)
    assert allowed("POST", "/api/v1/monitoring/cases/x/objections/y/resolve", Role.township_official)
    assert not allowed("POST", "/api/v1/monitoring/cases/x/objections/y/resolve", Role.village_official)
    assert not allowed("POST", "/api/v1/monitoring/visits", Role.township_official)
    assert not allowed("GET", "/api/v1/monitoring/deliveries", Role.township_official)
    assert not allowed("DELETE", "/api/v1/monitoring/cases/x", Role.banner_admin)
