"""Issuing access tokens: RS256 JWTs with `sub`, `role`, `region`, `jti`, `iat`, `exp`, `aud`, `iss`."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from jose import jwt
from pydantic import BaseModel

from gateway.keys import Jwk, public_jwk
from shared.roles import Role
from shared.settings import JWT_AUDIENCE, JWT_ISSUER


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class TokenIssuer:
    def __init__(self, private_pem: str, *, lifetime: timedelta = timedelta(hours=1)):
        self._private_pem = private_pem
        private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_pem = public_pem.decode()
        self.jwk: Jwk = public_jwk(self.public_pem)
        self.lifetime = lifetime

    @classmethod
    def from_file(cls, path: Path, *, lifetime: timedelta = timedelta(hours=1)) -> "TokenIssuer":
        return cls(path.read_text(), lifetime=lifetime)

    def issue(self, *, subject: str, role: Role, region: str) -> TokenResponse:
        now = datetime.now(UTC)
        claims = {
            "iss": JWT_ISSUER,
            "aud": JWT_AUDIENCE,
            "sub": subject,
            "role": role.value,
            "region": region,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
        }
        token = jwt.encode(claims, self._private_pem, algorithm="RS256", headers={"kid": self.jwk.kid})
        return TokenResponse(access_token=token, expires_in=int(self.lifetime.total_seconds()))
