"""A throwaway RSA key pair for the test session, written where the settings expect key files."""

from dataclasses import dataclass
from pathlib import Path

from gateway.keys import generate_keypair


@dataclass(frozen=True)
class KeyPair:
    private_file: Path
    public_file: Path

    @property
    def public_pem(self) -> str:
        return self.public_file.read_text()

    @property
    def private_pem(self) -> str:
        return self.private_file.read_text()


def make_keypair(folder: Path) -> KeyPair:
    pair = KeyPair(folder / "jwt-private.pem", folder / "jwt-public.pem")
    generate_keypair(pair.private_file, pair.public_file)
    return pair
