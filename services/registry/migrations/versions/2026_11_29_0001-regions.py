"""Kernel tables and the region tree, with the banner and its six rural townships.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_kernel_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# National statistical division codes (MISSION.md §1); 150625400 杭锦经济开发区 is not rural.
BANNER_AND_TOWNSHIPS = [
    ("150625", "杭锦旗", "banner", None),
    ("150625100", "锡尼镇", "township", "150625"),
    ("150625101", "巴拉贡镇", "township", "150625"),
    ("150625102", "吉日嘎朗图镇", "township", "150625"),
    ("150625103", "独贵塔拉镇", "township", "150625"),
    ("150625104", "呼和木独镇", "township", "150625"),
    ("150625200", "伊和乌素苏木", "township", "150625"),
]


def upgrade() -> None:
    create_kernel_tables()
    regions = op.create_table(
        "regions",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), sa.ForeignKey("regions.code"), nullable=True, index=True),
        sa.Column("is_focus", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.bulk_insert(
        regions,
        [
            {"code": c, "name": n, "tier": t, "parent_code": p, "is_focus": False}
            for c, n, t, p in BANNER_AND_TOWNSHIPS
        ],
    )


def downgrade() -> None:
    op.drop_table("regions")
    op.drop_table("outbox")
    op.drop_table("audit_log")
