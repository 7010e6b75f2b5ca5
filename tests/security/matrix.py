"""Read `authorization_matrix.md`: the expected answer per operation, role and object position."""

import re
from dataclasses import dataclass
from pathlib import Path

from shared.roles import Role
from tests.security.principals import POSITIONS, Position

MATRIX_FILE = Path(__file__).with_name("authorization_matrix.md")
LETTERS = frozenset("ADHNRP-")
_ROW = re.compile(r"^\|\s*`(?P<op>[A-Z]+ [^`]+)`\s*\|(?P<cells>.*)\|\s*$")
_HEADER = re.compile(r"^\|\s*接口 operation\s*\|(?P<roles>.*)\|\s*$")


@dataclass(frozen=True)
class Row:
    operation: str
    cells: dict[Role, dict[Position, str]]

    @property
    def public(self) -> bool:
        return all(cell == "P" for by_position in self.cells.values() for cell in by_position.values())


def parse_cell(text: str) -> dict[Position, str]:
    if len(text) == 1:
        text = text * len(POSITIONS)
    if len(text) != len(POSITIONS) or not set(text) <= LETTERS:
        raise ValueError(f"bad cell {text!r}: one or three of {''.join(sorted(LETTERS))}")
    return dict(zip(POSITIONS, text, strict=True))


def load(path: Path = MATRIX_FILE) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    roles: list[Role] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if header := _HEADER.match(line):
            roles = [Role(name.strip()) for name in header["roles"].split("|")]
            if set(roles) != set(Role):
                raise ValueError(f"the header must name every role once: {roles}")
        elif row := _ROW.match(line):
            texts = [cell.strip() for cell in row["cells"].split("|")]
            if len(texts) != len(roles):
                raise ValueError(f"{row['op']}: {len(texts)} cells for {len(roles)} roles")
            if row["op"] in rows:
                raise ValueError(f"{row['op']} is listed twice")
            rows[row["op"]] = Row(row["op"], {r: parse_cell(t) for r, t in zip(roles, texts, strict=True)})
    return rows
