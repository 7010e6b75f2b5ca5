"""Dividend plans as officials read them: the income a plan was made from, its notice to the village (公示:
who published it, from when, until when), each line's household number, and the parts an approved plan
keeps for the village (its public-welfare posts' budget, its collective's income) as entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def plan_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """The plan's new columns, made afresh for each use (a column belongs to one table)."""
    return [
        sa.Column("income_id", sa.Uuid(), nullable=True),
        sa.Column("published_by", sa.String(length=128), nullable=True),
        sa.Column("notice_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_until", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    for column in plan_columns():
        op.add_column("dividend_plans", column)
    op.add_column("dividend_lines", sa.Column("household_no", sa.String(length=32), nullable=True))
    op.create_table(
        "village_fund_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fund", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["dividend_plans.id"], name=op.f("fk_village_fund_entries_plan_id_dividend_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_fund_entries")),
        sa.UniqueConstraint("plan_id", "fund", name=op.f("uq_village_fund_entries_plan_id_fund")),
    )
    op.create_index(
        "ix_village_fund_entries_region_code",
        "village_fund_entries",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index("ix_village_fund_entries_year", "village_fund_entries", ["year"])
    op.create_index("ix_village_fund_entries_plan_id", "village_fund_entries", ["plan_id"])


def downgrade() -> None:
    op.drop_table("village_fund_entries")
    with op.batch_alter_table("dividend_lines") as batch:
        batch.drop_column("household_no")
    with op.batch_alter_table("dividend_plans") as batch:
        for column in plan_columns():
            batch.drop_column(column.name)
