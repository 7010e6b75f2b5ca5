"""One dedicated stack for the fault tests, on PostgreSQL only: these tests kill, stop and restart its
processes, so they never share the session's `live_stack`.

The stack is shared by the package (bringing five processes up on fresh, seeded databases costs about
25 s on a 2-core machine); every test leaves each process running again, restarting any it killed.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from deploy.bank_simulator import Ledger
from deploy.stack import Stack
from shared.settings import PROCESSES
from tests.conftest import bearer, require_postgres, seeded_stack
from tests.e2e.test_admin import login
from tests.faults.flows import Headers
from tests.faults.invariants import paid_before
from tests.support.keys import KeyPair

# Demo users (gateway/seed.py), password `hangjin-demo`.
USERS = ("admin", "banner", "banner2", "xini", "asier", "asier-team", "bayin", "minzheng")
CHECKER_PASSWORD = "checker-password-1"


@pytest.fixture(scope="package")
def fault_stack(keypair: KeyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_postgres()
    with seeded_stack("postgresql", keypair, tmp_path_factory.mktemp("faults")) as stack:
        yield stack


@pytest.fixture(scope="package")
def bank_records(fault_stack: Stack) -> list[Ledger]:
    """What every bank of this package's tests saw, after the bank that paid the demo's batches before them;
    the invariants compare the system's payments with it."""
    return [asyncio.run(paid_before(fault_stack))]


@pytest.fixture(autouse=True)
def all_processes_running(fault_stack: Stack) -> Iterator[None]:
    """A test starts and ends with all five processes up, so one test's fault never leaks into the next."""
    assert not fault_stack.exited(), f"exited before the test: {fault_stack.exited()}"
    yield
    running = fault_stack.processes
    names = [name for name in PROCESSES if name not in running or running[name].poll() is not None]
    for name in names:
        fault_stack.start(name)
    fault_stack.wait_ready(names)


@pytest.fixture
async def gw(fault_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fault_stack.url("gateway"), timeout=60) as client:
        yield client


@pytest.fixture(scope="package")
def people(fault_stack: Stack) -> dict[str, Headers]:
    """Bearer headers of the demo users, each from a real login at the gateway (once: logins are slow on
    purpose, and the tokens outlive the package)."""
    return {name: bearer(login(fault_stack, name)) for name in USERS}


@pytest.fixture(scope="package")
def checkers(fault_stack: Stack, people: dict[str, Headers]) -> list[Headers]:
    """Four banner officials who may approve the same thing at once: the two demo ones and two more the
    admin makes."""
    made = []
    for _ in range(2):
        username = f"checker-{uuid.uuid4().hex[:8]}"
        body = {
            "username": username,
            "password": CHECKER_PASSWORD,
            "role": "banner_official",
            "region": "150625",
        }
        created = httpx.post(
            fault_stack.url("gateway") + "/api/v1/admin/users", json=body, headers=people["admin"]
        )
        assert created.status_code == 201, created.text
        made.append(bearer(login(fault_stack, username, CHECKER_PASSWORD)))
    return [people["banner"], people["banner2"], *made]
