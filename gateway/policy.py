"""Which roles may call which route (function-level access). Anything not listed is denied.

Object-level scope is the services' job: they filter every query by the caller's region.
"""

import re
from dataclasses import dataclass

from shared.roles import ASSESSORS, Role

EVERY_OFFICIAL = frozenset(Role) - {Role.bank, Role.service}
BANNER_ADMIN = frozenset({Role.banner_admin})
BANNER_STAFF = frozenset({Role.banner_admin, Role.banner_official})
REGISTRARS = frozenset({Role.village_official, Role.township_official, Role.banner_official})
AUDITORS = frozenset({Role.auditor, Role.banner_official})
# The services' own clients reach only what their background work calls; each service checks which one.
SERVICE = frozenset({Role.service})


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    roles: frozenset[Role]

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", self.path) + "$")


RULES: tuple[Rule, ...] = (
    # Sign-out: whoever holds a token, a machine's too, may revoke it.
    Rule("POST", "/auth/logout", frozenset(Role)),
    Rule("GET", "/api/v1/admin/users", BANNER_ADMIN),
    Rule("POST", "/api/v1/admin/users", BANNER_ADMIN),
    Rule("GET", "/api/v1/admin/clients", BANNER_ADMIN),
    Rule("POST", "/api/v1/admin/clients", BANNER_ADMIN),
    # The people who do the work (seed §六(二)(三)(五)): the banner sends work teams and 第一书记; the
    # assessment, computed from the services' figures, is read by the townships, the banner and the auditor.
    Rule("GET", "/api/v1/admin/assignments", ASSESSORS),
    Rule("POST", "/api/v1/admin/assignments", BANNER_STAFF),
    Rule("GET", "/api/v1/assessments", ASSESSORS),
    Rule("GET", "/api/v1/assessments/export", ASSESSORS),
    Rule("GET", "/api/v1/monitoring/figures", ASSESSORS),
    Rule("GET", "/api/v1/payments/figures", ASSESSORS),
    Rule("GET", "/api/v1/regions", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/regions/{code}", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/regions", BANNER_ADMIN),
    Rule("PATCH", "/api/v1/regions/{code}", BANNER_STAFF),
    Rule("GET", "/api/v1/households", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/households", REGISTRARS),
    Rule("GET", "/api/v1/households/import-template", REGISTRARS),
    Rule("POST", "/api/v1/households/import", REGISTRARS),
    Rule("GET", "/api/v1/households/export", EVERY_OFFICIAL),
    # Payments reads a dividend plan's payees with its own client.
    Rule("POST", "/api/v1/households/lookup", EVERY_OFFICIAL | SERVICE),
    # The NDJSON bulk read batch work in other services uses (scoped like the list; a bank may not).
    Rule("GET", "/api/v1/households/stream", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/households/{id}", EVERY_OFFICIAL),
    Rule("PATCH", "/api/v1/households/{id}", REGISTRARS),
    # Monitoring's outbox sends the category changes of its procedure with its own client.
    Rule("POST", "/api/v1/households/{id}/category-changes", REGISTRARS | SERVICE),
    # ...and a visit's 三保障 and water findings (the registry answers monitoring's own client only).
    Rule("PUT", "/api/v1/households/{id}/guarantees", SERVICE),
    # ...and the members' illness, 低保 and 特困 flags the 医保 and 民政 lists state.
    Rule("POST", "/api/v1/households/members/flags", SERVICE),
    Rule("GET", "/api/v1/households/{id}/history", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/households/{id}/changes", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/stats/households", EVERY_OFFICIAL),
    # Resettlement sites (seed §五(四)): townships and the banner keep them and follow up their facilities;
    # the registrars link their households; every official reads them.
    Rule("GET", "/api/v1/resettlement-sites", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/resettlement-sites", frozenset({Role.township_official, Role.banner_official})),
    Rule("GET", "/api/v1/resettlement-sites/gaps", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/resettlement-sites/{id}", EVERY_OFFICIAL),
    Rule(
        "PUT",
        "/api/v1/resettlement-sites/{id}/facilities/{facility}",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule("POST", "/api/v1/resettlement-sites/{id}/households", REGISTRARS),
    # The audit, composed at the gateway from every service's log (each scopes it to the caller).
    Rule("GET", "/api/v1/audit", AUDITORS),
    Rule("GET", "/api/v1/audit/verify", AUDITORS),
)

# Each domain keeps its own rows; the gateway enforces all of them together.
MONITORING_RULES: tuple[Rule, ...] = (
    # Reads: every official tier, the departments and the auditor (not partner agencies or banks).
    *(
        Rule("GET", path, EVERY_OFFICIAL - {Role.partner_agency})
        for path in (
            "/api/v1/monitoring/cases",
            "/api/v1/monitoring/cases/{id}",
            "/api/v1/monitoring/notices",
            "/api/v1/monitoring/visits",
            "/api/v1/monitoring/roster",
            "/api/v1/monitoring/alerts",
            "/api/v1/monitoring/self-reports",
            "/api/v1/monitoring/thresholds/{year}",
            "/api/v1/monitoring/work-teams",
            "/api/v1/monitoring/plans",
            "/api/v1/monitoring/households/{id}/plan",
            "/api/v1/monitoring/findings",
            "/api/v1/monitoring/loans",
            "/api/v1/monitoring/loans/coverage",
            "/api/v1/monitoring/stats/cases",
            "/api/v1/monitoring/posts",
            "/api/v1/monitoring/trainings",
            "/api/v1/monitoring/workshops",
            "/api/v1/monitoring/work-relief",
            "/api/v1/monitoring/households/{id}/employment",
            "/api/v1/monitoring/dropouts",
            "/api/v1/monitoring/insurance",
            "/api/v1/monitoring/reimbursements",
            "/api/v1/monitoring/renovations",
            "/api/v1/monitoring/water-fixes",
            "/api/v1/monitoring/industry-results",
            "/api/v1/monitoring/industry-results/{id}",
        )
    ),
    # Casework: the three tiers and the village work team; the procedure's steps are checked per action
    # by the service (who may take which step), so the route admits every role that takes one.
    *(
        Rule(method, path, REGISTRARS | {Role.work_team})
        for method, path in (
            ("POST", "/api/v1/monitoring/cases"),
            ("POST", "/api/v1/monitoring/cases/{id}/objections"),
            ("POST", "/api/v1/monitoring/cases/{id}/measures"),
            ("PATCH", "/api/v1/monitoring/cases/{id}/measures/{mid}"),
            ("POST", "/api/v1/monitoring/cases/{id}/reliefs"),
            ("POST", "/api/v1/monitoring/alerts/{id}/open-case"),
            ("POST", "/api/v1/monitoring/alerts/{id}/dismiss"),
            # Assistance: household plans and microcredit are kept by the same officials.
            ("POST", "/api/v1/monitoring/plans"),
            ("PATCH", "/api/v1/monitoring/plans/{id}"),
            ("POST", "/api/v1/monitoring/plans/{id}/measures"),
            ("PATCH", "/api/v1/monitoring/plans/{id}/measures/{mid}"),
            ("POST", "/api/v1/monitoring/loans"),
            ("POST", "/api/v1/monitoring/loans/{id}/repayments"),
            # Employment (seed §五(八)): posts, workshops and work relief by the same officials.
            ("POST", "/api/v1/monitoring/posts"),
            ("POST", "/api/v1/monitoring/workshops"),
            ("POST", "/api/v1/monitoring/work-relief"),
            ("POST", "/api/v1/monitoring/work-relief/{id}/labour"),
        )
    ),
    # Trainings are recorded by the officials and by the departments that run them (人社局).
    Rule("POST", "/api/v1/monitoring/trainings", REGISTRARS | {Role.work_team, Role.department_officer}),
    # The three guarantees and water: recorded by the tiers and work team, and by the departments whose
    # data it is (教育 follow-ups, 医保 insurance and reimbursements, 住建 renovations, 水利 water fixes).
    *(
        Rule(method, path, REGISTRARS | {Role.work_team, Role.department_officer})
        for method, path in (
            ("POST", "/api/v1/monitoring/dropouts/follow-ups"),
            ("POST", "/api/v1/monitoring/insurance"),
            ("POST", "/api/v1/monitoring/reimbursements"),
            ("POST", "/api/v1/monitoring/renovations"),
            ("PATCH", "/api/v1/monitoring/renovations/{id}"),
            ("POST", "/api/v1/monitoring/water-fixes"),
            ("PATCH", "/api/v1/monitoring/water-fixes/{id}"),
        )
    ),
    # Payments reads the wages a month owes, and the 贴息 a year owes, with its own client when it drafts a
    # wage or interest-subsidy batch.
    Rule("GET", "/api/v1/monitoring/wage-entitlements", SERVICE),
    Rule("GET", "/api/v1/monitoring/loan-subsidies", SERVICE),
    Rule(
        "POST",
        "/api/v1/monitoring/cases/{id}/transitions",
        REGISTRARS | {Role.work_team, Role.department_officer},
    ),
    Rule(
        "POST", "/api/v1/monitoring/cases/{id}/objections/{oid}/resolve", frozenset({Role.township_official})
    ),
    Rule("POST", "/api/v1/monitoring/visits", frozenset({Role.village_official, Role.work_team})),
    # 以奖代补 (seed §五(五)): the village records a household's industry result and a visit verifies it.
    *(
        Rule("POST", path, frozenset({Role.village_official, Role.work_team}))
        for path in (
            "/api/v1/monitoring/industry-results",
            "/api/v1/monitoring/industry-results/{id}/verification",
        )
    ),
    *(
        Rule("POST", path, frozenset({Role.department_officer, Role.banner_official}))
        for path in ("/api/v1/monitoring/department-records", "/api/v1/monitoring/department-lists")
    ),
    # The public self-report form is relayed by the gateway with its own service token.
    Rule("POST", "/api/v1/monitoring/self-reports", frozenset({Role.banner_official})),
    Rule("PUT", "/api/v1/monitoring/thresholds/{year}", BANNER_STAFF),
    Rule("PUT", "/api/v1/monitoring/work-teams/{village}", BANNER_STAFF),
    Rule("GET", "/api/v1/monitoring/deliveries", BANNER_STAFF),
    Rule("POST", "/api/v1/monitoring/deliveries/{id}/replay", BANNER_STAFF),
)

_PAYMENT_READERS = EVERY_OFFICIAL - {Role.partner_agency}
_PAYMENT_REVIEWERS = frozenset({Role.township_official, Role.banner_official})
_BANNER_OFFICIAL = frozenset({Role.banner_official})
PAYMENTS_RULES: tuple[Rule, ...] = (
    Rule("GET", "/api/v1/payments/policies", _PAYMENT_READERS),
    Rule("PUT", "/api/v1/payments/policies", BANNER_ADMIN),
    Rule("POST", "/api/v1/payments/claims", REGISTRARS),
    Rule("GET", "/api/v1/payments/claims", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/claims/{id}", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/claims/{id}/approve", _PAYMENT_REVIEWERS),
    Rule("POST", "/api/v1/payments/claims/{id}/reject", _PAYMENT_REVIEWERS),
    Rule("GET", "/api/v1/payments/households/{id}/entitlements", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/households/{id}/lines", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/batches", _PAYMENT_REVIEWERS),
    # Assets' outbox hands approved dividend plans over with its own client; no person may.
    Rule("POST", "/api/v1/payments/batches/dividends", SERVICE),
    Rule("GET", "/api/v1/payments/batches", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/batches/{id}", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/batches/{id}/submit", _PAYMENT_REVIEWERS),
    Rule("POST", "/api/v1/payments/batches/{id}/approve", _BANNER_OFFICIAL),
    Rule("POST", "/api/v1/payments/batches/{id}/disburse", _BANNER_OFFICIAL),
    Rule("GET", "/api/v1/payments/batches/{id}/lines", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/batches/{id}/reconciliation", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/batches/{id}/notice", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/batches/{id}/return", _BANNER_OFFICIAL),
    Rule("POST", "/api/v1/payments/batches/{id}/cancel", _PAYMENT_REVIEWERS),
    Rule("POST", "/api/v1/payments/batches/{id}/repay-failed", _PAYMENT_REVIEWERS),
    Rule("POST", "/api/v1/payments/batches/{id}/statement", _BANNER_OFFICIAL),
    # Objections to a posted batch notice: heard in the village and above, settled by the township.
    Rule(
        "POST",
        "/api/v1/payments/batches/{id}/lines/{lid}/objections",
        frozenset({Role.village_official, Role.work_team, Role.township_official, Role.banner_official}),
    ),
    Rule("GET", "/api/v1/payments/batches/{id}/objections", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/objections/{id}/settle", frozenset({Role.township_official})),
    # Dual control over where money goes: the banner admin proposes the bank's endpoint, a banner official
    # (not the proposer) approves it.
    Rule("POST", "/api/v1/payments/webhook-endpoints", BANNER_ADMIN),
    Rule("POST", "/api/v1/payments/webhook-endpoints/{id}/approve", _BANNER_OFFICIAL),
    Rule("GET", "/api/v1/payments/webhook-endpoints", BANNER_STAFF),
    Rule("DELETE", "/api/v1/payments/webhook-endpoints/{id}", BANNER_ADMIN),
    Rule("GET", "/api/v1/payments/webhook-deliveries", BANNER_STAFF),
    Rule("POST", "/api/v1/payments/webhook-deliveries/{id}/replay", BANNER_STAFF),
    Rule("POST", "/api/v1/payments/bank-callbacks", frozenset({Role.bank})),
    Rule("GET", "/api/v1/payments/discrepancies", _PAYMENT_READERS),
    Rule("GET", "/api/v1/payments/stats/paid", _PAYMENT_READERS),
    Rule("POST", "/api/v1/payments/discrepancies/{id}/resolve", _BANNER_OFFICIAL),
)

ASSETS_RULES: tuple[Rule, ...] = (
    # Officials of every tier keep the register and draft plans (REGISTRARS); township and banner officials
    # approve plans (never their own: the service answers 409) and manage the fund, entities and products.
    Rule("GET", "/api/v1/assets", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets", REGISTRARS),
    Rule("GET", "/api/v1/assets/distributions", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/distributions", REGISTRARS),
    Rule("GET", "/api/v1/assets/distributions/distributable", REGISTRARS),
    # Payments checks a handed-over plan against this read, with its own client.
    Rule("GET", "/api/v1/assets/distributions/{id}", EVERY_OFFICIAL | SERVICE),
    # The officials who draft a plan publish it to the village (公示) before it may be approved.
    Rule("POST", "/api/v1/assets/distributions/{id}/publish", REGISTRARS),
    Rule(
        "POST",
        "/api/v1/assets/distributions/{id}/approve",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule("POST", "/api/v1/assets/distributions/{id}/cancel", REGISTRARS),
    Rule("GET", "/api/v1/assets/village-funds", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/households/{id}/dividends", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/entities", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/entities", frozenset({Role.township_official, Role.banner_official})),
    Rule("GET", "/api/v1/assets/products", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/products", frozenset({Role.township_official, Role.banner_official})),
    Rule("GET", "/api/v1/assets/fund", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/fund/investments", EVERY_OFFICIAL),
    Rule(
        "POST",
        "/api/v1/assets/fund/investments",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule(
        "POST",
        "/api/v1/assets/fund/investments/{id}/repayments",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule("GET", "/api/v1/assets/reports/special-funds", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/notices", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/notices", REGISTRARS),
    # Consumption assistance: the catalogue's four checks are decided where products are certified
    # (township and banner); sales are recorded in scope by officials of every tier and read like assets.
    Rule(
        "POST",
        "/api/v1/assets/products/{id}/checks",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule("GET", "/api/v1/assets/products/{id}", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/products/{id}/sales", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/products/{id}/sales", REGISTRARS),
    # 百企兴百村: village, township and banner officials record partnerships and deliveries in scope;
    # auditors and partner agencies read them as they read assets.
    Rule("GET", "/api/v1/assets/partnerships", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/partnerships", REGISTRARS),
    Rule("GET", "/api/v1/assets/partnerships/ranking", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/partnerships/{id}", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/partnerships/{id}/deliveries", REGISTRARS),
    # Money put in (§六(四)): banner officials allocate, set targets and publish the three-level notices;
    # township and banner officials record the values targets reached; everyone who reads assets reads it.
    Rule("GET", "/api/v1/assets/projects", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/projects", _BANNER_OFFICIAL),
    Rule(
        "PUT",
        "/api/v1/assets/projects/{id}/targets/{id}",
        frozenset({Role.township_official, Role.banner_official}),
    ),
    Rule("GET", "/api/v1/assets/allocations", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/allocations", _BANNER_OFFICIAL),
    Rule("POST", "/api/v1/assets/allocations/notices", _BANNER_OFFICIAL),
    Rule("GET", "/api/v1/assets/performance", EVERY_OFFICIAL),
    Rule("GET", "/api/v1/assets/{id}", EVERY_OFFICIAL),
    Rule("POST", "/api/v1/assets/{id}/status", REGISTRARS),
    Rule("POST", "/api/v1/assets/{id}/incomes", REGISTRARS),
)


def _by_method(rules: tuple[Rule, ...]) -> dict[str, list[tuple[re.Pattern[str], frozenset[Role]]]]:
    """The rules grouped by method, each path compiled once: a request looks only at its method's rules."""
    table: dict[str, list[tuple[re.Pattern[str], frozenset[Role]]]] = {}
    for rule in rules:
        table.setdefault(rule.method, []).append((rule.pattern, rule.roles))
    return table


_BY_METHOD = _by_method((*RULES, *MONITORING_RULES, *PAYMENTS_RULES, *ASSETS_RULES))


def _rules_for(method: str) -> list[tuple[re.Pattern[str], frozenset[Role]]]:
    return _BY_METHOD.get("GET" if method == "HEAD" else method, [])


def allowed(method: str, path: str, role: Role) -> bool:
    """Whether `role` may call `method path`; HEAD follows GET."""
    return any(role in roles and pattern.match(path) for pattern, roles in _rules_for(method))


def known_route(method: str, path: str) -> bool:
    return any(pattern.match(path) for pattern, _ in _rules_for(method))
