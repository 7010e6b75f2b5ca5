"""The first policy version is shown as the implementation plan's standards, not by an internal reference:
its `created_by` read `seed §五(一)`, which the policy page showed to officials.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "seed §五(一)"
NEW = "实施方案规定标准"
versions = sa.table("policy_versions", sa.column("version", sa.Integer), sa.column("created_by", sa.String))


def upgrade() -> None:
    op.execute(
        versions.update().where(versions.c.version == 1, versions.c.created_by == OLD).values(created_by=NEW)
    )


def downgrade() -> None:
    op.execute(
        versions.update().where(versions.c.version == 1, versions.c.created_by == NEW).values(created_by=OLD)
    )
