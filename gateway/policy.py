"""Which roles may call which route (function-level access). Anything not listed is denied.

Object-level scope is the services' job: they filter every query by the caller's region.
"""

import re
from dataclasses import dataclass

from shared.roles import Role

EVERY_OFFICIAL = frozenset(Role) - {Role.bank}
BANNER_ADMIN = frozenset({Role.banner_admin})
BANNER_STAFF = frozenset({Role.banner_admin, Role.banner_official})
REGISTRARS = frozenset({Role.village_official, Role.township_official, Role.banner_official})


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    roles: frozenset[Role]

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", self.path) + "$")


RULES: tuple[Rule, ...] = (
    Rule("GET", "/api/v1/admin/users", BANNER_ADMIN),
    Rule("POST", "/api/v1/admin/users", BANNER_ADMIN),
    Rule("GET", "/api/v1/admin/clients", BANNER_ADMIN),
    Rule("POST", "/api/v1/admin/clients", BANNER_ADMIN),
    Rule("GET", "/api/v1/regions", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/regions/{code}", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/regions", BANNER_ADMIN),
    Rule("PATCH", "/api/v1/regions/{code}", BANNER_STAFF),
    Rule("GET", "/api/v1/households", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/households", REGISTRARS),
    Rule("GET", "/api/v1/households/import-template", REGISTRARS),
    Rule("POST", "/api/v1/households/import", REGISTRARS),
    Rule("GET", "/api/v1/households/export", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/households/lookup", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/households/{id}", EVERY_OFFICIAL),
    Rule("PATCH", "/api/v1/households/{id}", REGISTRARS),
    Rule("POST", "/api/v1/households/{id}/category-changes", REGISTRARS),
    Rule("GET", "/api/v1/households/{id}/history", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/stats/households", EVERY_OFFICIAL),
)

# Each domain keeps its own rows; RULES is what the gateway enforces.
MONITORING_RULES: tuple[Rule, ...] = ()

PAYMENTS_RULES: tuple[Rule, ...] = ()

ASSETS_RULES: tuple[Rule, ...] = ()

_COMPILED = [
    (rule.method, rule.pattern, rule.roles)
    for rule in (*RULES, *MONITORING_RULES, *PAYMENTS_RULES, *ASSETS_RULES)
]


def allowed(method: str, path: str, role: Role) -> bool:
    """Whether `role` may call `method path`; HEAD follows GET."""
    method = "GET" if method == "HEAD" else method
    return any(m == method and p.match(path) and role in roles for m, p, roles in _COMPILED)


def known_route(method: str, path: str) -> bool:
    method = "GET" if method == "HEAD" else method
    return any(m == method and p.match(path) for m, p, _ in _COMPILED)
