"""Inputs the contract suite found answered with 5xx or off the document, each now a refusal the caller can
read: a problem+json 4xx. Every request here is refused, so the shared stack's data stays as seeded."""

import httpx
import pytest

from deploy.stack import Stack
from services.registry.transfer import ImportProblem
from shared.errors import PROBLEM_JSON, Problem
from tests.conftest import TokenFactory, bearer


def refused(response: httpx.Response, status: int = 422) -> Problem:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return Problem.model_validate(response.json())


@pytest.fixture
def banner(token_for: TokenFactory) -> dict[str, str]:
    return bearer(token_for("banner_official", "150625"))


def test_a_path_segment_outside_ascii_reaches_the_service_intact(
    live_stack: Stack, banner: dict[str, str]
) -> None:
    """The proxy forwards the path as it came (percent-encoded); the service then judges the value."""
    response = httpx.get(live_stack.url("gateway") + "/api/v1/regions/%C2%9E%F3%A9%81%9D", headers=banner)
    problem = refused(response)
    assert problem.errors and problem.errors[0].field == "code"


def test_a_page_past_any_offset_is_refused(live_stack: Stack, token_for: TokenFactory) -> None:
    response = httpx.get(
        live_stack.url("gateway") + "/api/v1/admin/users",
        params={"page": 8822038059968326795264},
        headers=bearer(token_for("banner_admin", "150625")),
    )
    assert refused(response).errors[0].field == "page"  # type: ignore[index]


def test_an_amount_past_any_column_is_refused(live_stack: Stack, token_for: TokenFactory) -> None:
    item = {"kind": "pig", "mode": "per_unit", "unit": "头", "rate_fen": 10**19, "cap_quantity": 10}
    response = httpx.put(
        live_stack.url("gateway") + "/api/v1/payments/policies",
        json={"effective_from": "2031-01-01", "items": [item]},
        headers=bearer(token_for("banner_admin", "150625")),
    )
    assert refused(response).errors[0].field == "items.0.rate_fen"  # type: ignore[index]


def test_a_nul_byte_is_never_a_server_error(live_stack: Stack, banner: dict[str, str]) -> None:
    """PostgreSQL cannot hold a NUL in text: its refusal is the caller's 422; SQLite simply finds nothing."""
    search = httpx.get(
        live_stack.url("gateway") + "/api/v1/households", params={"q": "阿\x00"}, headers=banner
    )
    assert search.status_code in {200, 422}, search.text
    if search.status_code == 422:
        refused(search)


def test_a_notice_dated_past_the_programme_is_refused(live_stack: Stack, banner: dict[str, str]) -> None:
    """A day near the calendar's end used to overflow the notice-period rule into a 500."""
    project = {
        "name": "项目",
        "place": "锡尼镇",
        "content": "内容",
        "timeline": "2026年",
        "implementer": "合作社",
        "funding_fen": 100,
        "funding_source": "central",
        "use": "用途",
    }
    notice = {
        "title": "公示",
        "region_code": "150625",
        "projects": [project],
        "posted_on": "9999-12-30",
        "until": "9999-12-31",
    }
    response = httpx.post(live_stack.url("gateway") + "/api/v1/assets/notices", json=notice, headers=banner)
    assert {e.field for e in refused(response).errors or []} == {"posted_on", "until"}


def test_an_empty_import_is_refused_as_documented(live_stack: Stack, token_for: TokenFactory) -> None:
    """The 422 of an unreadable upload has the documented import-problem shape, without rows to fix."""
    response = httpx.post(
        live_stack.url("gateway") + "/api/v1/households/import",
        files={"file": ("households.csv", b"", "text/csv")},
        headers=bearer(token_for("village_official", "150625100201")),
    )
    refused(response)
    assert ImportProblem.model_validate(response.json()).rows == []


def test_a_body_that_is_not_text_is_a_documented_400(live_stack: Stack, token_for: TokenFactory) -> None:
    gateway = live_stack.url("gateway")
    response = httpx.post(
        gateway + "/api/v1/regions",
        content=b"\xff\xfeA",
        headers={**bearer(token_for("banner_admin", "150625")), "content-type": "application/json"},
    )
    refused(response, 400)
    document = httpx.get(gateway + "/openapi.json", timeout=60).json()
    assert PROBLEM_JSON in document["paths"]["/api/v1/regions"]["post"]["responses"]["400"]["content"]


def test_the_sign_in_documents_its_lockout(live_stack: Stack) -> None:
    document = httpx.get(live_stack.url("gateway") + "/openapi.json", timeout=60).json()
    lockout = document["paths"]["/auth/token"]["post"]["responses"]["429"]
    assert "Retry-After" in lockout["headers"] and PROBLEM_JSON in lockout["content"]
