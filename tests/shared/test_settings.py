"""Production refuses default secrets, but only those a process uses."""

import pytest

from shared.settings import Settings


def test_local_runs_on_the_defaults() -> None:
    for process in ("gateway", "registry", "monitoring"):
        Settings(hangjin_env="local").require_secrets(process)


@pytest.mark.parametrize(
    ("process", "missing"),
    [
        ("gateway", "SECRET_KEY"),
        ("registry", "ID_ENCRYPTION_KEYS"),
        ("payments", "SERVICE_CLIENTS_SECRET"),
        ("payments", "INSTRUCTION_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_a_default_secret_the_process_uses(process: str, missing: str) -> None:
    given = {
        "secret_key": "s",
        "service_clients_secret": "c",
        "id_encryption_keys": "k1:" + "A" * 43 + "=",
        "id_lookup_key": "l",
        "instruction_encryption_keys": "k1:" + "B" * 43 + "=",
    }
    given.pop(missing.lower())
    with pytest.raises(ValueError, match=missing):
        Settings(hangjin_env="production", **given).require_secrets(process)


def test_a_service_does_not_need_the_registry_keys_or_the_gateway_secret() -> None:
    Settings(hangjin_env="production", service_clients_secret="c").require_secrets("monitoring")
