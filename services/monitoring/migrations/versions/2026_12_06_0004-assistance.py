"""Assistance as data: household plans and their measures, departments' lists and their findings, microcredit
loans and repayments, and the yearly figures they use (medical out-of-pocket line, loan bounds and subsidy).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The yearly figures a row set before this revision carries (rules.DEFAULT_THRESHOLDS).
THRESHOLD_DEFAULTS = {
    "medical_out_of_pocket_fen": 500_000,
    "loan_max_fen": 5_000_000,
    "loan_max_term_months": 36,
    "loan_subsidy_rate_bp": 310,
}


def _id(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    with op.batch_alter_table("thresholds") as batch:
        for name, value in THRESHOLD_DEFAULTS.items():
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=str(value)))
    op.create_table(
        "assistance_plans",
        *_id("assistance_plans"),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("responsible_username", sa.String(length=128), nullable=False),
        sa.Column("responsible_display_name", sa.String(length=50), nullable=False),
        sa.Column("wants_loan", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("household_id", name=op.f("uq_assistance_plans_household_id")),
    )
    op.create_index("ix_assistance_plans_region_code", "assistance_plans", ["region_code"])
    op.create_table(
        "plan_measures",
        *_id("plan_measures"),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.String(length=1000), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("plan_measures", "plan_id", "assistance_plans"),
    )
    for column in ("plan_id", "due_on", "status"):
        op.create_index(f"ix_plan_measures_{column}", "plan_measures", [column])
    op.create_table(
        "department_uploads",
        *_id("department_uploads"),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_department_uploads_region_code", "department_uploads", ["region_code"])
    op.create_table(
        "department_findings",
        *_id("department_findings"),
        sa.Column("upload_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("member_id_masked", sa.String(length=18), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        _fk("department_findings", "upload_id", "department_uploads"),
    )
    for column in ("upload_id", "household_id", "region_code"):
        op.create_index(f"ix_department_findings_{column}", "department_findings", [column])
    op.create_table(
        "loans",
        *_id("loans"),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("borrower_member_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_name", sa.String(length=50), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("annual_rate_bp", sa.Integer(), nullable=False),
        sa.Column("subsidy_rate_bp", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("disbursed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("repaid_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("household_id", "region_code", "due_on", "status"):
        op.create_index(f"ix_loans_{column}", "loans", [column])
    op.create_table(
        "loan_repayments",
        *_id("loan_repayments"),
        sa.Column("loan_id", sa.Uuid(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("loan_repayments", "loan_id", "loans"),
    )
    op.create_index("ix_loan_repayments_loan_id", "loan_repayments", ["loan_id"])


def downgrade() -> None:
    for table in ("loan_repayments", "loans", "department_findings", "department_uploads", "plan_measures"):
        op.drop_table(table)
    op.drop_table("assistance_plans")
    with op.batch_alter_table("thresholds") as batch:
        for name in THRESHOLD_DEFAULTS:
            batch.drop_column(name)
