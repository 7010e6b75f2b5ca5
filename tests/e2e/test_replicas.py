"""Two replicas of every process on one PostgreSQL and one Redis (bench/replicas.py at a small N): a sign-out,
the sign-in and self-report limits and the payment outbox hold across them, as on Kubernetes."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.replicas import (
    Callers,
    disbursed_through_both,
    report_breaches,
    revocation_breaches,
    second_replicas,
    sign_in_breaches,
)
from deploy.stack import Stack
from tests.conftest import KeyPair, TokenFactory, bearer, redis_url, require_postgres, seeded_stack

VILLAGE, TOWNSHIP, BANNER = "150625100201", "150625100", "150625"


@pytest.fixture(scope="module")
def replicas(keypair: KeyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack]]:
    """The demo stack on PostgreSQL with Redis, and a second gateway and second of each service beside it."""
    require_postgres()
    if not redis_url():
        pytest.skip("Redis is not reachable: replicas share their limits and sign-outs through it")
    folder: Path = tmp_path_factory.mktemp("replicas")
    with seeded_stack("postgresql", keypair, folder) as first, second_replicas(first) as second:
        yield first, second


def test_a_token_signed_out_at_one_gateway_is_refused_at_the_other(
    replicas: tuple[Stack, Stack], token_for: TokenFactory
) -> None:
    first, second = replicas
    headers = bearer(token_for("work_team", VILLAGE, "replica-sign-out"))
    assert asyncio.run(revocation_breaches(first, second, headers)) == 0


def test_the_sign_in_and_self_report_limits_count_across_both_gateways(replicas: tuple[Stack, Stack]) -> None:
    gateways = [stack.url("gateway") for stack in replicas]
    assert asyncio.run(sign_in_breaches(gateways)) == 0
    assert asyncio.run(report_breaches(gateways)) == 0


def test_two_payments_dispatchers_deliver_each_instruction_once(
    replicas: tuple[Stack, Stack], token_for: TokenFactory
) -> None:
    callers = Callers(
        maker=bearer(token_for("township_official", TOWNSHIP, "replica-maker")),
        checker=bearer(token_for("banner_official", BANNER, "replica-checker")),
        admin=bearer(token_for("banner_admin", BANNER, "replica-admin")),
        reader=bearer(token_for("banner_official", BANNER, "replica-reader")),
    )
    paid = asyncio.run(disbursed_through_both(*replicas, callers))
    assert paid["lines"] >= 10, paid
    assert paid["instructions"] == paid["lines"] and paid["duplicates"] == 0, paid
