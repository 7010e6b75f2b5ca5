"""Monitoring cases with their steps, objections, measures and reliefs; visits, alerts, thresholds and
self-reports.

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
        "alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("dismissed_reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_household_id", "alerts", ["household_id"])
    op.create_index(
        "ix_alerts_region_code", "alerts", ["region_code"], postgresql_ops={"region_code": "text_pattern_ops"}
    )
    op.create_index("ix_alerts_status", "alerts", ["status"])

    op.create_table(
        "monitoring_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("active_household_id", sa.Uuid(), nullable=True),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("head_name_masked", sa.String(length=50), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category_at_opening", sa.String(length=32), nullable=False),
        sa.Column("income_per_capita_fen", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("risk_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("authorisation_signed", sa.Boolean(), nullable=False),
        sa.Column("authorisation_signed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("discovered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_category", sa.String(length=32), nullable=True),
        sa.Column("eliminated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("opened_by", sa.String(length=128), nullable=False),
        sa.Column("opened_role", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_cases")),
        sa.UniqueConstraint("active_household_id", name=op.f("uq_monitoring_cases_active_household_id")),
    )
    op.create_index("ix_monitoring_cases_household_id", "monitoring_cases", ["household_id"])
    op.create_index(
        "ix_monitoring_cases_region_code",
        "monitoring_cases",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )
    op.create_index("ix_monitoring_cases_status", "monitoring_cases", ["status"])

    op.create_table(
        "self_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("village_code", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("id_masked", sa.String(length=18), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("risk_types", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_reports")),
    )
    op.create_index(
        "ix_self_reports_region_code",
        "self_reports",
        ["region_code"],
        postgresql_ops={"region_code": "text_pattern_ops"},
    )

    op.create_table(
        "thresholds",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("income_line_fen", sa.Integer(), nullable=False),
        sa.Column("rigid_expenditure_fen", sa.Integer(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("decision_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_thresholds")),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("household_number", sa.String(length=20), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("education_secure", sa.Boolean(), nullable=False),
        sa.Column("medical_secure", sa.Boolean(), nullable=False),
        sa.Column("housing_secure", sa.Boolean(), nullable=False),
        sa.Column("water_secure", sa.Boolean(), nullable=False),
        sa.Column("income_per_capita_fen", sa.Integer(), nullable=False),
        sa.Column("rigid_expenditure_fen", sa.Integer(), nullable=False),
        sa.Column("employment", sa.String(length=200), nullable=True),
        sa.Column("schooling_note", sa.String(length=500), nullable=True),
        sa.Column("medical_note", sa.String(length=500), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("visitor", sa.String(length=128), nullable=False),
        sa.Column("visitor_role", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index("ix_visits_household_id", "visits", ["household_id"])
    op.create_index(
        "ix_visits_region_code", "visits", ["region_code"], postgresql_ops={"region_code": "text_pattern_ops"}
    )

    op.create_table(
        "case_measures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("cadre_name", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.String(length=1000), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_case_measures_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_measures")),
    )
    op.create_index("ix_case_measures_case_id", "case_measures", ["case_id"])

    op.create_table(
        "case_objections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("content", sa.String(length=1000), nullable=False),
        sa.Column("raised_by_name", sa.String(length=50), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        sa.Column("upheld", sa.Boolean(), nullable=True),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_case_objections_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_objections")),
    )
    op.create_index("ix_case_objections_case_id", "case_objections", ["case_id"])

    op.create_table(
        "case_reliefs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_case_reliefs_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reliefs")),
    )
    op.create_index("ix_case_reliefs_case_id", "case_reliefs", ["case_id"])

    op.create_table(
        "case_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_case_steps_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_steps")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_case_steps_case_id_position")),
    )
    op.create_index("ix_case_steps_case_id", "case_steps", ["case_id"])


def downgrade() -> None:
    for table in (
        "case_steps",
        "case_reliefs",
        "case_objections",
        "case_measures",
        "visits",
        "thresholds",
        "self_reports",
        "monitoring_cases",
        "alerts",
    ):
        op.drop_table(table)
