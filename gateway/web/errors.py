"""The two ways a page is not shown as asked, and the one place each becomes an answer: a page user who
is signed out goes to the sign-in page (keeping where they were), a refusal becomes the Chinese error page.
Handlers and dependencies raise them; nothing else turns them into responses."""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request, status
from fastapi.responses import RedirectResponse, Response

from gateway.principal import SAFE_METHODS
from gateway.web.render import error_page
from gateway.web.session import end_session, safe_next, session_principal

NOT_ALLOWED = "您的角色无权使用此功能。"
CSRF_REFUSED = "页面已过期或请求来源无法确认（CSRF 校验失败），请返回并刷新页面后重试。"


class SignedOut(Exception):
    """No usable session (none, expired, forged, revoked or a machine's token): sign in first."""


@dataclass
class Refusal(Exception):
    """The page cannot be shown as asked: the status and the Chinese reason the error page gives."""

    status_code: int
    message: str


def came_from(request: Request) -> str:
    """Where to return after signing in: this page for a GET, else the page the form was on."""
    if request.method in SAFE_METHODS:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        page = urlsplit(request.headers.get("hx-current-url") or request.headers.get("referer") or "/")
        target = page.path + (f"?{page.query}" if page.query else "")
    return safe_next(target)


def to_login(request: Request, exc: Exception) -> Response:
    """The sign-in page with `next`: a redirect, or `HX-Redirect` for htmx (which would swap a redirect)."""
    login = f"/login?next={quote(came_from(request), safe='/')}"
    response: Response
    if request.headers.get("hx-request") == "true":
        response = Response(status_code=status.HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": login})
    else:
        response = RedirectResponse(login, status_code=status.HTTP_303_SEE_OTHER)
    end_session(request, response)
    return response


def refused(request: Request, exc: Exception) -> Response:
    """The refusal as the Chinese error page (its message block only, for htmx)."""
    assert isinstance(exc, Refusal)
    return error_page(request, exc.status_code, exc.message, principal=session_principal(request))


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(SignedOut, to_login)
    app.add_exception_handler(Refusal, refused)
