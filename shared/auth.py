"""Token verification, the one place every process checks a bearer token.

RS256 only, with an explicit algorithm list, and `exp`, `iat`, `aud`, `iss`, `sub` and `jti` all required:
`alg: none`, HS256 made with the public key, JWE and tampered tokens are refused with 401, and so is a
signed-out token (shared/revocation.py), whether or not it was verified before.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from jose import jwk, jwt
from jose.exceptions import JOSEError

from shared.errors import Forbidden, Unauthorized
from shared.regions import is_region_code
from shared.roles import Role
from shared.settings import JWT_AUDIENCE, JWT_ISSUER

if TYPE_CHECKING:
    from shared.revocation import Revocations

ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub", "jti")
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}
VERIFIED_CACHE_SIZE = 10_000  # tokens kept verified per process; the cache starts over when full


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user or an API client, with one role and one region scope."""

    subject: str
    role: Role
    region: str
    token: str = field(default="", repr=False)
    token_id: str = field(default="", repr=False)  # the token's `jti`, what sign-out revokes
    expires_at: float = field(default=0.0, repr=False)  # the token's `exp`, how long its revocation is kept

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class TokenVerifier:
    """Checks tokens against the gateway's public key."""

    def __init__(
        self,
        public_key_pem: str,
        *,
        revocations: "Revocations | None" = None,
        issuer: str = JWT_ISSUER,
        audience: str = JWT_AUDIENCE,
    ):
        self._key = jwk.construct(public_key_pem, ALGORITHMS[0])  # parsed once, not on every request
        self._revocations = revocations
        self._issuer = issuer
        self._audience = audience
        self._verified: dict[str, Principal] = {}  # token → its principal

    @classmethod
    def from_file(cls, path: Path, *, revocations: "Revocations | None" = None) -> "TokenVerifier":
        return cls(path.read_text(), revocations=revocations)

    def verify(self, token: str) -> Principal:
        """The token's principal; a token already verified is not verified again until it expires, but its
        revocation is checked on every call."""
        principal = self._verified.get(token)
        if principal is None or principal.expires_at <= time.time():
            principal = self._principal(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = principal
        if self._revocations is not None and self._revocations.is_revoked(principal.token_id):
            raise Unauthorized("token has been revoked (signed out)", headers=BEARER_CHALLENGE)
        return principal

    def _principal(self, token: str) -> Principal:
        claims = self._claims(token)
        try:
            role = Role(claims["role"])
        except (KeyError, ValueError):
            raise Unauthorized("token has no valid role", headers=BEARER_CHALLENGE) from None
        region = claims.get("region")
        if not isinstance(region, str) or not is_region_code(region):
            raise Unauthorized("token has no valid region", headers=BEARER_CHALLENGE)
        return Principal(
            subject=str(claims["sub"]),
            role=role,
            region=region,
            token=token,
            token_id=str(claims["jti"]),
            expires_at=float(claims["exp"]),
        )

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


async def principal_dependency(request: Request) -> Principal:
    """`get_principal` as a coroutine: FastAPI runs a plain function dependency in a worker thread, a
    hand-off that costs more than the (cached) verification itself."""
    return get_principal(request)


PrincipalDep = Annotated[Principal, Depends(principal_dependency)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only `roles` through (403 otherwise) and returns the principal."""

    async def _check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"role {principal.role} may not do this")
        return principal

    return _check
