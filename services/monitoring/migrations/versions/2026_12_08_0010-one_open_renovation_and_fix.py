"""One unaccepted renovation per household and one open water fix per household and problem, held by the
database (partial unique indexes) so that two requests at once cannot both record one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns, the rows it covers)
INDEXES = (
    (
        "uq_housing_renovations_unaccepted_household",
        "housing_renovations",
        ["household_id"],
        "accepted_on IS NULL",
    ),
    ("uq_water_fixes_open_household_problem", "water_fixes", ["household_id", "problem"], "done_on IS NULL"),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(
            name, table, columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
        )


def downgrade() -> None:
    for name, table, _columns, _where in INDEXES:
        op.drop_index(name, table_name=table)
