"""百企兴百村 partnerships with their commitments and deliveries; producers' supplying households, the four
certification checks and product sales with the income that reached households; fund projects, their
performance targets and the money put into them (allocations); notices generated from a year's allocations.

Money and counts are BigInteger. Region codes are prefix-matched for scope, hence `text_pattern_ops`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Uuid(), nullable=False)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"))


def _region_index(table: str) -> None:
    op.create_index(
        f"ix_{table}_region_code", table, ["region_code"], postgresql_ops={"region_code": "text_pattern_ops"}
    )


def upgrade() -> None:
    op.create_table(
        "entity_suppliers",
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        _fk("entity_suppliers", "entity_id", "entities"),
        sa.PrimaryKeyConstraint("entity_id", "household_id", name=op.f("pk_entity_suppliers")),
    )
    op.create_table(
        "product_checks",
        _id(),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("check", sa.String(length=16), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_role", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        _fk("product_checks", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_checks")),
    )
    op.create_index("ix_product_checks_product_id", "product_checks", ["product_id"])
    op.create_table(
        "product_sales",
        _id(),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("buyer", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("product_sales", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_sales")),
    )
    op.create_index("ix_product_sales_product_id", "product_sales", ["product_id"])
    _region_index("product_sales")
    op.create_table(
        "product_sale_incomes",
        sa.Column("sale_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        _fk("product_sale_incomes", "sale_id", "product_sales"),
        sa.PrimaryKeyConstraint("sale_id", "household_id", name=op.f("pk_product_sale_incomes")),
    )
    op.create_index("ix_product_sale_incomes_household_id", "product_sale_incomes", ["household_id"])

    op.create_table(
        "partnerships",
        _id(),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("partnerships", "enterprise_id", "entities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
    )
    op.create_index("ix_partnerships_enterprise_id", "partnerships", ["enterprise_id"])
    _region_index("partnerships")
    op.create_table(
        "partnership_commitments",
        _id(),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        _fk("partnership_commitments", "partnership_id", "partnerships"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_commitments")),
    )
    op.create_index(
        "ix_partnership_commitments_partnership_id", "partnership_commitments", ["partnership_id"]
    )
    op.create_table(
        "partnership_deliveries",
        _id(),
        sa.Column("partnership_id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("partnership_deliveries", "partnership_id", "partnerships"),
        _fk("partnership_deliveries", "commitment_id", "partnership_commitments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnership_deliveries")),
    )
    op.create_index("ix_partnership_deliveries_partnership_id", "partnership_deliveries", ["partnership_id"])
    op.create_index("ix_partnership_deliveries_commitment_id", "partnership_deliveries", ["commitment_id"])

    op.create_table(
        "fund_projects",
        _id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("implementer", sa.String(length=200), nullable=False),
        sa.Column("content", sa.String(length=2000), nullable=False),
        sa.Column("timeline", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_projects")),
    )
    _region_index("fund_projects")
    op.create_index("ix_fund_projects_year", "fund_projects", ["year"])
    op.create_table(
        "performance_targets",
        _id(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("indicator", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("comparison", sa.String(length=16), nullable=False),
        sa.Column("target_value", sa.BigInteger(), nullable=False),
        sa.Column("actual_value", sa.BigInteger(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=True),
        _fk("performance_targets", "project_id", "fund_projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_targets")),
    )
    op.create_index("ix_performance_targets_project_id", "performance_targets", ["project_id"])
    op.create_table(
        "allocations",
        _id(),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("allocations", "project_id", "fund_projects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    op.create_index("ix_allocations_project_id", "allocations", ["project_id"])
    _region_index("allocations")
    op.create_index("ix_allocations_year", "allocations", ["year"])

    with op.batch_alter_table("notices") as notices:
        notices.add_column(sa.Column("allocation_year", sa.Integer(), nullable=True))
        notices.create_index("ix_notices_allocation_year", ["allocation_year"])


def downgrade() -> None:
    with op.batch_alter_table("notices") as notices:
        notices.drop_index("ix_notices_allocation_year")
        notices.drop_column("allocation_year")
    for table in (
        "allocations",
        "performance_targets",
        "fund_projects",
        "partnership_deliveries",
        "partnership_commitments",
        "partnerships",
        "product_sale_incomes",
        "product_sales",
        "product_checks",
        "entity_suppliers",
    ):
        op.drop_table(table)
