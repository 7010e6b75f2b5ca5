"""Defence in depth: the gateway and every service, reached directly, refuse missing and forged tokens."""

import httpx
import pytest

from deploy.stack import Stack
from shared.settings import SERVICES
from tests.conftest import bearer
from tests.support.forgery import FORGERIES
from tests.support.keys import KeyPair

# A path under each process's /api/ (whether or not a route exists there yet, auth comes first).
API_PATH = {
    "gateway": "/api/v1/regions",
    "registry": "/api/v1/regions",
    "monitoring": "/api/v1/monitoring/cases",
    "payments": "/api/v1/payments/policies",
    "assets": "/api/v1/assets",
}


@pytest.mark.parametrize("process", ["gateway", *SERVICES])
def test_no_token_is_401_everywhere(live_stack: Stack, process: str) -> None:
    response = httpx.get(live_stack.url(process) + API_PATH[process])
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("process", ["gateway", *SERVICES])
@pytest.mark.parametrize("forge", FORGERIES, ids=lambda f: f.__name__)
def test_forged_tokens_are_401_everywhere(live_stack: Stack, keypair: KeyPair, process: str, forge) -> None:
    token = forge(keypair.private_pem, keypair.public_pem)
    response = httpx.get(live_stack.url(process) + API_PATH[process], headers=bearer(token))
    assert response.status_code == 401, response.text


def test_a_forged_session_cookie_is_401(live_stack: Stack, keypair: KeyPair) -> None:
    token = FORGERIES[0](keypair.private_pem, keypair.public_pem)
    response = httpx.get(live_stack.url("gateway") + "/auth/me", cookies={"hj_session": token})
    assert response.status_code == 401


@pytest.mark.parametrize("process", SERVICES)
def test_the_genuine_token_passes_the_same_check(live_stack: Stack, token_for, process: str) -> None:
    """The refusals above are about the token: a real one gets through to routing (200, or 404 where the
    service has no route at that path)."""
    response = httpx.get(
        live_stack.url(process) + API_PATH[process], headers=bearer(token_for("auditor", "150625"))
    )
    assert response.status_code in (200, 404)
    assert response.status_code == 200 or response.json()["title"] == "Not Found"
