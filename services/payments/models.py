"""Tables of the payments service: policy versions, claims and their yearly totals, batches and lines,
the bank's webhook endpoint, the callbacks it sent and the discrepancies among them."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)

# A line in pending, sent or paid holds its entitlement (services/payments/rules.py LIVE_LINE_STATUSES).
LIVE_LINE_SQL = "status IN ('pending', 'sent', 'paid')"
LIVE_CLAIM_SQL = "result_id IS NOT NULL AND status <> 'rejected'"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def _when_set() -> Any:
    """A moment that has not happened yet when the row is made (submitted, approved, …)."""
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


def _fen(nullable: bool = False) -> Any:
    return Field(default=None if nullable else 0, sa_column=Column(BigInteger, nullable=nullable))


class PolicyVersion(Base, table=True):
    """One version of the policy table; the version in force for a year is the latest effective by its end."""

    __tablename__ = "policy_versions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version: int = Field(unique=True)
    effective_from: date = Field(index=True)
    notice_days: int = Field(default=7, description="how long a batch's notice is posted before approval")
    created_by: str = Field(max_length=128)
    created_at: datetime = _when()


class PolicyItem(Base, table=True):
    """What one kind pays under a version: a rate per unit or per student, a yearly cap, or case by case."""

    __tablename__ = "policy_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version_id: uuid.UUID = Field(foreign_key="policy_versions.id", index=True)
    kind: str = Field(max_length=32)
    school_stage: str | None = Field(default=None, max_length=16)
    disability_grade: int | None = Field(default=None, description="the disability allowances' grade priced")
    mode: str = Field(max_length=16)
    unit: str = Field(max_length=16)
    rate_fen: int | None = _fen(nullable=True)
    cap_quantity: int | None = None


class Claim(Base, table=True):
    """A household's claim for one kind and year, with the amount, rate and policy version that priced it."""

    __tablename__ = "claims"
    __table_args__ = (
        # 以奖代补: a verified result is rewarded once (a rejected claim leaves it free for another).
        Index(
            "uq_claims_live_result",
            "result_id",
            unique=True,
            sqlite_where=text(LIVE_CLAIM_SQL),
            postgresql_where=text(LIVE_CLAIM_SQL),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    household_number: str = Field(max_length=20)
    region_code: str = Field(max_length=12, index=True)
    payee_name: str = Field(max_length=50)
    payee_id_masked: str = Field(max_length=18)
    kind: str = Field(max_length=32)
    year: int
    quantity: int
    requested: int
    eligible: int
    already_claimed: int
    rate_fen: int = _fen()
    cap: int | None = None
    amount_fen: int = _fen()
    policy_version: int
    status: str = Field(max_length=20, index=True)
    evidence: str | None = Field(default=None, max_length=500)
    herd_record_outdated: bool = False
    herd_on_record: int | None = Field(default=None, description="livestock: the registry's herd when filed")
    result_id: uuid.UUID | None = Field(
        default=None, description="industry_reward: the result monitoring recorded and a visit verified"
    )
    created_by: str = Field(max_length=128)
    created_at: datetime = _when()
    decided_by: str | None = Field(default=None, max_length=128)
    decided_at: datetime | None = _when_set()
    decision_comment: str | None = Field(default=None, max_length=500)


class ClaimTotal(Base, table=True):
    """How many units of a capped kind a household has claimed in a year: the row the cap is enforced on."""

    __tablename__ = "claim_totals"

    household_id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    cap: int
    claimed: int


class IdempotencyKey(Base, table=True):
    """The first answer to a request with an `Idempotency-Key`, per caller, with a digest of its body."""

    __tablename__ = "idempotency_keys"

    subject: str = Field(primary_key=True, max_length=128)
    key: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = _when()


class Batch(Base, table=True):
    """A payment run for one kind, year and region: draft → submitted → approved → disbursing → completed."""

    __tablename__ = "payment_batches"
    # A dividend plan becomes at most one batch, whatever key its handover carries.
    __table_args__ = (
        Index("uq_payment_batches_source_plan_id", "source_plan_id", unique=True),
        Index("uq_payment_batches_number", "number", unique=True),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year: int
    kind: str = Field(max_length=32)
    region_code: str = Field(max_length=12, index=True)
    status: str = Field(max_length=16, index=True)
    total_fen: int = _fen()
    line_count: int = 0
    created_by: str = Field(max_length=128)
    created_at: datetime = _when()
    submitted_by: str | None = Field(default=None, max_length=128)
    submitted_at: datetime | None = _when_set()
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = _when_set()
    disbursed_by: str | None = Field(default=None, max_length=128)
    disbursed_at: datetime | None = _when_set()
    endpoint_id: uuid.UUID | None = None
    completed_at: datetime | None = _when_set()
    source_plan_id: uuid.UUID | None = Field(default=None, description="the assets dividend plan it pays")
    purpose: str | None = Field(default=None, max_length=100, description="as the source plan names it")
    month: int | None = Field(default=None, description="a wage batch's month (1–12) of its year")
    number: str | None = Field(default=None, max_length=40, description="per year and kind: 2026-肉羊-0003")
    notice_posted_at: datetime | None = _when_set()
    notice_until: datetime | None = _when_set()
    returned_by: str | None = Field(default=None, max_length=128)
    returned_at: datetime | None = _when_set()
    return_reason: str | None = Field(default=None, max_length=500)
    cancelled_by: str | None = Field(default=None, max_length=128)
    cancelled_at: datetime | None = _when_set()
    repays_batch_id: uuid.UUID | None = Field(default=None, description="the completed batch it pays again")
    held: list[dict[str, Any]] | None = Field(
        default=None, sa_type=JSON, description="households left out for their account: id, number, reason"
    )


class Line(Base, table=True):
    """One payment to one household in a batch; its id is the bank instruction id."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        # No entitlement is ever paid twice: at most one live line per entitlement, enforced by the database.
        Index(
            "uq_payment_lines_live_entitlement",
            "entitlement_key",
            unique=True,
            sqlite_where=text(LIVE_LINE_SQL),
            postgresql_where=text(LIVE_LINE_SQL),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    batch_id: uuid.UUID = Field(foreign_key="payment_batches.id", index=True)
    entitlement_key: str = Field(max_length=100, index=True)
    claim_id: uuid.UUID | None = Field(default=None, foreign_key="claims.id")
    household_id: uuid.UUID
    household_number: str = Field(max_length=20)
    region_code: str = Field(max_length=12, index=True)
    payee_name: str = Field(max_length=50)
    payee_id_masked: str = Field(max_length=18)
    bank_name: str | None = Field(default=None, max_length=50, description="the payee account's bank")
    account_masked: str | None = Field(default=None, max_length=32, description="its number, masked")
    amount_fen: int = _fen()
    quantity: int | None = None
    rate_fen: int | None = _fen(nullable=True)
    policy_version: int
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status: str = Field(max_length=16)
    bank_reference: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when()
    updated_at: datetime = _when()


# An objection not yet settled holds its line (and so its batch) out of approval.
OPEN_OBJECTION_SQL = "settled_at IS NULL"


class LineObjection(Base, table=True):
    """An objection raised against a line while its batch's notice is posted (先公示后发放), settled by a
    township official: upheld takes the line out of the batch, dismissed leaves it."""

    __tablename__ = "line_objections"
    __table_args__ = (
        Index(
            "uq_line_objections_open_line",
            "line_id",
            unique=True,
            sqlite_where=text(OPEN_OBJECTION_SQL),
            postgresql_where=text(OPEN_OBJECTION_SQL),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    line_id: uuid.UUID = Field(foreign_key="payment_lines.id", index=True)
    batch_id: uuid.UUID = Field(foreign_key="payment_batches.id", index=True)
    region_code: str = Field(max_length=12, index=True)
    household_number: str = Field(max_length=20)
    reason: str = Field(max_length=500)
    raised_by: str = Field(max_length=128)
    raised_at: datetime = _when()
    settled_by: str | None = Field(default=None, max_length=128)
    settled_at: datetime | None = _when_set()
    outcome: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=500)


class WebhookEndpoint(Base, table=True):
    """The agent bank's receiver of disbursement instructions: proposed by the banner admin, active only once
    a banner official approves it (one active at a time), bound to the bank client whose callbacks count."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index(
            "uq_webhook_endpoints_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100)
    status: str = Field(max_length=16)
    created_by: str = Field(max_length=128, description="who proposed it")
    created_at: datetime = _when()
    bank_client_id: str | None = Field(default=None, max_length=128, description="whose callbacks count")
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = _when_set()
    retired_at: datetime | None = _when_set()


class BankCallback(Base, table=True):
    """A processed bank callback, kept by its `webhook-id`: a duplicate is answered with the first result."""

    __tablename__ = "bank_callbacks"
    __table_args__ = (UniqueConstraint("webhook_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    webhook_id: str = Field(max_length=128)
    instruction_id: uuid.UUID = Field(index=True)
    status: str = Field(max_length=16)
    bank_reference: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    applied: bool
    line_status: str = Field(max_length=16)
    discrepancy_id: uuid.UUID | None = Field(default=None, description="set when recorded as a discrepancy")
    received_at: datetime = _when()


# A discrepancy not yet resolved holds its line's entitlement (services/payments/discrepancies.py).
OPEN_DISCREPANCY_SQL = "resolved_at IS NULL"


class BankDiscrepancy(Base, table=True):
    """A bank report that contradicts a line's final status (`paid` for a failed line, `failed` for a paid
    one): the line is not moved, its entitlement is held until a banner official resolves it."""

    __tablename__ = "bank_discrepancies"
    __table_args__ = (
        UniqueConstraint("webhook_id"),
        # One open discrepancy per line: a second contradicting report joins the first.
        Index(
            "uq_bank_discrepancies_open_line",
            "line_id",
            unique=True,
            sqlite_where=text(OPEN_DISCREPANCY_SQL),
            postgresql_where=text(OPEN_DISCREPANCY_SQL),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    line_id: uuid.UUID = Field(foreign_key="payment_lines.id", index=True)
    batch_id: uuid.UUID = Field(index=True)
    entitlement_key: str = Field(max_length=100, index=True)
    region_code: str = Field(max_length=12, index=True)
    amount_fen: int = _fen()
    held_status: str = Field(max_length=16)
    reported_status: str = Field(max_length=16)
    webhook_id: str = Field(max_length=128)
    bank_reference: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    rebatched_line_id: uuid.UUID | None = Field(
        default=None, description="the live line that held the entitlement when `paid` came: paid twice?"
    )
    received_at: datetime = _when()
    resolved_at: datetime | None = _when_set()
    resolved_by: str | None = Field(default=None, max_length=128)
    resolution: str | None = Field(default=None, max_length=16)
    resolution_note: str | None = Field(default=None, max_length=500)
    overpaid_fen: int | None = _fen(nullable=True)
