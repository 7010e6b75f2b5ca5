"""Housing and drinking water per household: dangerous-house renovations (危房改造) with their appraisal,
subsidy and acceptance, and drinking-water problems with their fix.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("housing_renovations", "water_fixes")


def _household(table: str) -> list[Any]:
    """The id and the household's columns both tables share."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "housing_renovations",
        *_household("housing_renovations"),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subsidy_fen", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.String(length=100), nullable=True),
    )
    op.create_table(
        "water_fixes",
        *_household("water_fixes"),
        sa.Column("problem", sa.String(length=16), nullable=False),
        sa.Column("fix", sa.String(length=16), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
    )
    for table in TABLES:
        for column in ("household_id", "region_code"):
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
