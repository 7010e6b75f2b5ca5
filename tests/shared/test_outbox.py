"""The transactional outbox, on both databases, delivering to a real HTTP receiver on 127.0.0.1:
rollback leaves nothing, retries back off and keep one idempotency key, dead letters, leases, replay,
and two dispatchers side by side deliver each message exactly once."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import func, select, update

from services.monitoring.models import outbox
from shared.db import Database
from shared.outbox import Dispatcher, GiveUp, Message, RetryLater, RetryPolicy, enqueue, replay

# SQLModel's session nags about execute() on every Core statement; the kernel is Core on purpose.
pytestmark = pytest.mark.filterwarnings(r"ignore:(?s).*session\.exec\(\):DeprecationWarning")

TOPIC = "registry.category"
FAST = RetryPolicy(base_seconds=0.01, max_delay_seconds=0.05)


# --- a real HTTP receiver -------------------------------------------------------------------------


@dataclass
class Receiver:
    """Answers 503 to the first `failures` deliveries of each key, then 200; remembers every key seen."""

    failures: int = 0
    pause_seconds: float = 0.0
    seen: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers["Idempotency-Key"]
        self.seen.append(key)
        self.bodies.append(await request.json())
        await asyncio.sleep(self.pause_seconds)
        if self.seen.count(key) <= self.failures:
            return web.Response(status=503, text="busy")
        return web.json_response({"accepted": key})


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Run `receiver` on a free port of 127.0.0.1 for the duration of the block."""
    app = web.Application()
    app.router.add_post("/effects", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/effects"
    try:
        yield receiver
    finally:
        await runner.cleanup()


def http_handler(client: httpx.AsyncClient, url: str) -> Callable[[Message], Awaitable[None]]:
    """Post a message with its idempotency key: 2xx delivered, 429/5xx retry, any other 4xx give up."""

    async def deliver(message: Message) -> None:
        response = await client.post(
            url, json=message.payload, headers={"Idempotency-Key": message.idempotency_key}
        )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(f"receiver answered {response.status_code}")
        if response.status_code >= 400:
            raise GiveUp(f"receiver refused: {response.status_code}")

    return deliver


# --- helpers --------------------------------------------------------------------------------------


async def put(db: Database, key: str, payload: dict[str, Any] | None = None) -> uuid.UUID:
    async with db.session_scope() as session:
        return await enqueue(
            session, outbox, topic=TOPIC, payload=payload or {"key": key}, idempotency_key=key
        )


async def row(db: Database, message_id: uuid.UUID) -> dict[str, Any]:
    async with db.session_scope() as session:
        return dict((await session.execute(select(outbox).where(outbox.c.id == message_id))).mappings().one())


async def count(db: Database, status: str | None = None) -> int:
    statement = select(func.count()).select_from(outbox)
    if status is not None:
        statement = statement.where(outbox.c.status == status)
    async with db.session_scope() as session:
        return int((await session.execute(statement)).scalar_one())


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def dispatch_until_settled(dispatcher: Dispatcher, db: Database) -> None:
    """Run dispatch rounds until nothing is pending (waiting out backoff between rounds)."""
    async with asyncio.timeout(10):
        while await count(db, "pending"):
            await dispatcher.dispatch_due()
            await asyncio.sleep(0.01)


def failing_with(exc: Exception, calls: list[Message]) -> Callable[[Message], Awaitable[None]]:
    async def handler(message: Message) -> None:
        calls.append(message)
        raise exc

    return handler


# --- tests ----------------------------------------------------------------------------------------


async def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session_scope() as session:
            await enqueue(session, outbox, topic=TOPIC, payload={"a": 1}, idempotency_key="rolled-back")
            raise RuntimeError("the change that caused it failed")
    assert await count(db) == 0
    await put(db, "committed")
    assert await count(db) == 1


async def test_enqueued_message_is_pending_and_due(db: Database) -> None:
    before = datetime.now(UTC)
    message = await row(db, await put(db, "k1", {"household": "hh-1", "category": "monitored"}))
    assert (message["status"], message["attempts"], message["topic"]) == ("pending", 0, TOPIC)
    assert message["payload"] == {"household": "hh-1", "category": "monitored"}
    assert aware(message["next_attempt_at"]) >= before - timedelta(seconds=1)


async def test_retries_with_backoff_until_the_receiver_accepts(db: Database) -> None:
    message_id = await put(db, "confirm-case-7", {"case": 7})
    async with serving(Receiver(failures=2)) as receiver, httpx.AsyncClient(timeout=5) as client:
        dispatcher = Dispatcher(db, outbox, {TOPIC: http_handler(client, receiver.url)}, policy=FAST)

        assert await dispatcher.dispatch_due() == 1
        first = await row(db, message_id)
        assert (first["status"], first["attempts"]) == ("pending", 1)
        assert "503" in first["last_error"]
        assert first["locked_until"] is None

        await dispatch_until_settled(dispatcher, db)

    delivered = await row(db, message_id)
    assert (delivered["status"], delivered["attempts"], delivered["last_error"]) == ("delivered", 3, None)
    assert delivered["delivered_at"] is not None
    assert receiver.seen == ["confirm-case-7"] * 3
    assert receiver.bodies == [{"case": 7}] * 3


async def test_retry_later_schedules_the_next_attempt_after_retry_after(db: Database) -> None:
    message_id = await put(db, "k-retry-after")
    calls: list[Message] = []
    dispatcher = Dispatcher(db, outbox, {TOPIC: failing_with(RetryLater("busy", retry_after=120), calls)})
    before = datetime.now(UTC)
    await dispatcher.dispatch_due()
    after = datetime.now(UTC)

    message = await row(db, message_id)
    assert message["status"] == "pending"
    next_at = aware(message["next_attempt_at"])
    assert before + timedelta(seconds=120) <= next_at <= after + timedelta(seconds=120)
    assert await dispatcher.dispatch_due() == 0  # not due yet
    assert len(calls) == 1


async def test_backoff_without_retry_after_follows_the_policy(db: Database) -> None:
    message_id = await put(db, "k-backoff")
    policy = RetryPolicy(base_seconds=60, max_delay_seconds=3600)
    dispatcher = Dispatcher(db, outbox, {TOPIC: failing_with(RetryLater("busy"), [])}, policy=policy)
    before = datetime.now(UTC)
    await dispatcher.dispatch_due()
    after = datetime.now(UTC)
    next_at = aware((await row(db, message_id))["next_attempt_at"])
    assert before + timedelta(seconds=30) <= next_at <= after + timedelta(seconds=60)


async def test_give_up_marks_the_message_dead_and_stops(db: Database) -> None:
    message_id = await put(db, "k-refused")
    calls: list[Message] = []
    dispatcher = Dispatcher(
        db, outbox, {TOPIC: failing_with(GiveUp("unknown household"), calls)}, policy=FAST
    )
    await dispatcher.dispatch_due()
    await asyncio.sleep(0.1)
    assert await dispatcher.dispatch_due() == 0

    message = await row(db, message_id)
    assert (message["status"], message["attempts"], message["last_error"]) == ("dead", 1, "unknown household")
    assert len(calls) == 1


async def test_a_4xx_from_the_receiver_gives_up(db: Database) -> None:
    message_id = await put(db, "k-4xx")

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=422)

    receiver = Receiver()
    receiver.handle = refuse  # type: ignore[method-assign]
    async with serving(receiver), httpx.AsyncClient(timeout=5) as client:
        await Dispatcher(db, outbox, {TOPIC: http_handler(client, receiver.url)}).dispatch_due()
    assert (await row(db, message_id))["status"] == "dead"


