"""Demo data of the payments service (`make run` only, never migrations): the agent bank's webhook endpoint,
pointing at the bank simulator (`python -m deploy.bank_simulator --secret DEMO_BANK_SECRET …`), and a year
of batches in every state with the bank's results."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.enums import EndpointStatus
from services.payments.models import Batch, Line, WebhookEndpoint
from services.payments.rules import batch_number
from shared.vocabulary.payments import BatchStatus, Kind, LineStatus

DEMO_BANK_HOST = "127.0.0.1"
DEMO_BANK_PORT = 8009
DEMO_BANK_URL = f"http://{DEMO_BANK_HOST}:{DEMO_BANK_PORT}/instructions"
# Demo only, like the demo passwords: base64 of "hangjin-demo-bank-simulator-key!".
DEMO_BANK_SECRET = "whsec_aGFuZ2ppbi1kZW1vLWJhbmstc2ltdWxhdG9yLWtleSE="


async def seed_bank_endpoint(session: AsyncSession, *, bank_client_id: str) -> int:
    """The simulator as the active endpoint, bound to the demo bank client, unless one exists; returns how
    many were added. As the two demo accounts would have it: proposed by `admin`, approved by `banner`."""
    existing = (await session.exec(select(WebhookEndpoint))).all()
    for endpoint in existing:  # demo databases made before endpoints were bound to a bank client
        if endpoint.url == DEMO_BANK_URL and endpoint.bank_client_id is None:
            endpoint.bank_client_id = bank_client_id
            session.add(endpoint)
    if existing:
        return 0
    session.add(
        WebhookEndpoint(
            url=DEMO_BANK_URL,
            secret=DEMO_BANK_SECRET,
            status=EndpointStatus.active,
            bank_client_id=bank_client_id,
            created_by="admin",
            approved_by="banner",
            approved_at=datetime.now(UTC),
        )
    )
    await session.flush()
    return 1


@dataclass(frozen=True)
class DemoPayee:
    """A registry household as the demo's payment lines name it (read by deploy/manage.py, handed over)."""

    household_id: uuid.UUID
    number: str
    region_code: str
    name: str
    id_masked: str


@dataclass(frozen=True)
class DemoBatch:
    """One demo batch: its kind, its status, how many months ago it was made, its lines' outcomes."""

    kind: Kind
    status: BatchStatus
    months_ago: int
    outcomes: tuple[LineStatus, ...]  # one per payee, repeated over the payees in turn
    rate_fen: int


PAID_5 = (LineStatus.paid,) * 5
# A year of payments in 锡尼镇 (the demo's officials' township): each state of a batch once at least, paid
# batches spread over the months (for the dashboard's chart), one with bank failures and a returned card.
DEMO_BATCHES = (
    DemoBatch(Kind.sheep, BatchStatus.completed, 11, PAID_5, 5_000),
    DemoBatch(Kind.education, BatchStatus.completed, 9, PAID_5, 100_000),
    DemoBatch(Kind.cattle, BatchStatus.completed, 7, (*PAID_5[:4], LineStatus.failed), 30_000),
    DemoBatch(Kind.insurance_premium, BatchStatus.completed, 5, PAID_5, 38_000),
    DemoBatch(Kind.sheep, BatchStatus.completed, 3, (*PAID_5[:4], LineStatus.returned), 5_000),
    DemoBatch(Kind.pig, BatchStatus.completed, 1, PAID_5, 8_000),
    DemoBatch(Kind.education, BatchStatus.disbursing, 0, (LineStatus.paid, LineStatus.sent), 100_000),
    DemoBatch(Kind.cattle, BatchStatus.approved, 0, (LineStatus.pending,), 30_000),
    DemoBatch(Kind.sheep, BatchStatus.submitted, 0, (LineStatus.pending,), 5_000),
    DemoBatch(Kind.industry, BatchStatus.draft, 0, (LineStatus.pending,), 200_000),
    DemoBatch(Kind.pig, BatchStatus.returned, 0, (LineStatus.pending,), 8_000),
    DemoBatch(Kind.industry_reward, BatchStatus.cancelled, 2, (LineStatus.cancelled,), 50_000),
)
DEMO_MAKER, DEMO_CHECKER, DEMO_APPROVER = "xini", "banner2", "banner"
LINES_PER_BATCH = 12


