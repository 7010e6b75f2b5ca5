"""Operator commands: `python -m deploy.manage keys|migrate|seed|serve`.

keys                 make the JWT key pair under var/keys if it is missing (local use only)
migrate [all|NAME…]  apply Alembic migrations of the gateway and the services
seed                 load the demo data (villages, accounts), idempotent
serve NAME           run one process (gateway, registry, monitoring, payments, assets) with uvicorn
"""

import argparse
import asyncio
import os
import sys
from typing import Any

import uvicorn

from shared.db import Database
from shared.migrations import upgrade
from shared.settings import DEFAULT_PORTS, PROCESSES, Settings, get_settings

# Idle keep-alive connections are held longer than any caller's pool keeps them (the gateway's 30 s), so a
# pooled connection is never closed by the server just as the caller reuses it (a reset, not an answer).
SERVER_KEEP_ALIVE_S = 75
# The demo's assistance and employment sit on these households of one village (first four of each, by number).
DEMO_VILLAGE = "150625100201"
DEMO_ASSISTED = ("monitored", "marginal", "sudden_hardship", "lifted_supported", "lifted_unsupported")

FACTORIES = {
    "gateway": "gateway.app:create_app",
    **{name: f"services.{name}.app:create_app" for name in PROCESSES if name != "gateway"},
}


def ensure_keys(settings: Settings) -> bool:
    """Create the key pair if neither file exists; returns whether it did."""
    from gateway.keys import generate_keypair

    if settings.jwt_private_key_file.exists() and settings.jwt_public_key_file.exists():
        return False
    if settings.hangjin_env == "production":
        raise SystemExit("JWT key files are missing; in production they are mounted from a Secret")
    generate_keypair(settings.jwt_private_key_file, settings.jwt_public_key_file)
    return True


def migrate(settings: Settings, names: list[str]) -> None:
    for name in PROCESSES if names in ([], ["all"]) else names:
        upgrade(name, settings.database_url(name))
        print(f"migrated {name}")


async def seed(settings: Settings, *, households: bool = True) -> dict[str, int]:
    """Load every demo data set; running it twice adds nothing the second time.

    Without `households`, everything but the 3,000 demo households (the benchmark loads its own).
    """
    from functools import partial

    from gateway.seed import DEMO_BANK_CLIENT_ID, seed_assignments, seed_demo_bank_client, seed_users
    from services.assets.demo import seed_assets
    from services.monitoring.reward_demo import seed_industry_results
    from services.monitoring.thresholds import seed_thresholds
    from services.monitoring.work_teams import seed_work_teams
    from services.payments.demo import seed_bank_endpoint
    from services.registry.demo import seed_households
    from services.registry.seed import seed_villages
    from services.registry.site_demo import seed_sites
    from shared.crypto import FieldCipher

    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    counts: dict[str, int] = {}
    for process, loader, label in (
        ("registry", seed_villages, "villages"),
        *([("registry", partial(seed_households, cipher=cipher), "households")] if households else []),
        ("registry", seed_sites, "resettlement sites"),
        ("gateway", seed_users, "users"),
        ("gateway", seed_assignments, "work team assignments"),
        ("gateway", partial(seed_demo_bank_client, settings=settings), "bank clients"),
        ("payments", partial(seed_bank_endpoint, bank_client_id=DEMO_BANK_CLIENT_ID), "bank endpoints"),
        ("payments", partial(seed_demo_batches, settings=settings), "payment batches"),
        ("assets", seed_assets, "assets"),
        ("assets", partial(seed_demo_plan, settings=settings), "dividend plans"),
        ("monitoring", seed_thresholds, "monitoring thresholds"),
        ("monitoring", seed_work_teams, "village work teams"),
        ("monitoring", partial(seed_demo_assistance, settings=settings), "assistance and employment"),
        ("monitoring", partial(seed_demo_cases, settings=settings), "monitoring cases, visits and alerts"),
        ("monitoring", seed_industry_results, "industry results (以奖代补)"),
    ):
        db = Database.from_url(settings.database_url(process))
        try:
            async with db.session_scope() as session:
                counts[label] = await loader(session)
        finally:
            await db.dispose()
    return counts


async def seed_demo_assistance(session: Any, *, settings: Settings) -> int:
    """Monitoring's demo assistance, insurance, renovations, water fixes and a 控辍保学 follow-up on the
    registry's demo households in 阿斯尔嘎查 (read here, handed over as plain data: no service reads another's
    database)."""
    from datetime import UTC, datetime

    from sqlmodel import col, select

    from services.monitoring.demo import DemoHousehold, DemoMember, seed_assistance
    from services.monitoring.guarantee_demo import seed_guarantees
    from services.registry.models import Household, Member
    from services.registry.rules import school_age_births

    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as registry:
            homes = []
            for category in DEMO_ASSISTED:
                homes += (
                    await registry.exec(
                        select(Household)
                        .where(Household.region_code == DEMO_VILLAGE, Household.category == category)
                        .order_by(col(Household.number))
                        .limit(4)
                    )
                ).all()
            members: dict[Any, list[DemoMember]] = {}
            for m in (
                await registry.exec(
                    select(Member)
                    .where(col(Member.household_id).in_([h.id for h in homes]))
                    .order_by(col(Member.position))
                )
            ).all():
                members.setdefault(m.household_id, []).append(DemoMember(m.id, m.name, m.id_masked))
            born_after, born_by = school_age_births(datetime.now(UTC).year)
            out_of_school = (
                await registry.exec(
                    select(Household, Member)
                    .join(Member, col(Member.household_id) == col(Household.id))
                    .where(Household.region_code == DEMO_VILLAGE, Member.school_stage == "none")
                    .where(Member.birth_date > born_after, Member.birth_date <= born_by)
                    .order_by(col(Household.number), col(Member.position))
                    .limit(1)
                )
            ).all()
    finally:
        await db.dispose()
    households = [
        DemoHousehold(h.id, h.number, h.region_code, h.category, h.head_name, members.get(h.id, []))
        for h in homes
    ]
    children = [
        DemoHousehold(
            h.id, h.number, h.region_code, h.category, h.head_name, [DemoMember(m.id, m.name, m.id_masked)]
        )
        for h, m in out_of_school
    ]
    return await seed_assistance(session, households) + await seed_guarantees(
        session, households, out_of_school=children
    )


