"""Who is calling the gateway: a bearer token (API clients) or the session cookie (the pages).

A cookie is sent by the browser on its own, so state-changing calls that rely on it must also carry
the CSRF token (double-submit: the `csrf` cookie's value in a form field or `X-CSRF-Token` header).
"""

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request

from shared.auth import BEARER_CHALLENGE, Principal, TokenVerifier, bearer_token
from shared.errors import Forbidden, Unauthorized
from shared.revocation import Revocations

SESSION_COOKIE = "hj_session"
CSRF_COOKIE = "hj_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def principal_or_none(request: Request) -> Principal | None:
    """The verified caller, or None when no credential came with the request; a bad credential is 401."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request)
    from_cookie = token is None
    if from_cookie:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    principal = verifier.verify(token)
    if (
        from_cookie
        and request.method not in SAFE_METHODS
        and not csrf_matches(request, request.headers.get(CSRF_HEADER))
    ):
        raise Forbidden("CSRF token missing or wrong")
    request.state.principal = principal
    return principal


def require_principal(request: Request) -> Principal:
    principal = principal_or_none(request)
    if principal is None:
        raise Unauthorized("a bearer token is required", headers=BEARER_CHALLENGE)
    return principal


async def revoke(request: Request, principal: Principal) -> None:
    """Sign-out: the principal's token is refused everywhere from now on (API and pages alike)."""
    revocations: Revocations = request.app.state.revocations
    await revocations.revoke(principal.token_id, principal.expires_at)


CallerDep = Annotated[Principal, Depends(require_principal)]
