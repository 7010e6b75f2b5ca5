"""Publish before paying and batches that can be corrected: a policy version's notice period; a batch's
readable number, its notice dates, who returned it (and why) or cancelled it, and the completed batch it pays
again; objections raised against lines during the notice.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("settled_at IS NULL")


def batch_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """The batch's new columns, made afresh for each use (a column belongs to one table)."""
    return [
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("notice_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(length=128), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.String(length=500), nullable=True),
        sa.Column("cancelled_by", sa.String(length=128), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("repays_batch_id", sa.Uuid(), nullable=True),
    ]


def upgrade() -> None:
    notice_days = sa.Column("notice_days", sa.Integer(), nullable=False, server_default="7")
    op.add_column("policy_versions", notice_days)
    for column in batch_columns():
        op.add_column("payment_batches", column)
    op.create_index("uq_payment_batches_number", "payment_batches", ["number"], unique=True)
    op.create_table(
        "line_objections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("raised_by", sa.String(length=128), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_by", sa.String(length=128), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["payment_lines.id"], name=op.f("fk_line_objections_line_id_payment_lines")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_line_objections_batch_id_payment_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_objections")),
    )
    for column in ("line_id", "batch_id", "region_code"):
        op.create_index(f"ix_line_objections_{column}", "line_objections", [column])
    op.create_index(
        "uq_line_objections_open_line",
        "line_objections",
        ["line_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_table("line_objections")
    op.drop_index("uq_payment_batches_number", "payment_batches")
    with op.batch_alter_table("payment_batches") as batch:
        for column in batch_columns():
            batch.drop_column(column.name)
    with op.batch_alter_table("policy_versions") as batch:
        batch.drop_column("notice_days")