async def seed_demo_cases(session: Any, *, settings: Settings) -> int:
    """Monitoring's demo cases, visits and alerts on the registry's demo households of its two villages
    (read here, handed over as plain data)."""
    from sqlmodel import col, select

    from services.monitoring.case_demo import VILLAGES, seed_cases
    from services.monitoring.demo import DemoHousehold
    from services.registry.models import Household

    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as registry:
            homes = (
                await registry.exec(
                    select(Household)
                    .where(col(Household.region_code).in_(VILLAGES))
                    .order_by(col(Household.number))
                )
            ).all()
    finally:
        await db.dispose()
    households = [DemoHousehold(h.id, h.number, h.region_code, h.category, h.head_name, []) for h in homes]
    return await seed_cases(session, households)


async def seed_demo_plan(session: Any, *, settings: Settings) -> int:
    """Assets' demo dividend plan on the registry's demo households of 阿斯尔嘎查 that share it (read here,
    handed over as plain data)."""
    from sqlmodel import col, select

    from services.assets.demo import PLAN_CATEGORIES, DemoHousehold, seed_plan
    from services.registry.models import Household

    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as registry:
            homes = (
                await registry.exec(
                    select(Household)
                    .where(Household.region_code == DEMO_VILLAGE)
                    .where(col(Household.category).in_(PLAN_CATEGORIES))
                    .order_by(col(Household.number))
                )
            ).all()
    finally:
        await db.dispose()
    return await seed_plan(session, [DemoHousehold(h.id, h.number, h.head_name) for h in homes])


async def seed_demo_batches(session: Any, *, settings: Settings) -> int:
    """Payments' demo batches paying the heads of the registry's demo households in 锡尼镇 (read here, handed
    over as plain data: no service reads another's database)."""
    from sqlmodel import col, select

    from services.payments.demo import DEMO_TOWNSHIP, DemoPayee, seed_batches
    from services.registry.models import Household, Member

    db = Database.from_url(settings.database_url("registry"))
    try:
        async with db.session_scope() as registry:
            rows = (
                await registry.exec(
                    select(Household, Member)
                    .join(Member, col(Member.household_id) == col(Household.id))
                    .where(col(Household.region_code).startswith(DEMO_TOWNSHIP), Member.relation == "head")
                    .order_by(col(Household.number))
                    .limit(60)
                )
            ).all()
    finally:
        await db.dispose()
    payees = [DemoPayee(h.id, h.number, h.region_code, m.name, m.id_masked) for h, m in rows]
    return await seed_batches(session, payees)


async def register_service_clients(settings: Settings) -> int:
    """The services' own API clients (for background calls through the gateway); not demo data."""
    from gateway.seed import ensure_service_clients

    db = Database.from_url(settings.database_url("gateway"))
    try:
        async with db.session_scope() as session:
            return await ensure_service_clients(session, settings)
    finally:
        await db.dispose()


async def rotate_id_keys(settings: Settings) -> int:
    """Re-encrypt every ID number under the active key, one committed batch at a time."""
    from services.registry.keys import reencrypt_batch
    from shared.crypto import FieldCipher

    cipher = FieldCipher.from_settings(settings.id_encryption_keys, settings.id_lookup_key)
    db = Database.from_url(settings.database_url("registry"))
    total = 0
    try:
        while True:
            async with db.session_scope() as session:
                done = await reencrypt_batch(session, cipher=cipher)
            total += done
            if not done:
                return total
    finally:
        await db.dispose()


def serve(name: str, host: str, port: int) -> None:
    uvicorn.run(
        FACTORIES[name],
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # the gateway trusts only TRUSTED_PROXIES' forwarded headers (gateway/app.py)
        server_header=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=SERVER_KEEP_ALIVE_S,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.manage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("keys")
    migrate_parser = commands.add_parser("migrate")
    migrate_parser.add_argument("names", nargs="*", choices=["all", *PROCESSES])
    commands.add_parser("service-clients")
    commands.add_parser("rotate-id-keys")
    commands.add_parser("seed")
    serve_parser = commands.add_parser("serve")
    serve_parser.add_argument("name", choices=PROCESSES)
    serve_parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve_parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "keys":
        print("created key pair" if ensure_keys(settings) else "key pair present")
    elif args.command == "migrate":
        migrate(settings, args.names)
    elif args.command == "rotate-id-keys":
        print("re-encrypted", asyncio.run(rotate_id_keys(settings)), "ID numbers")
    elif args.command == "service-clients":
        print("registered", asyncio.run(register_service_clients(settings)), "service clients")
    elif args.command == "seed":
        print("seeded", asyncio.run(seed(settings)))
    else:
        port = args.port or int(os.environ.get("PORT", DEFAULT_PORTS[args.name]))
        serve(args.name, args.host, port)


if __name__ == "__main__":
    main(sys.argv[1:])
