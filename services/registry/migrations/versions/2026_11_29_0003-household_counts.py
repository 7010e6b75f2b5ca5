"""Households by village and category, kept by the database itself for the dashboard and list totals.

Counting a banner's million households on every dashboard read grows with the registry; this table holds
one row per (village, category) and is changed by triggers in the same transaction as every write to
`households` — registration, category change, import, transfer between villages, deletion — so it is
exact whichever code path writes. On PostgreSQL the triggers are statement-level with transition tables:
a COPY or a bulk import of thousands of households changes each counter once, not once per row. SQLite
has no statement-level triggers, so there they are row-level (a later SQLite batch migration that
rebuilds `households` must create them again). Backfilled from the households present.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One function for the three statement triggers; each branch reads only the transition tables its event
# has. Changes are summed per counter first (an update that moves nothing changes nothing) and applied
# in key order, so concurrent writers lock counters in the same order.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION household_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    regions text[];
    categories text[];
    changes bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(region_code), array_agg(category), array_agg(n) INTO regions, categories, changes
        FROM (SELECT region_code, category, count(*) AS n FROM new_rows GROUP BY 1, 2) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(region_code), array_agg(category), array_agg(n) INTO regions, categories, changes
        FROM (SELECT region_code, category, -count(*) AS n FROM old_rows GROUP BY 1, 2) d;
    ELSE
        SELECT array_agg(region_code), array_agg(category), array_agg(n) INTO regions, categories, changes
        FROM (
            SELECT region_code, category, sum(delta) AS n FROM (
                SELECT region_code, category, 1 AS delta FROM new_rows
                UNION ALL SELECT region_code, category, -1 FROM old_rows
            ) moved GROUP BY 1, 2 HAVING sum(delta) <> 0
        ) d;
    END IF;
    INSERT INTO household_counts AS c (region_code, category, households)
        SELECT * FROM unnest(regions, categories, changes) ORDER BY 1, 2
    ON CONFLICT (region_code, category) DO UPDATE SET households = c.households + EXCLUDED.households;
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGERS = {
    "insert": "INSERT ON households REFERENCING NEW TABLE AS new_rows",
    "update": "UPDATE ON households REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "DELETE ON households REFERENCING OLD TABLE AS old_rows",
}


def _sqlite_add(row: str, change: str) -> str:
    return (
        f"INSERT INTO household_counts (region_code, category, households) "
        f"VALUES ({row}.region_code, {row}.category, {change}) "
        f"ON CONFLICT (region_code, category) DO UPDATE SET households = households + ({change});"
    )


SQLITE_TRIGGERS = {
    "insert": f"AFTER INSERT ON households BEGIN {_sqlite_add('NEW', '1')} END",
    "update": (
        "AFTER UPDATE OF region_code, category ON households "
        "WHEN OLD.region_code <> NEW.region_code OR OLD.category <> NEW.category "
        f"BEGIN {_sqlite_add('OLD', '-1')} {_sqlite_add('NEW', '1')} END"
    ),
    "delete": f"AFTER DELETE ON households BEGIN {_sqlite_add('OLD', '-1')} END",
}


def upgrade() -> None:
    op.create_table(
        "household_counts",
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "category", name=op.f("pk_household_counts")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Scope filters on it are prefix matches, like those on households.
        op.execute(
            "CREATE INDEX ix_household_counts_region_code ON household_counts (region_code text_pattern_ops)"
        )
        op.execute(POSTGRESQL_FUNCTION)
        for event, on in POSTGRESQL_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER household_counts_{event} AFTER {on} "
                "FOR EACH STATEMENT EXECUTE FUNCTION household_counts_apply()"
            )
    else:
        for event, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER household_counts_{event} {body}")
    op.execute(
        "INSERT INTO household_counts (region_code, category, households) "
        "SELECT region_code, category, count(*) FROM households GROUP BY region_code, category"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for event in POSTGRESQL_TRIGGERS:
        op.execute(f"DROP TRIGGER household_counts_{event}" + (" ON households" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION household_counts_apply()")
    op.drop_table("household_counts")
