"""A partner's Python client, generated from the live gateway's `/openapi.json` as a partner would.

It is generated into a temporary directory for each stack and imported from there (never committed), so
a change to the contract that the generator cannot read, or that drops an operation or a model, fails
the tests that use it.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from deploy.stack import Stack

CONFIG = Path(__file__).with_name("openapi-python-client.yaml")
PACKAGE = "hangjin_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@dataclass(frozen=True)
class GeneratedClient:
    """The generated package and the gateway it talks to."""

    base_url: str
    document: dict[str, Any]

    def module(self, name: str) -> ModuleType:
        """A generated module, e.g. `api.payments.file_claim` or `models`."""
        return importlib.import_module(f"{PACKAGE}.{name}")

    def api(self, operation: str) -> ModuleType:
        """An operation's module by tag and operation id, e.g. `payments.file_claim`."""
        return self.module(f"api.{operation}")

    def anonymous(self) -> Any:
        return self.module("client").Client(base_url=self.base_url, raise_on_unexpected_status=True)

    def signed_in(self, token: str) -> Any:
        return self.module("client").AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True
        )


def generate(document: Path, output: Path) -> None:
    """The partner's one command (README "Partner client"); any generator warning is a failure."""
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(output),
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"the client cannot be generated from /openapi.json:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def generated_client(
    live_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GeneratedClient]:
    folder = tmp_path_factory.mktemp("partner-client")
    response = httpx.get(live_stack.url("gateway") + "/openapi.json", timeout=60)
    response.raise_for_status()
    document = folder / "openapi.json"
    document.write_bytes(response.content)
    generate(document, folder / PACKAGE)
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield GeneratedClient(base_url=live_stack.url("gateway"), document=response.json())
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
