"""Load N generated households into a registry database at COPY speed, exactly as the service stores them.

The households are `services.registry.demo.generate_households` (deterministic, valid, collision-free ID
numbers into the millions); each one becomes the rows `register_many` would write — the household with its
number from the village's counter and its payee account (一卡通) as `services.registry.accounts` keeps it,
members with ID numbers encrypted and digested by the real `FieldCipher`, the registration in the category
history, the year's income — and the village counters end where the service would continue. Rows go in
with asyncpg COPY, a chunk of households at a time, so memory stays bounded whatever N is. The audit log is
not written: no benchmark reads it, and a million-entry hash chain would only lengthen the load.
"""

import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import asyncpg

from services.registry import accounts
from services.registry.demo import generate_households
from services.registry.rules import household_number
from services.registry.schemas import HouseholdCreate
from shared.crypto import FieldCipher
from shared.idnumber import mask_id_number

CHUNK = 5000  # households per COPY round
IMPORT_REASON = "批量导入"
LOADER = "bench-loader"
LOADER_ROLE = "banner_official"

HOUSEHOLD_COLUMNS = (
    "id", "number", "region_code", "address", "phone", "category", "lifted_year", "relocated",
    "resettlement_site", "education_secure", "medical_secure", "housing_secure", "water_secure",
    "sheep", "cattle", "pigs", "head_name", "member_count", "created_at", "updated_at", *accounts.NO_ACCOUNT,
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "household_id", "name", "id_digest", "id_cipher", "id_masked", "relation", "sex", "birth_date",
    "ethnicity", "school_stage", "disability_grade", "chronic_disease", "serious_illness", "labour_ability",
    "employment", "dibao", "tekun", "pension_insurance", "position",
)  # fmt: skip
CHANGE_COLUMNS = (
    "id", "household_id", "from_category", "to_category", "reason", "effective_date", "actor", "role", "at",
    "idempotency_key",
)  # fmt: skip
INCOME_COLUMNS = ("household_id", "year", "per_capita_fen")


@dataclass
class Rows:
    """One chunk's rows, table by table, in COPY column order."""

    households: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    incomes: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Numbering:
    """The village counters, advanced as households are placed (`register_many` reserves the same way)."""

    last: dict[str, int] = field(default_factory=dict)

    def next(self, village: str) -> str:
        self.last[village] = self.last.get(village, 0) + 1
        return household_number(village, self.last[village])


def household_rows(
    item: HouseholdCreate, *, rows: Rows, numbering: Numbering, cipher: FieldCipher, now: datetime
) -> None:
    """Append the rows of one household to `rows`."""
    household_id = uuid.uuid4()
    head = next(m.name for m in item.members if m.relation == "head")
    digests = [cipher.digest(m.id_number.strip().upper()) for m in item.members]
    people = [accounts.Person(m.name, d, str(m.relation)) for m, d in zip(item.members, digests, strict=True)]
    account, _ = accounts.columns(item.payee_account, people, cipher)
    rows.households.append(
        (
            household_id, numbering.next(item.region_code), item.region_code, item.address, item.phone,
            str(item.category), item.lifted_year, item.relocated, item.resettlement_site,
            item.education_secure, item.medical_secure, item.housing_secure, item.water_secure,
            item.sheep, item.cattle, item.pigs, head, len(item.members), now, now,
            *(account[c] for c in accounts.NO_ACCOUNT),
        )
    )  # fmt: skip
    for position, (m, digest) in enumerate(zip(item.members, digests, strict=True)):
        number = m.id_number.strip().upper()
        rows.members.append(
            (
                uuid.uuid4(), household_id, m.name, digest, cipher.encrypt(number),
                mask_id_number(number), str(m.relation), str(m.sex), m.birth_date, m.ethnicity,
                str(m.school_stage), m.disability_grade, m.chronic_disease, m.serious_illness,
                str(m.labour_ability), m.employment, m.dibao, m.tekun, m.pension_insurance, position,
            )
        )  # fmt: skip
    rows.changes.append(
        (uuid.uuid4(), household_id, None, str(item.category), IMPORT_REASON, now.date(), LOADER, LOADER_ROLE,
         now, None)
    )  # fmt: skip
    if item.income_per_capita_fen is not None:
        rows.incomes.append((household_id, item.income_year or now.year - 1, item.income_per_capita_fen))


def chunks(items: Iterable[HouseholdCreate], size: int) -> Iterator[list[HouseholdCreate]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


async def _copy(conn: asyncpg.Connection, rows: Rows) -> None:
    for table, columns, records in (
        ("households", HOUSEHOLD_COLUMNS, rows.households),
        ("members", MEMBER_COLUMNS, rows.members),
        ("category_changes", CHANGE_COLUMNS, rows.changes),
        ("household_incomes", INCOME_COLUMNS, rows.incomes),
    ):
        if records:
            await conn.copy_records_to_table(table, records=records, columns=columns)


async def load_households(
    dsn: str, *, n: int, villages: list[str], cipher: FieldCipher, chunk: int = CHUNK
) -> dict[str, int]:
    """Write `n` generated households over `villages` into the (empty) registry at `dsn`.

    Returns the row counts written; progress goes to stderr.
    """
    conn = await asyncpg.connect(dsn)
    numbering = Numbering()
    counts = {"households": 0, "members": 0}
    started = time.monotonic()
    try:
        for batch in chunks(generate_households(n, villages=villages), chunk):
            rows = Rows()
            now = datetime.now(UTC)
            for item in batch:
                household_rows(item, rows=rows, numbering=numbering, cipher=cipher, now=now)
            async with conn.transaction():
                await _copy(conn, rows)
            counts["households"] += len(rows.households)
            counts["members"] += len(rows.members)
            if counts["households"] % (chunk * 20) == 0 or counts["households"] == n:
                print(
                    f"  loaded {counts['households']:,}/{n:,} households "
                    f"({time.monotonic() - started:.0f} s)",
                    file=sys.stderr,
                )
        await conn.executemany(
            "INSERT INTO village_counters (region_code, last_number) VALUES ($1, $2) "
            "ON CONFLICT (region_code) DO UPDATE SET last_number = EXCLUDED.last_number",
            sorted(numbering.last.items()),
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return counts
