"""A wage batch (post_wage, work_relief_wage) pays one month of its year: the batch keeps the month.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_batches", sa.Column("month", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_batches") as batch:
        batch.drop_column("month")
