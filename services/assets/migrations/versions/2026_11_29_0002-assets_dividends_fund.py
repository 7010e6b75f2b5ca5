"""Assets and their incomes and status history, dividend plans and lines, the industry development fund
(configured here: 15,000,000 yuan piloted in 锡尼镇, seed §五(三)4), entities, products and notices.

Money is BigInteger fen. Region codes are prefix-matched for scope, hence `text_pattern_ops` on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration must not change when the models do (= models.INDUSTRY_FUND_ID).
INDUSTRY_FUND_ID = uuid.UUID("5e1f0c3a-0000-4000-8000-000000150625")


def upgrade() -> None:
    op.create_table(
        "dividend_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("households_pct", sa.Integer(), nullable=False),
        sa.Column("public_posts_pct", sa.Integer(), nullable=False),
        sa.Column("collective_pct", sa.Integer(), nullable=False),
        sa.Column("households_fen", sa.BigInteger(), nullable=False),
        sa.Column("public_posts_fen", sa.BigInteger(), nullable=False),
        sa.Column("collective_fen", sa.BigInteger(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("made_by", sa.String(length=128), nullable=False),
        sa.Column("made_role", sa.String(length=32), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_batch_id", sa.String(length=64), nullable=True),
        sa.Column("handover_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dividend_plans")),
    )
    op.create_index(
        "ix_dividend_plans_region_code",
        "dividend_plans",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index("ix_dividend_plans_status", "dividend_plans", ["status"])

    op.create_table(
        "entities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_entities_credit_code")),
    )
    op.create_index(
        "ix_entities_region_code",
        "entities",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "funds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("capital_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(
        "ix_notices_region_code",
        "notices",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "assets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("asset_class", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("funding_source", sa.String(length=32), nullable=False),
        sa.Column("funding_year", sa.Integer(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("operator_entity_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_entity_id"], ["entities.id"], name=op.f("fk_assets_operator_entity_id_entities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    op.create_index("ix_assets_funding_year", "assets", ["funding_year"])
    op.create_index(
        "ix_assets_region_code", "assets", ["region_code"], postgresql_ops={"region_code": "text_pattern_ops"}
    )

    op.create_table(
        "dividend_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("payee_name", sa.String(length=50), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["dividend_plans.id"], name=op.f("fk_dividend_lines_plan_id_dividend_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dividend_lines")),
        sa.UniqueConstraint("plan_id", "household_id", name=op.f("uq_dividend_lines_plan_id_household_id")),
    )
    op.create_index("ix_dividend_lines_plan_id", "dividend_lines", ["plan_id"])

    op.create_table(
        "fund_investments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fund_id", sa.Uuid(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("self_raised_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("expected_return_bp", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("repaid_principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_fund_investments_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_fund_investments_fund_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_investments")),
    )
    op.create_index("ix_fund_investments_entity_id", "fund_investments", ["entity_id"])
    op.create_index("ix_fund_investments_fund_id", "fund_investments", ["fund_id"])
    op.create_index(
        "ix_fund_investments_region_code",
        "fund_investments",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("certified_on", sa.Date(), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_products_entity_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("certificate_no", name=op.f("uq_products_certificate_no")),
    )
    op.create_index("ix_products_category", "products", ["category"])
    op.create_index("ix_products_entity_id", "products", ["entity_id"])
    op.create_index(
        "ix_products_region_code",
        "products",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "asset_incomes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"], name=op.f("fk_asset_incomes_asset_id_assets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_incomes")),
        sa.UniqueConstraint("asset_id", "year", name=op.f("uq_asset_incomes_asset_id_year")),
    )
    op.create_index("ix_asset_incomes_asset_id", "asset_incomes", ["asset_id"])

    op.create_table(
        "asset_status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("asset_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_asset_status_changes_asset_id_assets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_status_changes")),
    )
    op.create_index("ix_asset_status_changes_asset_id", "asset_status_changes", ["asset_id"])

    op.create_table(
        "fund_investment_households",
        sa.Column("investment_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("link", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["investment_id"],
            ["fund_investments.id"],
            name=op.f("fk_fund_investment_households_investment_id_fund_investments"),
        ),
        sa.PrimaryKeyConstraint(
            "investment_id", "household_id", "link", name=op.f("pk_fund_investment_households")
        ),
    )
    op.create_table(
        "fund_repayments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("investment_id", sa.Uuid(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("income_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["investment_id"],
            ["fund_investments.id"],
            name=op.f("fk_fund_repayments_investment_id_fund_investments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_repayments")),
    )
    op.create_index("ix_fund_repayments_investment_id", "fund_repayments", ["investment_id"])

    funds = sa.table(
        "funds",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("region_code", sa.String()),
        sa.column("capital_fen", sa.BigInteger()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        funds,
        [
            {
                "id": INDUSTRY_FUND_ID,
                "name": "乡村振兴产业发展基金",
                "region_code": "150625100",  # 锡尼镇, where the fund is piloted
                "capital_fen": 1_500_000_000,  # 1500万元
                "created_at": datetime(2026, 11, 29, tzinfo=UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("fund_repayments")
    op.drop_table("fund_investment_households")
    op.drop_table("asset_status_changes")
    op.drop_table("asset_incomes")
    op.drop_table("products")
    op.drop_table("fund_investments")
    op.drop_table("dividend_lines")
    op.drop_table("assets")
    op.drop_table("notices")
    op.drop_table("funds")
    op.drop_table("entities")
    op.drop_table("dividend_plans")
