"""The safety net computed, rewards tied to results.

Seed §五(一)4's policies were one-off claims with a free amount (`case_by_case`); they are now computed per
member from the registry's facts, so version 1 gets their figures — Inner Mongolia's standards, policy data a
banner changes by a new version: the monthly rural 低保 standard and the 渐退期 months, the disability
allowances per grade, the pension premium paid for a member and the one-off pension loan. The disability
kinds take the names API.md gives their batches (`disability_living`, `disability_nursing`), 以奖代补 becomes
`industry_reward`, and a claim for it names the result it rewards (`result_id`, rewarded once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION_1 = uuid.UUID("7c1f3a52-2021-4c01-9a11-150625000001")
RENAMED = {
    "disability_allowance": "disability_living",
    "severe_disability_nursing": "disability_nursing",
    "reward_subsidy": "industry_reward",
}
SAFETY_NET = (
    "dibao_gradual_exit", "disability_living", "disability_nursing", "pension_premium", "pension_loan",
)  # fmt: skip
LIVE_CLAIM_SQL = "result_id IS NOT NULL AND status <> 'rejected'"

# (kind, disability grade, mode, unit, rate in fen, cap): rates monthly for per_member_month (cap = months),
# yearly for the premium, once for the loan (cap 1).
SAFETY_NET_ITEMS: tuple[tuple[str, int | None, str, str, int, int | None], ...] = (
    ("dibao_gradual_exit", None, "per_member_month", "人·月", 660_00, 6),
    ("disability_living", 1, "per_member_month", "人·月", 150_00, 12),
    ("disability_living", 2, "per_member_month", "人·月", 150_00, 12),
    ("disability_living", 3, "per_member_month", "人·月", 100_00, 12),
    ("disability_living", 4, "per_member_month", "人·月", 100_00, 12),
    ("disability_nursing", 1, "per_member_month", "人·月", 150_00, 12),
    ("disability_nursing", 2, "per_member_month", "人·月", 100_00, 12),
    ("pension_premium", None, "per_member", "人·年", 200_00, None),
    ("pension_loan", None, "per_member", "人", 15_000_00, 1),
)

items = sa.table(
    "policy_items",
    sa.column("id", sa.Uuid()),
    sa.column("version_id", sa.Uuid()),
    sa.column("kind", sa.String),
    sa.column("school_stage", sa.String),
    sa.column("disability_grade", sa.Integer),
    sa.column("mode", sa.String),
    sa.column("unit", sa.String),
    sa.column("rate_fen", sa.BigInteger),
    sa.column("cap_quantity", sa.Integer),
)
KIND_TABLES = ("policy_items", "claims", "claim_totals", "payment_batches")


def _rename(pairs: dict[str, str]) -> None:
    for name in KIND_TABLES:
        table = sa.table(name, sa.column("kind", sa.String))
        for old, new in pairs.items():
            op.execute(table.update().where(table.c.kind == old).values(kind=new))


def upgrade() -> None:
    op.add_column("policy_items", sa.Column("disability_grade", sa.Integer(), nullable=True))
    op.add_column("claims", sa.Column("result_id", sa.Uuid(), nullable=True))
    op.create_index(
        "uq_claims_live_result",
        "claims",
        ["result_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_CLAIM_SQL),
        postgresql_where=sa.text(LIVE_CLAIM_SQL),
    )
    _rename(RENAMED)
    op.execute(items.delete().where(items.c.version_id == VERSION_1, items.c.kind.in_(SAFETY_NET)))
    op.bulk_insert(
        items,
        [
            {
                "id": uuid.uuid5(VERSION_1, f"{kind}:{grade}"),
                "version_id": VERSION_1,
                "kind": kind,
                "school_stage": None,
                "disability_grade": grade,
                "mode": mode,
                "unit": unit,
                "rate_fen": rate,
                "cap_quantity": cap,
            }
            for kind, grade, mode, unit, rate, cap in SAFETY_NET_ITEMS
        ],
    )


def downgrade() -> None:
    op.execute(items.delete().where(items.c.version_id == VERSION_1, items.c.kind.in_(SAFETY_NET)))
    op.bulk_insert(
        items,
        [
            {
                "id": uuid.uuid5(VERSION_1, f"{kind}:case"),
                "version_id": VERSION_1,
                "kind": kind,
                "school_stage": None,
                "disability_grade": None,
                "mode": "case_by_case",
                "unit": unit,
                "rate_fen": None,
                "cap_quantity": None,
            }
            for kind, unit in (
                ("dibao_gradual_exit", "户"),
                ("disability_living", "人"),
                ("disability_nursing", "人"),
                ("pension_premium", "人"),
            )
        ],
    )
    _rename({new: old for old, new in RENAMED.items()})
    op.drop_index("uq_claims_live_result", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("result_id")
    with op.batch_alter_table("policy_items") as batch:
        batch.drop_column("disability_grade")