async def test_a_message_past_give_up_after_becomes_dead(db: Database) -> None:
    old = await put(db, "k-old")
    fresh = await put(db, "k-fresh")
    async with db.session_scope() as session:
        four_days_ago = datetime.now(UTC) - timedelta(days=4)
        await session.execute(update(outbox).where(outbox.c.id == old).values(created_at=four_days_ago))
    policy = RetryPolicy(base_seconds=0.01, give_up_after=timedelta(days=3))
    dispatcher = Dispatcher(db, outbox, {TOPIC: failing_with(RetryLater("still down"), [])}, policy=policy)
    assert await dispatcher.dispatch_due() == 2

    assert (await row(db, old))["status"] == "dead"
    assert (await row(db, fresh))["status"] == "pending"


async def test_an_unexpected_handler_error_is_retried(db: Database) -> None:
    message_id = await put(db, "k-crash")
    dispatcher = Dispatcher(db, outbox, {TOPIC: failing_with(ConnectionResetError("reset"), [])}, policy=FAST)
    await dispatcher.dispatch_due()
    message = await row(db, message_id)
    assert (message["status"], message["attempts"]) == ("pending", 1)
    assert "ConnectionResetError" in message["last_error"]


async def test_messages_of_other_topics_are_left_alone(db: Database) -> None:
    async with db.session_scope() as session:
        other = await enqueue(session, outbox, topic="bank.webhook", payload={}, idempotency_key="k-other")
    calls: list[Message] = []
    assert await Dispatcher(db, outbox, {TOPIC: failing_with(RetryLater("x"), calls)}).dispatch_due() == 0
    assert (await row(db, other))["attempts"] == 0


async def test_two_dispatchers_deliver_each_message_exactly_once(
    kernel_database_url: str, db: Database
) -> None:
    keys = [f"payment-{n:02d}" for n in range(30)]
    for key in keys:
        await put(db, key)
    second_db = Database.from_url(kernel_database_url)  # a second replica, with its own connections
    try:
        async with serving(Receiver(pause_seconds=0.005)) as receiver, httpx.AsyncClient(timeout=5) as client:
            handlers = {TOPIC: http_handler(client, receiver.url)}
            replicas = [
                Dispatcher(db, outbox, handlers, batch_size=4, policy=FAST),
                Dispatcher(second_db, outbox, handlers, batch_size=4, policy=FAST),
            ]
            await asyncio.gather(*(dispatch_until_settled(d, db) for d in replicas))
    finally:
        await second_db.dispose()

    assert Counter(receiver.seen) == Counter(keys)  # every key once, none twice
    assert await count(db, "delivered") == 30
    async with db.session_scope() as session:
        attempts = (await session.execute(select(outbox.c.attempts))).scalars().all()
    assert set(attempts) == {1}


