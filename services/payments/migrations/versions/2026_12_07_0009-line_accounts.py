"""Instructions carry the account: a line's payee account as the bank is told it (bank, masked number; the
number itself is read from the registry when the batch is disbursed), and the households a batch held out
for their account, with the reason.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_lines", sa.Column("bank_name", sa.String(length=50), nullable=True))
    op.add_column("payment_lines", sa.Column("account_masked", sa.String(length=32), nullable=True))
    op.add_column("payment_batches", sa.Column("held", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_batches") as batch:
        batch.drop_column("held")
    with op.batch_alter_table("payment_lines") as batch:
        batch.drop_column("account_masked")
        batch.drop_column("bank_name")
