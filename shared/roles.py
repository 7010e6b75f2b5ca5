"""The roles of MISSION.md §1 and the tiers each may hold."""

from shared.regions import Tier, tier_of
from shared.vocabulary import Term, labels


class Role(Term):
    banner_admin = "banner_admin", "旗级管理员"
    banner_official = "banner_official", "旗级干部"
    township_official = "township_official", "苏木镇干部"
    village_official = "village_official", "嘎查村两委"
    work_team = "work_team", "驻村工作队"
    department_officer = "department_officer", "行业部门"
    auditor = "auditor", "审计"
    partner_agency = "partner_agency", "合作单位"
    bank = "bank", "代理银行"
    # The services' own API clients (`svc-<name>`), for their background calls to each other; never a person.
    service = "service", "系统服务"


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

ROLE_LABELS = labels(Role)

HUMAN_ROLES = frozenset(Role) - {Role.partner_agency, Role.bank, Role.service}
# Roles the banner admin may give an account or API client: the service role belongs to the services alone.
ASSIGNABLE_ROLES = frozenset(Role) - {Role.service}
# Who reads the assessment of officials and villages (seed §六(五)): the townships, the banner, the auditor.
ASSESSORS = frozenset({Role.banner_admin, Role.banner_official, Role.township_official, Role.auditor})


def role_fits_region(role: Role, region_code: str) -> bool:
    """Whether an account of `role` may be scoped to `region_code` (a village official to a village)."""
    try:
        return tier_of(region_code) in ROLE_TIERS[role]
    except ValueError:
        return False
