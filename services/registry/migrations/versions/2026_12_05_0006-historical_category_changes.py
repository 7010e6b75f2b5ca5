"""Category history says which categories were loaded as identified before the system (historical imports).

Only the monitoring procedure sets or leaves `monitored`, `marginal` and `sudden_hardship`; a banner
official's import may still load households identified in them before the system, and their first
history entry is marked `historical`.

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
    with op.batch_alter_table("category_changes") as batch:
        batch.add_column(sa.Column("historical", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("category_changes") as batch:
        batch.drop_column("historical")
