"""`make run`: keys, migrations and demo data, then the gateway and the four services until Ctrl-C."""

import asyncio
import signal
import sys
import time

from deploy.manage import ensure_keys, migrate, register_service_clients, seed
from deploy.stack import Stack
from gateway.seed import DEMO_PASSWORD, DEMO_USERS
from shared.settings import DEFAULT_PORTS, get_settings


def main() -> int:
    settings = get_settings()
    ensure_keys(settings)
    migrate(settings, ["all"])
    asyncio.run(register_service_clients(settings))
    print("demo data:", asyncio.run(seed(settings)))
    stack = Stack(ports=DEFAULT_PORTS, env={})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start_all()
        print("\n杭锦旗巩固衔接系统 is running:")
        print(f"  pages and API   {stack.url('gateway')}/            (login: {stack.url('gateway')}/login)")
        print(f"  merged OpenAPI  {stack.url('gateway')}/openapi.json")
        for name in ("registry", "monitoring", "payments", "assets"):
            print(f"  {name:<15} {stack.url(name)}  (token required)")
        print(f"\ndemo accounts (password {DEMO_PASSWORD}):")
        for username, role, region, label in DEMO_USERS:
            print(f"  {username:<12} {role:<20} {region:<13} {label}")
        print("\nCtrl-C stops everything.")
        while not (dead := stack.exited()):
            time.sleep(0.5)
        print(f"stopped because {', '.join(dead)} exited", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
