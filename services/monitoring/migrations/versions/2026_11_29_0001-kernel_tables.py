"""The shared kernel's tables: audit log and outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

from shared.migrations import create_kernel_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kernel_tables()


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("audit_log")
