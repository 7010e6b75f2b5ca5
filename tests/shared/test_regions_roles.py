"""Region codes (prefix = ancestry) and which roles may hold which tier."""

import pytest

from shared.regions import Tier, is_region_code, is_within, parent_of, tier_of
from shared.roles import Role, role_fits_region

BANNER, TOWNSHIP, VILLAGE = "150625", "150625100", "150625100201"
NOT_CODES = [
    "",
    "15062",
    "1506251",
    "15062510",
    "1506251001",
    "15062510020",
    "1506251002011",
    "150625100201001",
    "15062a",
    " 150625",
    "150625\n",  # `$` would match before a trailing newline
    "１５０６２５",  # full-width digits
    "15%",
]


@pytest.mark.parametrize(
    ("code", "tier"), [(BANNER, Tier.banner), (TOWNSHIP, Tier.township), (VILLAGE, Tier.village)]
)
def test_tier_of_reads_the_code_length(code: str, tier: Tier) -> None:
    assert is_region_code(code)
    assert tier_of(code) is tier


@pytest.mark.parametrize("code", NOT_CODES)
def test_anything_else_is_not_a_region_code(code: str) -> None:
    assert not is_region_code(code)
    with pytest.raises(ValueError, match="not a region code"):
        tier_of(code)


@pytest.mark.parametrize(("code", "parent"), [(BANNER, None), (TOWNSHIP, BANNER), (VILLAGE, TOWNSHIP)])
def test_parent_of_drops_one_tier(code: str, parent: str | None) -> None:
    assert parent_of(code) == parent


def test_parent_of_refuses_a_non_code() -> None:
    with pytest.raises(ValueError):
        parent_of("1506251")


@pytest.mark.parametrize(
    ("code", "scope", "inside"),
    [
        (BANNER, BANNER, True),
        (TOWNSHIP, BANNER, True),
        (VILLAGE, BANNER, True),
        (TOWNSHIP, TOWNSHIP, True),
        (VILLAGE, TOWNSHIP, True),
        (VILLAGE, VILLAGE, True),
        (BANNER, TOWNSHIP, False),  # an ancestor is not within its child
        (TOWNSHIP, VILLAGE, False),
        ("150625101", TOWNSHIP, False),  # a sibling township sharing the first 8 digits
        ("150625101001", TOWNSHIP, False),  # a village of that sibling
        ("150625100202", VILLAGE, False),  # a sibling village
        ("150626100", BANNER, False),  # another banner's township
        ("150626", BANNER, False),
    ],
)
def test_is_within_is_a_prefix_check_on_whole_tiers(code: str, scope: str, inside: bool) -> None:
    assert is_within(code, scope) is inside


ALLOWED_TIERS = {
    Role.banner_admin: {Tier.banner},
    Role.banner_official: {Tier.banner},
    Role.township_official: {Tier.township},
    Role.village_official: {Tier.village},
    Role.work_team: {Tier.village},
    Role.department_officer: {Tier.banner, Tier.township},
    Role.auditor: {Tier.banner, Tier.township},
    Role.partner_agency: {Tier.banner, Tier.township},
    Role.bank: {Tier.banner},
    Role.service: {Tier.banner},
}
CODE_OF_TIER = {Tier.banner: BANNER, Tier.township: TOWNSHIP, Tier.village: VILLAGE}


def test_every_role_has_an_expected_tier_set() -> None:
    assert set(ALLOWED_TIERS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("tier", list(Tier))
def test_role_fits_region_by_tier(role: Role, tier: Tier) -> None:
    assert role_fits_region(role, CODE_OF_TIER[tier]) is (tier in ALLOWED_TIERS[role])


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("code", NOT_CODES)
def test_no_role_fits_a_non_code(role: Role, code: str) -> None:
    assert role_fits_region(role, code) is False
