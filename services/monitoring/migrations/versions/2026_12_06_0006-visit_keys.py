"""A visit's `Idempotency-Key` and the digest of its body, so a retried visit (a phone syncing again) is
recorded once: unique per visitor and key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("visits", sa.Column("idempotency_key", sa.String(length=128), nullable=True))
    op.add_column("visits", sa.Column("request_hash", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_visits_visitor_idempotency_key", "visits", ["visitor", "idempotency_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_visits_visitor_idempotency_key", table_name="visits")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("request_hash")
        batch.drop_column("idempotency_key")
