"""Indexes for the two reads that grow with the registry: name search and the bulk stream.

A name search is a prefix range over members' names giving household ids; with the id in the index the
range is read from the index alone, so a search's total counts index entries, not table rows. The stream
reads, for each household, its head (the payee) and (with `school=true`) its members in school: two
partial indexes hold exactly those members with every column the stream writes, so both are read from
the index alone, and the school one is a fraction of all members. On PostgreSQL the name is indexed with
`text_pattern_ops` so a `LIKE 'x%'` uses it whatever the database collation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_SCHOOL = "school_stage <> 'none'"
HEAD = "relation = 'head'"


def upgrade() -> None:
    op.create_index(
        "ix_members_name_household",
        "members",
        ["name", "household_id"],
        postgresql_ops={"name": "text_pattern_ops"},
    )
    op.create_index(
        "ix_members_in_school",
        "members",
        ["household_id", "position", "id", "name", "relation", "birth_date", "school_stage"],
        postgresql_where=sa.text(IN_SCHOOL),
        sqlite_where=sa.text(IN_SCHOOL),
    )
    op.create_index(
        "ix_members_head",
        "members",
        ["household_id", "name", "id_masked"],
        postgresql_where=sa.text(HEAD),
        sqlite_where=sa.text(HEAD),
    )


def downgrade() -> None:
    op.drop_index("ix_members_head", "members")
    op.drop_index("ix_members_in_school", "members")
    op.drop_index("ix_members_name_household", "members")
