"""The browser session of the pages: the JWT in an HttpOnly cookie, and a CSRF token bound to it.

The pages read only the cookie (never a bearer header), and treat a bad or expired cookie, or a machine's
token (a bank, a partner agency, a service client), as signed out. Every state-changing page request must
echo the CSRF token in the `csrf_token` form field or the `X-CSRF-Token` header (htmx sends the header, set
once on `<body hx-headers>`). Signed in, the token is an HMAC of the session token's `jti` with the secret
key, so a token from another session never passes; signed out (the sign-in and self-report forms) it is a
random value echoed from the `hj_csrf` cookie. The cookie always holds the current token, so the JSON API's
double-submit check (gateway/principal.py) accepts what the pages send.
"""

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request, Response
from jose import jwt

from gateway.principal import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, new_csrf_token
from gateway.tokens import TokenResponse
from shared.auth import Principal, TokenVerifier
from shared.errors import Unauthorized
from shared.roles import HUMAN_ROLES


def session_principal(request: Request) -> Principal | None:
    """The signed-in official, or None when the session cookie is missing, expired, forged or a machine's."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = verifier.verify(token)
    except Unauthorized:
        return None
    return principal if principal.role in HUMAN_ROLES else None


def session_csrf(request: Request, session_token: str) -> str:
    """The CSRF token of one session: the HMAC of its token's `jti` with the gateway's secret key."""
    jti = str(jwt.get_unverified_claims(session_token).get("jti", ""))
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, f"page-csrf:{jti}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms must echo: the session's, or (signed out) the cookie's or a fresh one that
    `remember_csrf` will set."""
    token = getattr(request.state, "csrf_token", None)
    if token:
        return token
    principal = session_principal(request)
    if principal is not None:
        token = session_csrf(request, principal.token)
    else:
        token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    request.state.csrf_token = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Keep the CSRF cookie equal to the current token."""
    token = getattr(request.state, "csrf_token", None)
    if token and token != request.cookies.get(CSRF_COOKIE):
        _set_cookie(request, response, CSRF_COOKIE, token)


async def csrf_ok(request: Request) -> bool:
    """Whether the request echoes its CSRF token (form field or header)."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    principal = session_principal(request)
    expected = session_csrf(request, principal.token) if principal else request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted and hmac.compare_digest(expected, submitted))


def start_session(request: Request, response: Response, token: TokenResponse) -> None:
    """Set the session cookie and the new session's CSRF token (a token seen before cannot be replayed)."""
    _set_cookie(request, response, SESSION_COOKIE, token.access_token, max_age=token.expires_in)
    request.state.csrf_token = session_csrf(request, token.access_token)
    remember_csrf(request, response)


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything pointing elsewhere becomes `/`."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 0x20 or ch == "\\" for ch in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"
