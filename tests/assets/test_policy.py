"""The gateway lists every assets route with its roles (deny by default), and no stale ones."""

import re

from gateway.policy import ASSETS_RULES, allowed, known_route
from services.assets.app import create_app
from shared.roles import Role


def test_every_assets_route_is_known_to_the_gateway_and_no_rule_is_stale() -> None:
    schema = create_app().openapi()
    routes = {
        (method.upper(), re.sub(r"\{[^/]+\}", "{id}", path))
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method in item
    }
    assert all(known_route(method, path.replace("{id}", "x")) for method, path in routes)
    assert {(r.method, r.path) for r in ASSETS_RULES} == routes


def test_roles_at_the_gateway() -> None:
    assert allowed("GET", "/api/v1/assets/fund", Role.auditor)
    assert not allowed("GET", "/api/v1/assets", Role.bank)
    assert allowed("POST", "/api/v1/assets/distributions", Role.village_official)
    assert not allowed("POST", "/api/v1/assets/distributions/x/approve", Role.village_official)
    assert allowed("POST", "/api/v1/assets/distributions/x/approve", Role.township_official)
    assert not allowed("POST", "/api/v1/assets/fund/investments", Role.village_official)
    assert not allowed("DELETE", "/api/v1/assets/x", Role.banner_admin)


def test_who_puts_money_in_and_who_records_partnerships_and_sales() -> None:
    assert allowed("POST", "/api/v1/assets/allocations", Role.banner_official)
    assert not allowed("POST", "/api/v1/assets/allocations", Role.township_official)
    assert not allowed("POST", "/api/v1/assets/allocations/notices", Role.banner_admin)
    assert allowed("PUT", "/api/v1/assets/projects/x/targets/y", Role.township_official)
    assert allowed("GET", "/api/v1/assets/performance", Role.auditor)
    assert allowed("POST", "/api/v1/assets/partnerships/x/deliveries", Role.village_official)
    assert not allowed("POST", "/api/v1/assets/partnerships", Role.partner_agency)
    assert allowed("GET", "/api/v1/assets/partnerships/ranking", Role.partner_agency)
    assert allowed("POST", "/api/v1/assets/products/x/sales", Role.village_official)
    assert not allowed("POST", "/api/v1/assets/products/x/checks", Role.village_official)
    assert not allowed("GET", "/api/v1/assets/products/x/sales", Role.bank)