async def test_a_claim_left_by_a_crashed_dispatcher_is_taken_again_only_after_its_lease(db: Database) -> None:
    message_id = await put(db, "k-lease")
    async with serving(Receiver()) as receiver, httpx.AsyncClient(timeout=5) as client:
        handlers = {TOPIC: http_handler(client, receiver.url)}
        crashed = Dispatcher(db, outbox, handlers, lease=timedelta(seconds=0.5))
        rescuer = Dispatcher(db, outbox, handlers)

        claimed = await crashed._claim()  # claims, then "dies" before delivering
        assert [m.id for m in claimed] == [message_id]
        assert await rescuer.dispatch_due() == 0
        assert receiver.seen == []

        await asyncio.sleep(0.6)
        assert await rescuer.dispatch_due() == 1

    assert receiver.seen == ["k-lease"]
    message = await row(db, message_id)
    assert (message["status"], message["attempts"], message["locked_until"]) == ("delivered", 1, None)


async def test_replay_sends_a_delivered_message_again(db: Database) -> None:
    message_id = await put(db, "k-replay")
    async with serving(Receiver()) as receiver, httpx.AsyncClient(timeout=5) as client:
        dispatcher = Dispatcher(db, outbox, {TOPIC: http_handler(client, receiver.url)})
        await dispatcher.dispatch_due()
        assert (await row(db, message_id))["status"] == "delivered"

        async with db.session_scope() as session:
            assert await replay(session, outbox, message_id) is True
        replayed = await row(db, message_id)
        assert (replayed["status"], replayed["locked_until"]) == ("pending", None)

        assert await dispatcher.dispatch_due() == 1

    assert receiver.seen == ["k-replay", "k-replay"]
    assert (await row(db, message_id))["status"] == "delivered"


async def test_replay_of_an_unknown_message_reports_false(db: Database) -> None:
    async with db.session_scope() as session:
        assert await replay(session, outbox, uuid.uuid4()) is False


async def test_concurrent_claims_never_take_the_same_message(kernel_database_url: str, db: Database) -> None:
    message_ids = {await put(db, f"claim-{n:02d}") for n in range(30)}
    replicas = [Database.from_url(kernel_database_url) for _ in range(3)]
    unused = {TOPIC: failing_with(GiveUp("never called"), [])}
    try:
        dispatchers = [Dispatcher(r, outbox, unused, batch_size=4) for r in replicas]
        claimed: list[uuid.UUID] = []
        async with asyncio.timeout(10):
            while len(claimed) < len(message_ids):
                rounds = await asyncio.gather(*(d._claim() for d in dispatchers))
                claimed += [m.id for batch in rounds for m in batch]
    finally:
        for replica in replicas:
            await replica.dispose()
    assert sorted(claimed) == sorted(message_ids)  # each claimed once, none twice


async def test_a_stopped_dispatcher_finishes_the_delivery_in_hand_and_records_it(db: Database) -> None:
    """A service stopping mid-delivery records the outcome instead of leaving a transaction open."""
    message_id = await put(db, "k-stop")
    async with serving(Receiver(pause_seconds=0.5)) as receiver, httpx.AsyncClient(timeout=5) as client:
        dispatcher = Dispatcher(db, outbox, {TOPIC: http_handler(client, receiver.url)})
        async with dispatcher.in_background():
            async with asyncio.timeout(5):
                while not receiver.seen:  # noqa: ASYNC110 - waiting for the receiver to be reached
                    await asyncio.sleep(0.01)
        assert receiver.seen == ["k-stop"]
        message = await row(db, message_id)
        assert (message["status"], message["attempts"], message["locked_until"]) == ("delivered", 1, None)
        # the database takes a writer at once: nothing was left holding it
        async with asyncio.timeout(2), db.session_scope() as session:
            await session.execute(update(outbox).values(last_error="written after the stop"))


async def test_a_delivery_outliving_the_stop_grace_is_cancelled_and_left_to_its_lease(db: Database) -> None:
    message_id = await put(db, "k-slow")
    async with serving(Receiver(pause_seconds=5)) as receiver, httpx.AsyncClient(timeout=10) as client:
        handlers = {TOPIC: http_handler(client, receiver.url)}
        dispatcher = Dispatcher(db, outbox, handlers, stop_grace_seconds=0.2)
        async with dispatcher.in_background():
            async with asyncio.timeout(5):
                while not receiver.seen:  # noqa: ASYNC110 - waiting for the receiver to be reached
                    await asyncio.sleep(0.01)
        message = await row(db, message_id)
    assert (message["status"], message["attempts"]) == ("pending", 0)
    assert message["locked_until"] is not None  # claimed: another dispatcher takes it when the lease ends
