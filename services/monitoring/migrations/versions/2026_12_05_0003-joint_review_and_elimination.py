"""The joint village review's signatures, the banner's register of village work teams, and the category a
household returns to when its risk is eliminated.

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


def upgrade() -> None:
    op.add_column("monitoring_cases", sa.Column("return_category", sa.String(length=32), nullable=True))
    op.add_column("case_steps", sa.Column("note", sa.String(length=200), nullable=True))
    op.create_table(
        "case_signatures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_case_signatures_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_signatures")),
        sa.UniqueConstraint("case_id", "role", name=op.f("uq_case_signatures_case_id_role")),
        sa.UniqueConstraint("case_id", "actor", name=op.f("uq_case_signatures_case_id_actor")),
    )
    op.create_index("ix_case_signatures_case_id", "case_signatures", ["case_id"])
    op.create_table(
        "work_teams",
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("leader_name", sa.String(length=50), nullable=False),
        sa.Column("dispatched_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("village_code", name=op.f("pk_work_teams")),
    )


def downgrade() -> None:
    op.drop_table("work_teams")
    op.drop_index("ix_case_signatures_case_id", table_name="case_signatures")
    op.drop_table("case_signatures")
    with op.batch_alter_table("case_steps") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("monitoring_cases") as batch:
        batch.drop_column("return_category")
