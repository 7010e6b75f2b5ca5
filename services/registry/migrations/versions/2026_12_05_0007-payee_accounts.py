"""Households carry their payee account (惠民惠农"一卡通"): the payee member, the bank, and the number only
encrypted, with a keyed digest for lookup and its masked form.

Plain ADD COLUMN (no table rebuild on SQLite), so the household-count triggers of 0003 stay in place.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("payee_digest", 64),
    ("payee_name", 50),
    ("bank_name", 50),
    ("account_cipher", 200),
    ("account_digest", 64),
    ("account_masked", 24),
)


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("households", sa.Column(name, sa.String(length), nullable=True))
    op.create_index("ix_households_account_digest", "households", ["account_digest"])


def downgrade() -> None:
    op.drop_index("ix_households_account_digest", table_name="households")
    with op.batch_alter_table("households") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
