"""The dependencies of the pages: who the page user is and whether they may use this page (the API
operation it stands for, asked of `gateway.policy` as the JSON API would), and the CSRF check every
state-changing page request passes. Failures raise `SignedOut` or `Refusal` (gateway/web/errors.py)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gateway import accounts
from gateway.policy import allowed
from gateway.principal import SAFE_METHODS
from gateway.web.errors import CSRF_REFUSED, NOT_ALLOWED, Refusal, SignedOut
from gateway.web.session import csrf_ok, session_principal
from shared.auth import Principal

Operation = tuple[str, str]  # (method, API route as gateway/policy.py lists it)


class _Placeholders(dict[str, str]):
    """A page's path parameters for `str.format_map`; any other `{name}` stays a template's placeholder."""

    def __missing__(self, name: str) -> str:
        return f"{{{name}}}"


@dataclass(frozen=True)
class PageUser:
    """The signed-in official, if their role may call `operation` (any official when it is None).

    The operation names its route as gateway/policy.py lists it, `{id}` and all; a placeholder named like
    one of the page's path parameters takes its value, so `("POST", f"{BATCHES}/{{id}}/{{action}}")`
    guards `/payments/batches/{batch_id}/{action}` with the policy of the action asked for."""

    operation: Operation | None = None

    def __call__(self, request: Request) -> Principal:
        principal = session_principal(request)
        if principal is None:
            raise SignedOut
        if self.operation is not None:
            method, route = self.operation
            if not allowed(method, route.format_map(_Placeholders(request.path_params)), principal.role):
                raise Refusal(403, NOT_ALLOWED)
        return principal


Official = Annotated[Principal, Depends(PageUser())]
"""Any signed-in official; a page guarding an operation declares its own alias, named May<Method><What>,
e.g. `MayPostHouseholds = Annotated[Principal, Depends(PageUser(("POST", HOUSEHOLDS)))]`."""


async def check_csrf(request: Request) -> None:
    """Every unsafe page request echoes its CSRF token (see gateway/web/session.py), or is refused."""
    if request.method not in SAFE_METHODS and not await csrf_ok(request):
        raise Refusal(403, CSRF_REFUSED)


async def official_name(request: Request) -> None:
    """The signed-in official's own name for the top bar (their login name when none is on record)."""
    if (principal := session_principal(request)) is not None:
        async with request.app.state.db.session_scope() as session:
            request.state.display_name = await accounts.display_name(session, subject=principal.subject)


def page_router() -> APIRouter:
    """A router for pages: out of the OpenAPI, every unsafe route CSRF-checked, the official's name read."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf), Depends(official_name)])
