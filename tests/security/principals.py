"""Who calls: one token per role at a fitting region, and the three places fixture objects live.

Village-tier roles sit in village A; township-tier roles (and the roles that may hold either tier) in A's
township T; banner-tier roles at the banner. Village B is A's sibling in T, village C lies in another
township, so each position means something different to each tier.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import httpx

from shared.roles import Role

BANNER = "150625"
TOWNSHIP = "150625100"
OTHER_TOWNSHIP = "150625101"


class Position(StrEnum):
    """Where a fixture object lives, relative to village A."""

    village = "village"  # A 150625100201
    sibling = "sibling"  # B 150625100202, same township as A
    other = "other"  # C 150625101201, another township


VILLAGE = {
    Position.village: "150625100201",
    Position.sibling: "150625100202",
    Position.other: "150625101201",
}
POSITIONS = tuple(Position)

REGION_OF_ROLE: dict[Role, str] = {
    Role.banner_admin: BANNER,
    Role.banner_official: BANNER,
    Role.township_official: TOWNSHIP,
    Role.village_official: VILLAGE[Position.village],
    Role.work_team: VILLAGE[Position.village],
    Role.department_officer: TOWNSHIP,
    Role.auditor: TOWNSHIP,
    Role.partner_agency: TOWNSHIP,
    Role.bank: BANNER,
    Role.service: BANNER,
}


def in_scope(scope: str, code: str) -> bool:
    """A code's prefix is its ancestry (MISSION.md §1): a record is in scope when its code starts with it."""
    return code.startswith(scope)


@dataclass
class Caller:
    """An httpx client with a role's bearer token; one pooled connection set is shared by all callers."""

    client: httpx.Client
    role: Role
    region: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]


def callers(client: httpx.Client, mint: Callable[[Role, str, str], str]) -> dict[Role, Caller]:
    """One caller per role; `mint(role, region, subject)` signs the token as the gateway would."""
    return {
        role: Caller(client, role, region, mint(role, region, f"matrix-{role}"))
        for role, region in REGION_OF_ROLE.items()
    }
