"""What every benchmark is handed: the size, the running stack, its databases and a way to sign in.

`python -m bench` builds one `BenchContext` (PostgreSQL databases of its own, N generated households loaded,
the five processes serving) and passes it to each benchmark module's `measure(ctx) -> dict[str, float]`;
the figures are merged into one JSON summary and `bench/results.json`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from deploy.stack import Stack
from shared.roles import Role
from shared.settings import Settings


@dataclass
class BenchContext:
    n_households: int
    settings: Settings  # database URLs of the stack's processes (PostgreSQL), keys, secrets
    stack: Stack  # the gateway and the four services, serving on their own ports
    token: Callable[[Role, str], str]  # a real RS256 token for a role at a region code
    workdir: Path  # scratch space for generated files (spreadsheets), removed afterwards
    fresh_database: Callable[[str], str]  # a new, migrated, empty database for a process; dropped afterwards
    notes: dict[str, str] = field(default_factory=dict)  # what each figure measured, printed with the summary

    def dsn(self, process: str) -> str:
        """A plain PostgreSQL DSN (for asyncpg) of a process's database."""
        url = make_url(self.settings.database_url(process)).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)
