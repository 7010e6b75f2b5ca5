"""The in-school members' index covers every column the stream writes again, and the members a safety-net
batch streams by (`members=disabled|dibao`) get partial indexes of their own.

0004's in-school index held every column the stream wrote then; since, the stream also writes members'
disability grade, 低保 and pension flags, so PostgreSQL read the members table whole (3.1 million rows at a
million households) instead of the index's half-million entries. The index is made again with those
columns, and the disabled and 低保 members — a few per cent of all — are indexed the same way.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STREAMED = ["household_id", "position", "id", "name", "relation", "birth_date", "school_stage"]
FACTS = ["disability_grade", "dibao", "pension_insurance"]
# The partial indexes: name → the members they hold.
PARTIAL = {
    "ix_members_in_school": "school_stage <> 'none'",
    "ix_members_disabled": "disability_grade IS NOT NULL",
    "ix_members_dibao": "dibao",
}


def _create(name: str, columns: list[str]) -> None:
    where = sa.text(PARTIAL[name])
    op.create_index(name, "members", columns, postgresql_where=where, sqlite_where=where)


def upgrade() -> None:
    op.drop_index("ix_members_in_school", "members")
    for name in PARTIAL:
        _create(name, STREAMED + FACTS)


def downgrade() -> None:
    for name in PARTIAL:
        op.drop_index(name, "members")
    _create("ix_members_in_school", STREAMED)
