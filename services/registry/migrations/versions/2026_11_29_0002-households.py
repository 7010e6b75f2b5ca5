"""Households, members (ID numbers encrypted), yearly incomes and category history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "village_counters",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", name=op.f("pk_village_counters")),
    )
    op.create_table(
        "households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("lifted_year", sa.Integer(), nullable=True),
        sa.Column("relocated", sa.Boolean(), nullable=False),
        sa.Column("resettlement_site", sa.String(length=100), nullable=True),
        sa.Column("education_secure", sa.Boolean(), nullable=False),
        sa.Column("medical_secure", sa.Boolean(), nullable=False),
        sa.Column("housing_secure", sa.Boolean(), nullable=False),
        sa.Column("water_secure", sa.Boolean(), nullable=False),
        sa.Column("sheep", sa.Integer(), nullable=False),
        sa.Column("cattle", sa.Integer(), nullable=False),
        sa.Column("pigs", sa.Integer(), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_households_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("number", name=op.f("uq_households_number")),
    )
    # Scope filters are prefix matches (LIKE "150625100%"): on PostgreSQL they need text_pattern_ops to use
    # an index whatever the database collation; name and number search are prefix matches too.
    op.create_index(
        "ix_households_region_code",
        "households",
        ["region_code", "category"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index("ix_households_category", "households", ["category"])
    op.create_index(
        "ix_households_head_name",
        "households",
        ["head_name"],
        postgresql_ops={"head_name": "text_pattern_ops"},
    )
    op.create_index(
        "ix_households_number_prefix", "households", ["number"], postgresql_ops={"number": "text_pattern_ops"}
    )

    op.create_table(
        "category_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("from_category", sa.String(length=32), nullable=True),
        sa.Column("to_category", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_category_changes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_changes")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_category_changes_idempotency_key")),
    )
    op.create_index("ix_category_changes_household_id", "category_changes", ["household_id"])

    op.create_table(
        "household_incomes",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("per_capita_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_household_incomes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("household_id", "year", name=op.f("pk_household_incomes")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("id_cipher", sa.String(length=200), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("ethnicity", sa.String(length=20), nullable=True),
        sa.Column("school_stage", sa.String(length=16), nullable=False),
        sa.Column("disability_grade", sa.Integer(), nullable=True),
        sa.Column("chronic_disease", sa.Boolean(), nullable=False),
        sa.Column("serious_illness", sa.Boolean(), nullable=False),
        sa.Column("labour_ability", sa.String(length=16), nullable=False),
        sa.Column("employment", sa.String(length=100), nullable=True),
        sa.Column("dibao", sa.Boolean(), nullable=False),
        sa.Column("tekun", sa.Boolean(), nullable=False),
        sa.Column("pension_insurance", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_members_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("id_digest", name=op.f("uq_members_id_digest")),
    )
    op.create_index("ix_members_household_id", "members", ["household_id"])
    op.create_index("ix_members_name", "members", ["name"], postgresql_ops={"name": "text_pattern_ops"})


def downgrade() -> None:
    for table in ("members", "household_incomes", "category_changes", "households", "village_counters"):
        op.drop_table(table)
