"""Fixtures of the authorization matrix: one pooled client to the live gateway, a caller per role, and the
fixture objects, made once per module."""

from collections.abc import Callable, Iterator

import httpx
import pytest

from deploy.stack import Stack
from gateway.tokens import TokenIssuer
from shared.roles import Role
from tests.security.objects import STEP_REGIONS, Builder, World, build_world
from tests.security.principals import BANNER, Caller, callers
from tests.support.keys import KeyPair

Mint = Callable[[Role, str, str], str]


@pytest.fixture(scope="module")
def gateway(live_stack: Stack) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    with httpx.Client(base_url=live_stack.url("gateway"), timeout=30, limits=limits) as client:
        yield client


@pytest.fixture(scope="module")
def mint(keypair: KeyPair) -> Mint:
    issuer = TokenIssuer.from_file(keypair.private_file)
    return lambda role, region, subject: issuer.issue(subject=subject, role=role, region=region).access_token


@pytest.fixture(scope="module")
def role_callers(gateway: httpx.Client, mint: Mint) -> dict[Role, Caller]:
    return callers(gateway, mint)


@pytest.fixture(scope="module")
def world(gateway: httpx.Client, mint: Mint, role_callers: dict[Role, Caller]) -> Iterator[World]:
    def official(role: Role, region: str, subject: str) -> Caller:
        return Caller(gateway, role, region, mint(role, region, subject))

    steps = {
        name: official(
            Role.village_official if name.startswith("village") else Role.township_official,
            region,
            f"matrix-step-{region}",
        )
        for name, region in STEP_REGIONS.items()
    }
    # the village review is signed jointly: each village's work team signs before its committee
    steps.update(
        (name.replace("village", "team", 1), official(Role.work_team, region, f"matrix-team-{region}"))
        for name, region in STEP_REGIONS.items()
        if name.startswith("village")
    )
    builder = Builder(
        maker=official(Role.banner_official, BANNER, "matrix-maker"),
        checker=official(Role.banner_official, BANNER, "matrix-checker"),
        steps=steps,
    )
    admin = role_callers[Role.banner_admin]
    yield build_world(builder, admin)
    # the matrix retires bank endpoints; leave one active, as the demo seed does
    builder.endpoint(admin)
