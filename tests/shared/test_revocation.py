"""The revocation list: a signed-out token is refused even when the verifier had cached it, and, through
Redis, by another process that looks it up."""

import time
import uuid

import httpx
import pytest
import redis
from redis import asyncio as aioredis
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.tokens import TokenIssuer
from shared.auth import TokenVerifier
from shared.errors import Unauthorized
from shared.revocation import RedisRevocations, RevocationLookup, Revocations, token_id
from shared.roles import Role
from tests.conftest import TEST_REDIS_URL
from tests.support.keys import KeyPair


def _issued(keypair: KeyPair) -> str:
    issuer = TokenIssuer.from_file(keypair.private_file)
    return issuer.issue(subject="banner", role=Role.banner_official, region="150625").access_token


async def test_a_revoked_token_is_refused_though_verified_before(keypair: KeyPair) -> None:
    revocations = Revocations()
    verifier = TokenVerifier.from_file(keypair.public_file, revocations=revocations)
    token = _issued(keypair)
    principal = verifier.verify(token)
    assert principal.token_id == token_id(token) and principal.expires_at > time.time()
    await revocations.revoke(principal.token_id, principal.expires_at)
    with pytest.raises(Unauthorized):
        verifier.verify(token)
    assert verifier.verify(_issued(keypair)).subject == "banner"


async def test_an_expired_entry_is_forgotten() -> None:
    revocations = Revocations()
    await revocations.revoke("gone", time.time() - 1)
    assert not revocations.is_revoked("gone")


@pytest.fixture
async def shared_store() -> aioredis.Redis:
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}")
    return aioredis.Redis.from_url(TEST_REDIS_URL)


async def test_a_revocation_reaches_another_process_through_redis(
    keypair: KeyPair, shared_store: aioredis.Redis
) -> None:
    prefix = f"hj-test-{uuid.uuid4().hex[:12]}"
    gateway, service = (RedisRevocations(aioredis.Redis.from_url(TEST_REDIS_URL), prefix) for _ in range(2))
    verifier = TokenVerifier.from_file(keypair.public_file, revocations=service)
    principal = verifier.verify(_issued(keypair))
    await gateway.revoke(principal.token_id, principal.expires_at)
    assert 0 < await shared_store.ttl(f"{prefix}:revoked:{principal.token_id}") <= 3600
    await service.look_up(principal.token_id)
    with pytest.raises(Unauthorized):
        verifier.verify(principal.token)
    for store in (gateway, service, shared_store):
        await store.aclose() if store is shared_store else await store.close()


async def test_both_tokens_of_a_request_are_looked_up(keypair: KeyPair, shared_store: aioredis.Redis) -> None:
    """A stolen, signed-out session cookie sent with some bearer token is still found revoked."""
    prefix = f"hj-test-{uuid.uuid4().hex[:12]}"
    elsewhere, here = (RedisRevocations(aioredis.Redis.from_url(TEST_REDIS_URL), prefix) for _ in range(2))
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    app.state.revocations = here
    app.add_middleware(RevocationLookup, cookie="hj_session")
    cookie, decoy = _issued(keypair), _issued(keypair)
    await elsewhere.revoke(str(token_id(cookie)), time.time() + 60)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        await client.get("/", headers={"Authorization": f"Bearer {decoy}", "Cookie": f"hj_session={cookie}"})
    assert here.is_revoked(str(token_id(cookie))) and not here.is_revoked(str(token_id(decoy)))
    for store in (elsewhere, here):
        await store.close()
    await shared_store.aclose()
