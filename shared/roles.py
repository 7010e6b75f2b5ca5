"""The roles of MISSION.md §1 and the tiers each may hold."""

from enum import StrEnum

from shared.regions import Tier, tier_of


class Role(StrEnum):
    banner_admin = "banner_admin"
    banner_official = "banner_official"
    township_official = "township_official"
    village_official = "village_official"
    work_team = "work_team"
    department_officer = "department_officer"
    auditor = "auditor"
    partner_agency = "partner_agency"
    bank = "bank"
    # The services' own API clients (`svc-<name>`), for their background calls to each other; never a person.
    service = "service"


ROLE_TIERS: dict[Role, frozenset[Tier]] = {
    Role.banner_admin: frozenset({Tier.banner}),
    Role.banner_official: frozenset({Tier.banner}),
    Role.township_official: frozenset({Tier.township}),
    Role.village_official: frozenset({Tier.village}),
    Role.work_team: frozenset({Tier.village}),
    Role.department_officer: frozenset({Tier.banner, Tier.township}),
    Role.auditor: frozenset({Tier.banner, Tier.township}),
    Role.partner_agency: frozenset({Tier.banner, Tier.township}),
    Role.bank: frozenset({Tier.banner}),
    Role.service: frozenset({Tier.banner}),
}

ROLE_LABELS: dict[Role, str] = {
    Role.banner_admin: "旗级管理员",
    Role.banner_official: "旗级干部",
    Role.township_official: "苏木镇干部",
    Role.village_official: "嘎查村两委",
    Role.work_team: "驻村工作队",
    Role.department_officer: "行业部门",
    Role.auditor: "审计",
    Role.partner_agency: "合作单位",
    Role.bank: "代理银行",
    Role.service: "系统服务",
}

HUMAN_ROLES = frozenset(Role) - {Role.partner_agency, Role.bank, Role.service}
# Roles the banner admin may give an account or API client: the service role belongs to the services alone.
ASSIGNABLE_ROLES = frozenset(Role) - {Role.service}


def role_fits_region(role: Role, region_code: str) -> bool:
    """Whether an account of `role` may be scoped to `region_code` (a village official to a village)."""
    try:
        return tier_of(region_code) in ROLE_TIERS[role]
    except ValueError:
        return False
