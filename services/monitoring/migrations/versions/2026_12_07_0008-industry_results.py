"""Industry results (以奖代补、先建后补, seed §五(五)): what a household achieved, recorded by the village and
verified at a visit, the only thing an industry reward may be paid for.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "industry_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("verified_by", sa.String(length=128), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_industry_results")),
    )
    op.create_index("ix_industry_results_household_id", "industry_results", ["household_id"])
    op.create_index("ix_industry_results_region_code", "industry_results", ["region_code"])


def downgrade() -> None:
    op.drop_index("ix_industry_results_region_code", table_name="industry_results")
    op.drop_index("ix_industry_results_household_id", table_name="industry_results")
    op.drop_table("industry_results")
