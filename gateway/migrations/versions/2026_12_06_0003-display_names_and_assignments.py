"""Accounts carry the official's name as people read it (display_name); assignments send work teams and
第一书记 to villages for a term, with a visit target (seed §六(二)(三)(五)).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("display_name", sa.String(50), nullable=True))
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username"), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("dispatching_unit", sa.String(100), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("visits_per_month", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_assignments_village_code",
        "assignments",
        ["village_code"],
        postgresql_ops={"village_code": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_village_code", table_name="assignments")
    op.drop_table("assignments")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("display_name")
