"""Tokens an attacker might try: each must be refused with 401 by the gateway and by every service."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwe, jwt

from shared.settings import JWT_AUDIENCE, JWT_ISSUER


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def valid_claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "sub": "mallory",
        "role": "banner_admin",
        "region": "150625",
        "jti": "x",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def alg_none(_private: str, _public: str) -> str:
    return _unsigned({"alg": "none", "typ": "JWT"}, valid_claims()) + "."


def hs256_with_public_key(_private: str, public: str) -> str:
    signing_input = _unsigned({"alg": "HS256", "typ": "JWT"}, valid_claims())
    signature = hmac.new(public.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _signed(private: str, **overrides: object) -> str:
    return jwt.encode(valid_claims(**overrides), private, algorithm="RS256")


def without(claim: str) -> Callable[[str, str], str]:
    def _forge(private: str, _public: str) -> str:
        return _signed(private, **{claim: None})

    _forge.__name__ = f"without_{claim}"
    return _forge


def expired(private: str, _public: str) -> str:
    return _signed(private, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)


def wrong_issuer(private: str, _public: str) -> str:
    return _signed(private, iss="https://evil.example")


def wrong_audience(private: str, _public: str) -> str:
    return _signed(private, aud="someone-else")


def tampered_payload(private: str, _public: str) -> str:
    header, _payload, signature = _signed(private, role="village_official", region="150625100201").split(".")
    forged = _b64(json.dumps(valid_claims()).encode())
    return f"{header}.{forged}.{signature}"


def other_key(_private: str, _public: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _signed(pem.decode())


def encrypted_jwe(_private: str, public: str) -> str:
    token = jwe.encrypt(json.dumps(valid_claims()), public, algorithm="RSA-OAEP", encryption="A256GCM")
    return token.decode() if isinstance(token, bytes) else token


def unknown_role(private: str, _public: str) -> str:
    return _signed(private, role="superuser")


FORGERIES: tuple[Callable[[str, str], str], ...] = (
    alg_none,
    hs256_with_public_key,
    without("exp"),
    without("aud"),
    without("iat"),
    without("iss"),
    without("sub"),
    expired,
    wrong_issuer,
    wrong_audience,
    tampered_payload,
    other_key,
    encrypted_jwe,
    unknown_role,
)
