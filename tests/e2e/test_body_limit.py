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


def chunks(size: int, head: bytes = b"") -> Iterator[bytes]:
    yield head
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
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="h.csv"\r\n\r\n'
    size = DEFAULTS.registry_import_max_bytes
    response = httpx.post(url, content=chunks(size, head), headers=headers, timeout=60)
    assert_too_large(response)


def test_the_gateway_bounds_what_it_reads_itself(live_stack: Stack) -> None:
    """The sign-in is the gateway's own: a streamed form past the bound never reaches its parser."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    url = live_stack.url("gateway") + "/auth/token"
    assert_too_large(
        httpx.post(url, content=chunks(2 * DEFAULTS.max_body_bytes, b"username="), headers=headers)
    )
