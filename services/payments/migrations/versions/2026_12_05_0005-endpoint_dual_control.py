"""Dual control over the bank's webhook endpoint: an endpoint is proposed (status `proposed`), active only
once a banner official other than the proposer approves it (who, when), and bound to the bank client whose
callbacks it accepts. Endpoints registered before stay as they were, bound to no client.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_endpoints", sa.Column("bank_client_id", sa.String(length=128), nullable=True))
    op.add_column("webhook_endpoints", sa.Column("approved_by", sa.String(length=128), nullable=True))
    op.add_column("webhook_endpoints", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE webhook_endpoints SET status = 'retired' WHERE status = 'proposed'")
    with op.batch_alter_table("webhook_endpoints") as batch:
        for column in ("bank_client_id", "approved_by", "approved_at"):
            batch.drop_column(column)
