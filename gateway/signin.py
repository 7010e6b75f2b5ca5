"""Signing in (the token endpoint and the sign-in page): the credentials checked under the rate limit."""

from fastapi import Request

from gateway import accounts
from gateway.ratelimit import client_address, limits_of
from shared.errors import Unauthorized
from shared.roles import Role


async def sign_in(request: Request, *, kind: str, name: str, secret: str) -> tuple[str, Role, str]:
    """(subject, role, region) for a good password (kind `user`) or client secret (kind `client`); 401
    otherwise, and 429 once this account has failed too often from this caller's address."""
    limits, account, address = limits_of(request), f"{kind}:{name}", client_address(request)
    await limits.ensure_sign_in_allowed(account, address)
    try:
        signed_in = await accounts.authenticate(request.app.state.db, kind=kind, name=name, secret=secret)
    except Unauthorized:
        await limits.sign_in_failed(account, address)
        raise
    await limits.sign_in_succeeded(account, address)
    return signed_in
