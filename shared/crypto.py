"""Field encryption for sensitive personal data (PIPL art. 28; 等保 2.0 confidentiality at rest).

A value is stored twice, and never in clear: AES-256-GCM ciphertext tagged with the key id (so keys can
rotate: new writes use the active key, old rows still decrypt), and an HMAC-SHA256 digest under a separate
lookup key, for uniqueness constraints and exact search. A copy of the database alone reveals neither.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyConfigError(ValueError):
    """The key settings are malformed."""


def parse_keys(spec: str) -> dict[str, bytes]:
    """`"k2:<base64>,k1:<base64>"` → ordered {key id: 32-byte key}; the first is the active key."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise KeyConfigError(f"key {key_id!r} is not base64") from None
        if not key_id.isalnum() or len(key) != 32:
            raise KeyConfigError(f"key {key_id!r} must be an alphanumeric id and 32 bytes of base64")
        keys[key_id] = key
    if not keys:
        raise KeyConfigError("no encryption key configured")
    return keys


def new_key() -> str:
    """A fresh 32-byte key, base64, for operators rotating keys."""
    return base64.b64encode(os.urandom(32)).decode()


@dataclass(frozen=True)
class Sealer:
    """AES-256-GCM under rotating keys: a value a service keeps sealed and opens again itself."""

    keys: dict[str, bytes]
    # Built once per key: an import encrypts millions of numbers.
    _aead: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aead", {key_id: AESGCM(key) for key_id, key in self.keys.items()})

    @classmethod
    def from_setting(cls, encryption_keys: str) -> "Sealer":
        return cls(parse_keys(encryption_keys))

    @property
    def active_key_id(self) -> str:
        return next(iter(self.keys))

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.active_key_id].encrypt(nonce, value.encode(), None)
        return f"{self.active_key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str) -> str:
        key_id, _, encoded = token.partition(":")
        raw = base64.b64decode(encoded)
        return self._aead[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()

    def needs_rotation(self, token: str) -> bool:
        return not token.startswith(self.active_key_id + ":")


@dataclass(frozen=True)
class FieldCipher(Sealer):
    """A `Sealer` that also digests values under a separate key, for a unique index and exact search."""

    lookup_key: bytes
    _hmac: "hmac.HMAC" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "_hmac", hmac.new(self.lookup_key, digestmod=hashlib.sha256))

    @classmethod
    def from_settings(cls, encryption_keys: str, lookup_key: str) -> "FieldCipher":
        return cls(parse_keys(encryption_keys), base64.b64decode(lookup_key))

    def digest(self, value: str) -> str:
        """Deterministic keyed digest for equality (unique index, exact search)."""
        mac = self._hmac.copy()
        mac.update(value.encode())
        return mac.hexdigest()
