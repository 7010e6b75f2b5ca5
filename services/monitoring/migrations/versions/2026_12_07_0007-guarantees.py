"""The three guarantees per member: 控辍保学 follow-ups, medical insurance per year, reimbursements with
their check, and the reimbursement floors as yearly figures beside the income line.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOORS = {"chronic_reimbursement_floor_bp": 8_000, "inpatient_reimbursement_floor_bp": 9_000}
TABLES = ("dropout_follow_ups", "medical_insurance", "reimbursements")


def _member(table: str) -> list[Any]:
    """The id and the member's columns every table here shares."""
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("member_name", sa.String(length=50), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("thresholds") as batch:
        for name, value in FLOORS.items():
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default=str(value)))
    op.create_table(
        "dropout_follow_ups",
        *_member("dropout_follow_ups"),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("followed_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_dropout_follow_ups_member_id", "dropout_follow_ups", ["member_id"])
    op.create_table(
        "medical_insurance",
        *_member("medical_insurance"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("enrolled", sa.Boolean(), nullable=False),
        sa.Column("premium_fen", sa.Integer(), nullable=False),
        sa.Column("paid_on_behalf_fen", sa.Integer(), nullable=False),
        sa.UniqueConstraint("member_id", "year", name=op.f("uq_medical_insurance_member_id_year")),
    )
    op.create_table(
        "reimbursements",
        *_member("reimbursements"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("eligible_cost_fen", sa.Integer(), nullable=False),
        sa.Column("reimbursed_fen", sa.Integer(), nullable=False),
        sa.Column("floor_bp", sa.Integer(), nullable=False),
        sa.Column("ratio_bp", sa.Integer(), nullable=False),
        sa.Column("shortfall_fen", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
    )
    for table in TABLES:
        for column in ("household_id", "region_code"):
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
    with op.batch_alter_table("thresholds") as batch:
        for name in FLOORS:
            batch.drop_column(name)
