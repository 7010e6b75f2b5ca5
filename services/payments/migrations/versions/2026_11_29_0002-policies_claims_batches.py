"""Policy versions (seeded with the plan's figures as version 1), claims, batches, lines, webhook endpoints
and bank callbacks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_LINE_SQL = "status IN ('pending', 'sent', 'paid')"
VERSION_1 = uuid.UUID("7c1f3a52-2021-4c01-9a11-150625000001")

# seed §五(一)1-4, §五(五), §五(八): (kind, school stage, mode, unit, rate in fen, cap per household and year)
PLAN_ITEMS: tuple[tuple[str, str | None, str, str, int | None, int | None], ...] = (
    ("sheep", None, "per_unit", "只", 100_00, 20),
    ("cattle", None, "per_unit", "头", 1000_00, 2),
    ("pig", None, "per_unit", "口", 500_00, 4),
    ("education", "kindergarten", "per_student", "人·年", 3750_00, None),
    ("education", "primary", "per_student", "人·年", 2500_00, None),
    ("education", "junior", "per_student", "人·年", 2800_00, None),
    ("education", "senior", "per_student", "人·年", 3000_00, None),
    ("education", "tertiary", "per_student", "人·年", 4000_00, None),
    ("industry", None, "case_by_case", "户", None, None),
    ("insurance_premium", None, "case_by_case", "户", None, None),
    ("dibao_gradual_exit", None, "case_by_case", "户", None, None),
    ("disability_allowance", None, "case_by_case", "人", None, None),
    ("severe_disability_nursing", None, "case_by_case", "人", None, None),
    ("pension_premium", None, "case_by_case", "人", None, None),
    ("reward_subsidy", None, "case_by_case", "户", None, None),
    ("public_welfare_post", None, "case_by_case", "人", None, None),
)


def _at() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def _moment(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    versions = op.create_table(
        "policy_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_policy_versions_version")),
    )
    op.create_index("ix_policy_versions_effective_from", "policy_versions", ["effective_from"])
    items = op.create_table(
        "policy_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("school_stage", sa.String(length=16), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("rate_fen", sa.BigInteger(), nullable=True),
        sa.Column("cap_quantity", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["policy_versions.id"], name=op.f("fk_policy_items_version_id_policy_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_items")),
    )
    op.create_index("ix_policy_items_version_id", "policy_items", ["version_id"])

    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("payee_name", sa.String(length=50), nullable=False),
        sa.Column("payee_id_masked", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("already_claimed", sa.Integer(), nullable=False),
        sa.Column("rate_fen", sa.BigInteger(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _at(),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        _moment("decided_at"),
        sa.Column("decision_comment", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    op.create_index("ix_claims_household_id", "claims", ["household_id"])
    op.create_index("ix_claims_status", "claims", ["status"])
    # Scope filters are prefix matches: text_pattern_ops lets PostgreSQL use the index whatever the collation.
    op.create_index(
        "ix_claims_region_code",
        "claims",
        ["region_code", "kind", "year"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "claim_totals",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", "kind", "year", name=op.f("pk_claim_totals")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        _at(),
        sa.PrimaryKeyConstraint("subject", "key", name=op.f("pk_idempotency_keys")),
    )

    op.create_table(
        "payment_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _at(),
        sa.Column("submitted_by", sa.String(length=128), nullable=True),
        _moment("submitted_at"),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        _moment("approved_at"),
        sa.Column("disbursed_by", sa.String(length=128), nullable=True),
        _moment("disbursed_at"),
        sa.Column("endpoint_id", sa.Uuid(), nullable=True),
        _moment("completed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
    )
    op.create_index("ix_payment_batches_status", "payment_batches", ["status"])
    op.create_index(
        "ix_payment_batches_region_code",
        "payment_batches",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "payment_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("entitlement_key", sa.String(length=100), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("payee_name", sa.String(length=50), nullable=False),
        sa.Column("payee_id_masked", sa.String(length=18), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("rate_fen", sa.BigInteger(), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        _at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_payment_lines_batch_id_payment_batches")
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_payment_lines_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_lines")),
    )
    op.create_index("ix_payment_lines_batch_id", "payment_lines", ["batch_id", "status"])
    op.create_index("ix_payment_lines_entitlement_key", "payment_lines", ["entitlement_key"])
    op.create_index(
        "ix_payment_lines_region_code",
        "payment_lines",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    # No entitlement is ever paid twice: at most one pending, sent or paid line per entitlement.
    op.create_index(
        "uq_payment_lines_live_entitlement",
        "payment_lines",
        ["entitlement_key"],
        unique=True,
        sqlite_where=sa.text(LIVE_LINE_SQL),
        postgresql_where=sa.text(LIVE_LINE_SQL),
    )

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _at(),
        _moment("retired_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    # One agent bank at a time: never two active endpoints.
    op.create_index(
        "uq_webhook_endpoints_one_active",
        "webhook_endpoints",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "bank_callbacks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("webhook_id", sa.String(length=128), nullable=False),
        sa.Column("instruction_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("line_status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_callbacks")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_bank_callbacks_webhook_id")),
    )
    op.create_index("ix_bank_callbacks_instruction_id", "bank_callbacks", ["instruction_id"])

    now = datetime.now(UTC)
    op.bulk_insert(
        versions,
        [
            {
                "id": VERSION_1,
                "version": 1,
                "effective_from": date(2021, 1, 1),
                "created_by": "seed §五(一)",
                "created_at": now,
            }
        ],
    )
    op.bulk_insert(
        items,
        [
            {
                "id": uuid.uuid5(VERSION_1, f"{kind}:{stage}"),
                "version_id": VERSION_1,
                "kind": kind,
                "school_stage": stage,
                "mode": mode,
                "unit": unit,
                "rate_fen": rate,
                "cap_quantity": cap,
            }
            for kind, stage, mode, unit, rate, cap in PLAN_ITEMS
        ],
    )


def downgrade() -> None:
    for table in (
        "bank_callbacks",
        "webhook_endpoints",
        "payment_lines",
        "payment_batches",
        "idempotency_keys",
        "claim_totals",
        "claims",
        "policy_items",
        "policy_versions",
    ):
        op.drop_table(table)
