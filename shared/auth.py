"""Token verification, the one place every process checks a bearer token.

RS256 only, with an explicit algorithm list, and `exp`, `iat`, `aud`, `iss` and `sub` all required:
`alg: none`, HS256 made with the public key, JWE and tampered tokens are refused with 401.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from jose import jwk, jwt
from jose.exceptions import JOSEError

from shared.errors import Forbidden, Unauthorized
from shared.regions import is_region_code
from shared.roles import Role
from shared.settings import JWT_AUDIENCE, JWT_ISSUER

ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub")
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
VERIFIED_CACHE_SIZE = 10_000  # tokens kept verified per process; the cache starts over when full


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or an API client, with one role and one region scope."""

    subject: str
    role: Role
    region: str
    token: str = field(default="", repr=False)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class TokenVerifier:
    """Checks tokens against the gateway's public key."""

    def __init__(self, public_key_pem: str, *, issuer: str = JWT_ISSUER, audience: str = JWT_AUDIENCE):
        self._key = jwk.construct(public_key_pem, ALGORITHMS[0])  # parsed once, not on every request
        self._issuer = issuer
        self._audience = audience
        self._verified: dict[str, tuple[Principal, float]] = {}  # token → (its principal, its expiry)

    @classmethod
    def from_file(cls, path: Path) -> "TokenVerifier":
        return cls(path.read_text())

    def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is not verified again until it expires."""
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        principal, expires = self._principal(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, expires)
        return principal

    def _principal(self, token: str) -> tuple[Principal, float]:
        claims = self._claims(token)
        try:
            role = Role(claims["role"])
        except (KeyError, ValueError):
            raise Unauthorized("token has no valid role", headers=BEARER_CHALLENGE) from None
        region = claims.get("region")
        if not isinstance(region, str) or not is_region_code(region):
            raise Unauthorized("token has no valid region", headers=BEARER_CHALLENGE)
        principal = Principal(subject=str(claims["sub"]), role=role, region=region, token=token)
        return principal, float(claims["exp"])

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            if jwt.get_unverified_header(token).get("alg") not in ALGORITHMS:
                raise Unauthorized("token algorithm not accepted", headers=BEARER_CHALLENGE)
            return jwt.decode(
                token,
                self._key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                options={f"require_{claim}": True for claim in REQUIRED_CLAIMS},
            )
        except JOSEError as exc:
            raise Unauthorized(f"invalid token: {exc}", headers=BEARER_CHALLENGE) from None


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def get_principal(request: Request) -> Principal:
    """The caller of a service request; services trust only a valid bearer token, never the network.

    Verified once per request and kept on `request.state`.
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        token = bearer_token(request)
        if token is None:
            raise Unauthorized("a bearer token is required", headers=BEARER_CHALLENGE)
        verifier: TokenVerifier = request.app.state.verifier
        principal = request.state.principal = verifier.verify(token)
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only `roles` through (403 otherwise) and returns the principal."""

    def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role} may not do this")
        return principal

    return _check
