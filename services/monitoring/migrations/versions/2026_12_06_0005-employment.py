"""Employment as data: public-welfare posts, skills trainings, assistance workshops, work-relief projects, and
the members engaged in them (trained, employed, or paid for a month's labour).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _recorded() -> list[Any]:
    return [
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "public_welfare_posts",
        *_id("public_welfare_posts"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("holder_member_id", sa.Uuid(), nullable=False),
        sa.Column("holder_name", sa.String(length=50), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=18), nullable=False),
        sa.Column("monthly_wage_fen", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("priority_exception", sa.String(length=200), nullable=True),
        *_recorded(),
    )
    for column in ("household_id", "region_code", "ends_on"):
        op.create_index(f"ix_public_welfare_posts_{column}", "public_welfare_posts", [column])
    op.create_table(
        "trainings",
        *_id("trainings"),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        *_recorded(),
    )
    op.create_index("ix_trainings_region_code", "trainings", ["region_code"])
    op.create_table(
        "workshops",
        *_id("workshops"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        *_recorded(),
    )
    op.create_index("ix_workshops_region_code", "workshops", ["region_code"])
    op.create_table(
        "work_relief_projects",
        *_id("work_relief_projects"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        *_recorded(),
    )
    op.create_index("ix_work_relief_projects_region_code", "work_relief_projects", ["region_code"])
    op.create_table(
        "engagements",
        *_id("engagements"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("member_name", sa.String(length=50), nullable=False),
        sa.Column("member_id_masked", sa.String(length=18), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("certificate", sa.String(length=100), nullable=True),
        *_recorded(),
        sa.UniqueConstraint(
            "source_id", "member_id", "month", name=op.f("uq_engagements_source_id_member_id_month")
        ),
    )
    for column in ("source_id", "household_id", "region_code"):
        op.create_index(f"ix_engagements_{column}", "engagements", [column])


def downgrade() -> None:
    for table in ("engagements", "work_relief_projects", "workshops", "trainings", "public_welfare_posts"):
        op.drop_table(table)
