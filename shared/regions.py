"""Region codes and tiers (national statistical division codes): a code's prefix is its ancestry.

Banner 150625 (6 digits) → township 150625100 (9 digits) → village 150625100201 (12 digits).
"""

import re

from shared.vocabulary import Term

BANNER_CODE = "150625"
_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")  # ASCII digits only; used with fullmatch


class Tier(Term):
    banner = "banner", "旗级"
    township = "township", "苏木镇级"
    village = "village", "嘎查村级"


_TIER_BY_LENGTH = {6: Tier.banner, 9: Tier.township, 12: Tier.village}


def is_region_code(code: str) -> bool:
    return bool(_CODE.fullmatch(code))


def tier_of(code: str) -> Tier:
    """The tier a code names; raises ValueError for anything that is not a 6, 9 or 12-digit code."""
    if not is_region_code(code):
        raise ValueError(f"not a region code: {code!r}")
    return _TIER_BY_LENGTH[len(code)]


def parent_of(code: str) -> str | None:
    return {Tier.banner: None, Tier.township: code[:6], Tier.village: code[:9]}[tier_of(code)]


def is_within(code: str, scope: str) -> bool:
    """True when `code` is `scope` itself or lies under it."""
    return code.startswith(scope)
