"""The gateway's RSA signing key: generated for local use, mounted from a Secret in production."""

import base64
import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel


class Jwk(BaseModel):
    kty: str
    use: str
    alg: str
    kid: str
    n: str
    e: str


class Jwks(BaseModel):
    keys: list[Jwk]


def generate_keypair(private_file: Path, public_file: Path) -> None:
    """Write a new 2048-bit RSA key pair as PEM files (private key readable by the owner only)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_file.parent.mkdir(parents=True, exist_ok=True)
    private_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    private_file.chmod(0o600)
    public_file.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_pem: str) -> Jwk:
    """The public key as a JWK, with an RFC 7638 thumbprint as its `kid`."""
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    numbers = key.public_numbers()
    n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
    thumbprint = hashlib.sha256(f'{{"e":"{e}","kty":"RSA","n":"{n}"}}'.encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return Jwk(kty="RSA", use="sig", alg="RS256", kid=kid, n=n, e=e)
