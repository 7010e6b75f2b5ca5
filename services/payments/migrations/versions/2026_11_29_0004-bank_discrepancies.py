"""Bank discrepancies: a callback that contradicts a line's final status is recorded (not applied, not
ignored) and holds the line's entitlement until a banner official resolves it; a callback remembers the
discrepancy it was recorded as.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("resolved_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "bank_discrepancies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("entitlement_key", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("held_status", sa.String(length=16), nullable=False),
        sa.Column("reported_status", sa.String(length=16), nullable=False),
        sa.Column("webhook_id", sa.String(length=128), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("rebatched_line_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=True),
        sa.Column("overpaid_fen", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["payment_lines.id"], name=op.f("fk_bank_discrepancies_line_id_payment_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_discrepancies")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_bank_discrepancies_webhook_id")),
    )
    for column in ("line_id", "batch_id", "entitlement_key", "region_code"):
        op.create_index(f"ix_bank_discrepancies_{column}", "bank_discrepancies", [column])
    op.create_index(
        "uq_bank_discrepancies_open_line",
        "bank_discrepancies",
        ["line_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.add_column("bank_callbacks", sa.Column("discrepancy_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_callbacks") as batch:
        batch.drop_column("discrepancy_id")
    op.drop_table("bank_discrepancies")
