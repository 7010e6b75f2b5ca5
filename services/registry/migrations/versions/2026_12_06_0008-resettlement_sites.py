"""Resettlement sites (seed §五(四)) and their facilities; households say which site they live at.

`households.resettlement_site_id` is a plain ADD COLUMN without a foreign key (SQLite would rebuild the
table and lose the household-count triggers of 0003); the registry checks the site when it links one. The old
free-text `resettlement_site` stays readable: it is the site's name once a household is linked.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
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
        "resettlement_sites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_resettlement_sites_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resettlement_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_resettlement_sites_name")),
    )
    op.create_index(
        "ix_resettlement_sites_region_code",
        "resettlement_sites",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_table(
        "site_facilities",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("facility", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("project_name", sa.String(length=100), nullable=True),
        sa.Column("project_due_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["resettlement_sites.id"], name=op.f("fk_site_facilities_site_id_resettlement_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "facility", name=op.f("pk_site_facilities")),
    )
    op.add_column("households", sa.Column("resettlement_site_id", sa.Uuid(), nullable=True))
    op.create_index("ix_households_resettlement_site_id", "households", ["resettlement_site_id"])


def downgrade() -> None:
    op.drop_index("ix_households_resettlement_site_id", table_name="households")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("resettlement_site_id")
    op.drop_table("site_facilities")
    op.drop_index("ix_resettlement_sites_region_code", table_name="resettlement_sites")
    op.drop_table("resettlement_sites")
