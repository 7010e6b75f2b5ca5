"""Dividend batches handed over by assets: the plan a batch comes from (at most one batch per plan) and the
purpose the plan gives its payments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_batches", sa.Column("source_plan_id", sa.Uuid(), nullable=True))
    op.add_column("payment_batches", sa.Column("purpose", sa.String(length=100), nullable=True))
    op.create_index("uq_payment_batches_source_plan_id", "payment_batches", ["source_plan_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_payment_batches_source_plan_id", table_name="payment_batches")
    with op.batch_alter_table("payment_batches") as batch:
        batch.drop_column("purpose")
        batch.drop_column("source_plan_id")
