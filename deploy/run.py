"""`make run`: keys, migrations and demo data, then the gateway, the four services and the bank simulator
(the demo's agent bank, so a disbursed batch is paid through signed webhooks and callbacks) until Ctrl-C."""

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx

from deploy.manage import ensure_keys, migrate, register_service_clients, seed
from deploy.stack import Stack
from gateway.seed import DEMO_BANK_CLIENT_ID, DEMO_PASSWORD, DEMO_USERS, demo_bank_client_secret
from services.payments.demo import DEMO_BANK_HOST, DEMO_BANK_PORT, DEMO_BANK_SECRET, DEMO_BANK_URL
from shared.settings import DEFAULT_PORTS, Settings, get_settings


def start_bank_simulator(settings: Settings, gateway: str, timeout: float = 30.0) -> subprocess.Popen[bytes]:
    """The bank simulator on the demo endpoint's port, signing in as the demo bank client; the secrets
    go through its environment, not its command line."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploy.bank_simulator",
            "--port",
            str(DEMO_BANK_PORT),
            "--gateway",
            gateway,
            "--client-id",
            DEMO_BANK_CLIENT_ID,
        ],
        env={
            **os.environ,
            "BANK_SIMULATOR_SECRET": DEMO_BANK_SECRET,
            "BANK_SIMULATOR_CLIENT_SECRET": demo_bank_client_secret(settings),
        },
    )
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        try:
            if httpx.get(DEMO_BANK_URL, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"the bank simulator did not start on {DEMO_BANK_URL}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    settings = get_settings()
    ensure_keys(settings)
    migrate(settings, ["all"])
    asyncio.run(register_service_clients(settings))
    print("demo data:", asyncio.run(seed(settings)))
    # Instructions may go to the bank simulator (unless BANK_ENDPOINT_HOSTS says otherwise), nowhere else.
    stack = Stack(
        ports=DEFAULT_PORTS, env={"BANK_ENDPOINT_HOSTS": settings.bank_endpoint_hosts or DEMO_BANK_HOST}
    )
    bank: subprocess.Popen[bytes] | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start_all()
        bank = start_bank_simulator(settings, stack.url("gateway"))
        print("\n杭锦旗巩固衔接系统 is running:")
        print(f"  pages and API   {stack.url('gateway')}/            (login: {stack.url('gateway')}/login)")
        print(f"  merged OpenAPI  {stack.url('gateway')}/openapi.json")
        for name in ("registry", "monitoring", "payments", "assets"):
            print(f"  {name:<15} {stack.url(name)}  (token required)")
        print(f"  bank simulator  {DEMO_BANK_URL}  (the agent bank: pays each disbursed line, ~5% fail)")
        print(f"\ndemo accounts (password {DEMO_PASSWORD}):")
        for username, role, region, label in DEMO_USERS:
            print(f"  {username:<12} {role:<20} {region:<13} {label}")
        print(
            "\nmoney path: a claim (asier) → a batch drafted and submitted (xini) → approved and disbursed"
            " (banner)\n  → the bank simulator pays each line and calls back → the batch's reconciliation"
        )
        print("\nCtrl-C stops everything.")
        while not (dead := stack.exited() + (["bank simulator"] if bank.poll() is not None else [])):
            time.sleep(0.5)
        print(f"stopped because {', '.join(dead)} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if bank is not None:
            stop(bank)
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
