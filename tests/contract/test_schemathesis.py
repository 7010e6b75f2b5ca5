"""Every operation of the gateway's merged OpenAPI, fuzzed with a token of every role and with none.

What partners rely on: no input makes the system answer 5xx, every answer has a status code, content
type and body the document promises (problem+json for errors), and nothing but the public routes
answers without a bearer token (401 with a challenge).

Schemathesis' pytest integration (`from_fixture`) does not run on pytest 9.2 (it writes the node's
`_nodeid`, which pytest no longer has), so the operations are walked here with its Python API and the
failures of one caller are reported together.
"""

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.schemas import OpenApiSchema

from gateway.policy import allowed
from shared.errors import PROBLEM_JSON
from shared.roles import Role
from tests.conftest import TokenFactory, bearer

# Each role at a region of the tier it holds (`ROLE_TIERS`); the roles that may hold either the banner or
# a township are spread over both, so scoped reads run at every tier.
CALLERS: dict[Role, str] = {
    Role.banner_admin: "150625",
    Role.banner_official: "150625",
    Role.township_official: "150625100",
    Role.village_official: "150625100201",
    Role.work_team: "150625103201",
    Role.department_officer: "150625",
    Role.auditor: "150625103",
    Role.partner_agency: "150625200",
    Role.bank: "150625",
}
PUBLIC = {"POST /auth/token", "GET /.well-known/jwks.json", "GET /healthz", "GET /readyz"}
# Sign-out revokes the caller's token: fuzzed only without one, so every other operation keeps a live token
# (tests/gateway/test_signout.py and tests/e2e/test_gateway.py check what it does).
SPENDS_TOKEN = {"POST /auth/logout"}

# The same cases every run; a failure is reported as found (no shrinking). A caller the policy lets
# through gets valid and invalid input; one it refuses, and an anonymous caller, one valid request each:
# the gateway answers them before any input is read. That keeps the suite within a few minutes.
EXAMPLES = settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
REFUSAL = settings(EXAMPLES, max_examples=1)
# A whole-scope spreadsheet is seconds of work at the banner: one valid request per caller here, the
# export's filters are the registry's own tests' business.
BULK = {"GET /api/v1/households/export"}


def answers_anonymous_with_401(ctx: CheckContext, response: Response, case: Case) -> None:
    """Without a token, every route but the public ones refuses with 401, a challenge and a problem."""
    if case.operation.label in PUBLIC:
        return
    assert response.status_code == 401, f"answered {response.status_code} without a token"
    assert response.headers.get("www-authenticate", [""])[0].lower().startswith("bearer"), "no challenge"
    assert response.headers.get("content-type", [""])[0].startswith(PROBLEM_JSON), "not a problem"


def fuzz(schema: OpenApiSchema, role: Role | None, headers: dict[str, str] | None) -> list[str]:
    """Each operation as `role` would call it; one piece of evidence per distinct failure."""
    extra = [answers_anonymous_with_401] if role is None else []
    found: dict[tuple[str, str], str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if role is not None and operation.label in SPENDS_TOKEN:
            continue
        admitted = operation.label in PUBLIC or (
            role and allowed(operation.method.upper(), operation.path, role)
        )
        if admitted and operation.label not in BULK:
            budget = EXAMPLES
            cases = st.one_of(*(operation.as_strategy(mode) for mode in GenerationMode))
        else:
            budget, cases = REFUSAL, operation.as_strategy(GenerationMode.POSITIVE)

        @budget
        @given(case=cases)
        def run(case: Case) -> None:
            try:
                case.call_and_validate(headers=headers, additional_checks=extra)
            except FailureGroup as group:
                titles = ", ".join(sorted(failure.title for failure in group.exceptions))
                found.setdefault((case.operation.label, titles), f"{case.operation.label}: {group}")
            except requests.RequestException as exc:
                found.setdefault(
                    (case.operation.label, "no answer"), f"{case.operation.label}: no answer: {exc!r}"
                )

        run()
    return list(found.values())


@pytest.mark.parametrize("role", [*CALLERS, None], ids=lambda role: role or "anonymous")
def test_the_gateway_keeps_its_documented_contract(
    gateway_schema: OpenApiSchema, role: Role | None, token_for: TokenFactory
) -> None:
    headers = bearer(token_for(role, CALLERS[role])) if role else None
    failures = fuzz(gateway_schema, role, headers)
    assert not failures, f"{len(failures)} contract failures:\n\n" + "\n\n".join(failures)


def test_only_the_sign_in_the_keys_and_health_are_public(gateway_schema: OpenApiSchema) -> None:
    """The document says which operations need no token; that list must not grow by accident."""
    default = gateway_schema.raw_schema.get("security", [])
    public = {
        f"{method.upper()} {path}"
        for path, item in gateway_schema.raw_schema["paths"].items()
        for method, operation in item.items()
        if operation.get("security", default) == []
    }
    assert public == PUBLIC
