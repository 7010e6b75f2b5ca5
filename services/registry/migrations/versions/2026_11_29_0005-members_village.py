"""Each member carries its household's village, so a scoped name search is one index range.

A name search counts the caller's households with a member of that name. With the village only on
`households`, a township- or banner-wide search on a common name joined every matching member to its
household to test the scope, and that grew with the registry. `members.region_code` repeats the
household's village; the name index holds (name, village, household id), so the count is read from the
index alone, scope included.

The column is the database's to keep, whichever code path writes: a member takes its household's
village when it is inserted or moved to another household, and a household's members follow it when it
moves village (a transfer). PostgreSQL sets it before the row is written; SQLite, whose BEFORE triggers
cannot change the row, sets it right after. Backfilled from the households present.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_FUNCTIONS = {
    "members_take_village": """
        BEGIN
            NEW.region_code := (SELECT region_code FROM households WHERE id = NEW.household_id);
            RETURN NEW;
        END
    """,
    "members_follow_household": """
        BEGIN
            UPDATE members SET region_code = NEW.region_code WHERE household_id = NEW.id;
            RETURN NULL;
        END
    """,
}
# name: (table, events, row condition)
POSTGRESQL_TRIGGERS = {
    "members_take_village": ("members", "BEFORE INSERT OR UPDATE OF household_id", ""),
    "members_follow_household": (
        "households",
        "AFTER UPDATE OF region_code",
        "WHEN (OLD.region_code IS DISTINCT FROM NEW.region_code)",
    ),
}
_TAKE = (
    "UPDATE members SET region_code = (SELECT region_code FROM households WHERE id = NEW.household_id) "
    "WHERE id = NEW.id;"
)
SQLITE_TRIGGERS = {
    "members_take_village": f"AFTER INSERT ON members BEGIN {_TAKE} END",
    "members_move_household": f"AFTER UPDATE OF household_id ON members BEGIN {_TAKE} END",
    "members_follow_household": (
        "AFTER UPDATE OF region_code ON households WHEN OLD.region_code <> NEW.region_code "
        "BEGIN UPDATE members SET region_code = NEW.region_code WHERE household_id = NEW.id; END"
    ),
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.add_column("members", sa.Column("region_code", sa.String(length=12), nullable=True))
    op.drop_index("ix_members_name_household", "members")  # one index fewer to write while backfilling
    op.execute(
        # one join on PostgreSQL, not a look-up per member
        "UPDATE members SET region_code = households.region_code FROM households "
        "WHERE households.id = members.household_id"
        if postgresql
        else "UPDATE members SET region_code = "
        "(SELECT households.region_code FROM households WHERE households.id = members.household_id)"
    )
    if postgresql:
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
            table, events, condition = POSTGRESQL_TRIGGERS[name]
            op.execute(
                f"CREATE TRIGGER {name} {events} ON {table} "
                f"FOR EACH ROW {condition} EXECUTE FUNCTION {name}()"
            )
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.create_index(
        "ix_members_name_region_household",
        "members",
        ["name", "region_code", "household_id"],
        postgresql_ops={"name": "text_pattern_ops", "region_code": "text_pattern_ops"},
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_members_name_region_household", "members")
    op.create_index(
        "ix_members_name_household",
        "members",
        ["name", "household_id"],
        postgresql_ops={"name": "text_pattern_ops"},
    )
    if postgresql:
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP TRIGGER {name} ON {POSTGRESQL_TRIGGERS[name][0]}")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_column("members", "region_code")
