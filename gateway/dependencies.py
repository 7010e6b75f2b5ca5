"""Dependencies of the gateway's routes."""

from typing import Annotated

from fastapi import Depends, Request

from gateway.policy import allowed
from gateway.principal import CallerDep
from gateway.tokens import TokenIssuer
from gateway.upstreams import Upstreams
from shared.auth import Principal
from shared.errors import Forbidden


def get_upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


def get_issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.issuer
    return issuer


def authorized(request: Request, caller: CallerDep) -> Principal:
    """The caller, if the policy lets its role call this route (403 otherwise)."""
    if not allowed(request.method, request.url.path, caller.role):
        raise Forbidden(f"role {caller.role} may not call {request.method} {request.url.path}")
    return caller


UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]
IssuerDep = Annotated[TokenIssuer, Depends(get_issuer)]
AuthorizedDep = Annotated[Principal, Depends(authorized)]
