"""The browser session of the pages: the JWT in an HttpOnly cookie, and a double-submit CSRF token.

The pages read only the cookie (never a bearer header), and treat a bad or expired cookie as signed out.
Every state-changing page request must echo the `hj_csrf` cookie in the `csrf_token` form field or the
`X-CSRF-Token` header (htmx sends the header, set once on `<body hx-headers>`).
"""

from urllib.parse import urlsplit

from fastapi import Request, Response

from gateway.principal import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_matches,
    new_csrf_token,
)
from gateway.tokens import TokenResponse
from shared.auth import Principal, TokenVerifier
from shared.errors import Unauthorized


def session_principal(request: Request) -> Principal | None:
    """The signed-in official, or None when the session cookie is missing, expired or forged."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return verifier.verify(token)
    except Unauthorized:
        return None


def csrf_token(request: Request) -> str:
    """The token forms must echo: the cookie's, or a fresh one that `remember_csrf` will set."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.csrf_token = new_csrf_token()
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request minted the token."""
    token = getattr(request.state, "csrf_token", None)
    if token and token != request.cookies.get(CSRF_COOKIE):
        _set_cookie(request, response, CSRF_COOKIE, token)


def rotate_csrf(request: Request) -> None:
    """A new CSRF token from now on (at sign-in), so a token seen before cannot be replayed."""
    request.state.csrf_token = new_csrf_token()


async def csrf_ok(request: Request) -> bool:
    """Whether the request echoes the CSRF cookie (form field or header)."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    return csrf_matches(request, submitted)


def start_session(request: Request, response: Response, token: TokenResponse) -> None:
    _set_cookie(request, response, SESSION_COOKIE, token.access_token, max_age=token.expires_in)


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