def _at(now: datetime, months_ago: int, day: int) -> datetime:
    """A moment `months_ago` months before `now`, on `day` of that month (10:00 Beijing)."""
    month_index = now.year * 12 + now.month - 1 - months_ago
    moment = datetime(month_index // 12, month_index % 12 + 1, min(day, 28), 2, tzinfo=UTC)
    return min(moment, now - timedelta(hours=1))


async def seed_batches(session: AsyncSession, payees: list[DemoPayee], *, now: datetime | None = None) -> int:
    """The demo's batches over the past year, each with its lines and the bank's results, unless any batch
    exists; returns how many were added. Amounts and outcomes are fixed; times count back from `now`."""
    if not payees or (await session.exec(select(Batch.id).limit(1))).first() is not None:
        return 0
    now = now or datetime.now(UTC)
    sequence: dict[tuple[int, Kind], int] = {}
    for index, plan in enumerate(DEMO_BATCHES):
        created = _at(now, plan.months_ago, 3)
        sequence[(created.year, plan.kind)] = sequence.get((created.year, plan.kind), 0) + 1
        batch = Batch(
            year=created.year,
            kind=plan.kind,
            region_code=DEMO_TOWNSHIP,
            status=plan.status,
            created_by=DEMO_MAKER,
            created_at=created,
            number=batch_number(created.year, plan.kind, sequence[(created.year, plan.kind)]),
        )
        _stamp(batch, plan.status, created, now)
        chosen = [payees[(index * 7 + n) % len(payees)] for n in range(LINES_PER_BATCH)]
        lines = [
            Line(
                batch_id=batch.id,
                entitlement_key=f"demo:{batch.number}:{payee.household_id}",
                household_id=payee.household_id,
                household_number=payee.number,
                region_code=payee.region_code,
                payee_name=payee.name,
                payee_id_masked=payee.id_masked,
                amount_fen=plan.rate_fen,
                policy_version=1,
                status=(outcome := plan.outcomes[n % len(plan.outcomes)]),
                bank_reference=f"DEMO{index:02d}{n:04d}" if outcome in BANK_ANSWERED else None,
                reason=BANK_REASONS.get(outcome),
                created_at=created,
                updated_at=batch.completed_at or batch.disbursed_at or created,
            )
            for n, payee in enumerate(chosen)
        ]
        batch.line_count = len(lines)
        batch.total_fen = sum(line.amount_fen for line in lines)
        session.add(batch)
        await session.flush()
        session.add_all(lines)
    await session.flush()
    return len(DEMO_BATCHES)


BANK_ANSWERED = frozenset({LineStatus.paid, LineStatus.failed, LineStatus.returned})
BANK_REASONS = {LineStatus.failed: "账户已销户", LineStatus.returned: "户名与账号不符，银行退回"}
DEMO_TOWNSHIP = "150625100"
STEPS = (BatchStatus.submitted, BatchStatus.approved, BatchStatus.disbursing, BatchStatus.completed)


def _stamp(batch: Batch, status: BatchStatus, created: datetime, now: datetime) -> None:
    """Who moved the batch to `status` and when, a few days apart, as the maker and checkers would."""
    reached = STEPS[: STEPS.index(status) + 1] if status in STEPS else ()
    step = timedelta(days=2)
    if BatchStatus.submitted in reached or status == BatchStatus.returned:
        batch.submitted_by, batch.submitted_at = DEMO_MAKER, min(created + step, now)
    if BatchStatus.approved in reached:
        batch.approved_by, batch.approved_at = DEMO_CHECKER, min(created + 2 * step, now)
    if BatchStatus.disbursing in reached:
        batch.disbursed_by, batch.disbursed_at = DEMO_APPROVER, min(created + 3 * step, now)
    if status == BatchStatus.completed:
        batch.completed_at = min(created + 4 * step, now)
    if status == BatchStatus.returned:
        batch.returned_by, batch.returned_at = DEMO_CHECKER, min(created + 2 * step, now)
        batch.return_reason = "明细中两户出栏数量与检疫证明不符，请核实后重新提交"
    if status == BatchStatus.cancelled:
        batch.cancelled_by, batch.cancelled_at = DEMO_MAKER, created + step
