"""A livestock claim keeps the herd on record when it was filed and whether the village said the record is
out of date (a claim above the record then waits for approval instead of being refused).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "claims", sa.Column("herd_record_outdated", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("claims", sa.Column("herd_on_record", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("herd_on_record")
        batch.drop_column("herd_record_outdated")
