"""The gateway's own API: tokens, who-am-I, keys, user and client administration, and the proxy."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import Response

from gateway import accounts
from gateway.dependencies import AuthorizedDep, IssuerDep, UpstreamsDep, authorized
from gateway.keys import Jwks
from gateway.principal import CallerDep, require_principal, revoke
from gateway.schemas import ClientCreate, ClientCreated, ClientPage, Me, UserCreate, UserPage, UserPublic
from gateway.signin import sign_in
from gateway.tokens import TokenResponse
from gateway.upstreams import ROUTES, Upstreams
from shared.auth import Principal
from shared.db import SessionDep
from shared.errors import PROBLEM_JSON, Invalid, Problem, Unavailable

router = APIRouter(tags=["auth"])
admin = APIRouter(prefix="/api/v1/admin", tags=["admin"])
proxy = APIRouter()
unrouted = APIRouter()
PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses={
        429: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "too many failed sign-ins for this account from this address: try again after"
            " `Retry-After`",
            "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        }
    },
)
async def issue_token(
    request: Request,
    issuer: IssuerDep,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=128)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=128)] = None,
) -> TokenResponse:
    """OAuth2 password grant for officials, client-credentials grant for agencies and banks."""
    if grant_type == "password":
        if not username or not password:
            raise Invalid.field("username", "username and password are required")
        subject, role, region = await sign_in(request, kind="user", name=username, secret=password)
    else:
        if not client_id or not client_secret:
            raise Invalid.field("client_id", "client_id and client_secret are required")
        subject, role, region = await sign_in(request, kind="client", name=client_id, secret=client_secret)
    return issuer.issue(subject=subject, role=role, region=region)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def logout(request: Request, caller: AuthorizedDep) -> Response:
    """Sign out: the token is refused by the gateway and the services from now until it expires."""
    await revoke(request, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=Me)
async def me(session: SessionDep, caller: CallerDep) -> Me:
    name = await accounts.display_name(session, subject=caller.subject)
    return Me(username=caller.subject, display_name=name, role=caller.role, region=caller.region)


@router.get("/.well-known/jwks.json", response_model=Jwks)
async def jwks(issuer: IssuerDep) -> Jwks:
    """The public key services and partners verify tokens with."""
    return Jwks(keys=[issuer.jwk])


async def ensure_region_exists(
    upstreams: Upstreams, request: Request, principal: Principal, code: str
) -> None:
    """Users and clients may only be scoped to a region the registry knows."""
    response = await upstreams.call(
        "registry",
        "GET",
        f"/api/v1/regions/{code}",
        token=principal.token,
        request_id=request.state.request_id,
    )
    if response.status_code == status.HTTP_404_NOT_FOUND:
        raise Invalid.field("region", f"未知区域 {code}")
    if response.status_code != status.HTTP_200_OK:
        raise Unavailable(f"registry answered {response.status_code}")


@admin.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
async def create_user(
    request: Request, session: SessionDep, upstreams: UpstreamsDep, principal: AuthorizedDep, data: UserCreate
) -> UserPublic:
    """Create an official's account; the role must fit the region's tier (a village official a village)."""
    await ensure_region_exists(upstreams, request, principal, data.region)
    return await accounts.create_user(session, principal=principal, data=data)


@admin.get("/users", response_model=UserPage)
async def list_users(
    session: SessionDep,
    _: AuthorizedDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPage:
    items, total = await accounts.list_users(session, page=page, page_size=page_size)
    return UserPage(items=items, total=total, page=page, page_size=page_size)


@admin.post("/clients", response_model=ClientCreated, status_code=status.HTTP_201_CREATED)
async def create_client(
    request: Request,
    session: SessionDep,
    upstreams: UpstreamsDep,
    principal: AuthorizedDep,
    data: ClientCreate,
) -> ClientCreated:
    """Register a partner agency's or bank's system; the secret is shown once."""
    await ensure_region_exists(upstreams, request, principal, data.region)
    return await accounts.create_client(session, principal=principal, data=data)


@admin.get("/clients", response_model=ClientPage)
async def list_clients(
    session: SessionDep,
    _: AuthorizedDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClientPage:
    items, total = await accounts.list_clients(session, page=page, page_size=page_size)
    return ClientPage(items=items, total=total, page=page, page_size=page_size)


async def forward(request: Request) -> Response:
    """Everything else under /api goes to the service that owns it, once the policy allows the role.

    A bare Starlette route, not a FastAPI one: no dependency resolution or body handling on the hot path
    of every proxied call; the checks are the same as `AuthorizedDep`'s.
    """
    principal = authorized(request, require_principal(request))
    upstreams: Upstreams = request.app.state.upstreams
    return await upstreams.forward(request, token=principal.token)


# The services' areas, matched before anything else (the app includes this router first, so a proxied request
# is routed in a few steps, not after every page); the rest of /api comes last and `forward` answers it 404.
for _area, _ in ROUTES:
    proxy.add_route(_area + "{path:path}", forward, methods=PROXIED_METHODS, include_in_schema=False)
unrouted.add_route("/api/{path:path}", forward, methods=PROXIED_METHODS, include_in_schema=False)
