"""Bodies past the bound are refused at the gateway with 413 before they are read or forwarded, declared or
streamed; the shared stack's data stays as seeded (every request here is refused)."""

from collections.abc import Iterator

import httpx
import pytest

from deploy.stack import Stack
from shared.errors import PROBLEM_JSON
from shared.settings import Settings
from tests.conftest import TokenFactory, bearer

DEFAULTS = Settings()


def chunks(size: int) -> Iterator[bytes]:
    piece = b" " * 65536
    for _ in range(size // len(piece) + 1):
        yield piece


@pytest.fixture
def banner(token_for: TokenFactory) -> dict[str, str]:
    return bearer(token_for("banner_official", "150625"))


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_a_declared_body_past_the_bound_is_refused(live_stack: Stack, banner: dict[str, str]) -> None:
    body = b"{" + b" " * DEFAULTS.max_body_bytes + b"}"
    url = live_stack.url("gateway") + "/api/v1/households"
    assert_too_large(httpx.post(url, content=body, headers={**banner, "content-type": "application/json"}))


def test_a_streamed_body_past_the_bound_is_refused(live_stack: Stack, banner: dict[str, str]) -> None:
    """Chunked, with no Content-Length: the gateway counts it while it streams it on, then answers 413."""
    url = live_stack.url("gateway") + "/api/v1/households"
    headers = {**banner, "content-type": "application/json"}
    assert_too_large(httpx.post(url, content=chunks(2 * DEFAULTS.max_body_bytes), headers=headers))


def test_a_streamed_upload_past_the_import_bound_is_refused(
    live_stack: Stack, banner: dict[str, str]
) -> None:
    url = live_stack.url("gateway") + "/api/v1/households/import"
    headers = {**banner, "content-type": "multipart/form-data; boundary=x"}
    response = httpx.post(
        url, content=chunks(DEFAULTS.registry_import_max_bytes + 1), headers=headers, timeout=60
    )
    assert_too_large(response)
