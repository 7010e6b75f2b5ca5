"""Dependencies that load and validate once, so routes stay thin."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from services.payments import batches, claims, webhooks
from services.payments.clients import AssetsClient, MonitoringClient
from services.payments.models import Batch, Claim, WebhookEndpoint
from services.payments.notices import parse_phones
from shared.auth import Principal, PrincipalDep, require_roles
from shared.crypto import Sealer
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.registry_client import RegistryClient
from shared.roles import Role
from shared.service_auth import is_service_client


def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


async def claim_in_scope(session: SessionDep, principal: PrincipalDep, claim_id: uuid.UUID) -> Claim:
    return await claims.get_claim(session, principal=principal, claim_id=claim_id)


async def batch_in_scope(session: SessionDep, principal: PrincipalDep, batch_id: uuid.UUID) -> Batch:
    return await batches.get_batch(session, principal=principal, batch_id=batch_id)


async def endpoint_by_id(session: SessionDep, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return await webhooks.get_endpoint(session, endpoint_id=endpoint_id)


def bank_endpoint_hosts(request: Request) -> str:
    """The hosts a bank endpoint may point at (setting BANK_ENDPOINT_HOSTS), comma-separated."""
    hosts: str = request.app.state.settings.bank_endpoint_hosts
    return hosts


def instruction_sealer(request: Request) -> Sealer:
    """Seals the account number each queued bank instruction carries (setting INSTRUCTION_ENCRYPTION_KEYS)."""
    sealer: Sealer = request.app.state.sealer
    return sealer


def get_assets(request: Request) -> AssetsClient:
    assets: AssetsClient = request.app.state.assets
    return assets


def get_monitoring(request: Request) -> MonitoringClient:
    monitoring: MonitoringClient = request.app.state.monitoring
    return monitoring


async def own_token(request: Request) -> str:
    """This service's own access token, for reads that must not depend on who is calling."""
    token: str = await request.app.state.credentials.token()
    return token


def assets_service(principal: PrincipalDep) -> Principal:
    """Only the assets service's own client hands dividend plans over: no person, no other service."""
    if not is_service_client(principal, "assets"):
        raise Forbidden("只有资产收益服务可以移交分红方案")
    return principal


def previous_year_claims_until(request: Request) -> tuple[int, int]:
    """The day (month, day) until which last year's claims are taken (setting PREVIOUS_YEAR_CLAIMS_UNTIL)."""
    month, day = request.app.state.settings.previous_year_claims_until.split("-")
    return int(month), int(day)


def notice_days(request: Request) -> float | None:
    """The notice period set for drills and tests (PAYMENT_NOTICE_DAYS), else None: the policy's."""
    days: float | None = request.app.state.settings.payment_notice_days
    return days


def supervision_phones(request: Request) -> dict[str, str]:
    """The supervision phones notices print, per region (setting PAYMENT_SUPERVISION_PHONES)."""
    return parse_phones(request.app.state.settings.payment_supervision_phones)


RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
NoticeDaysDep = Annotated[float | None, Depends(notice_days)]
PhonesDep = Annotated[dict[str, str], Depends(supervision_phones)]
ClaimWindowDep = Annotated[tuple[int, int], Depends(previous_year_claims_until)]
AssetsDep = Annotated[AssetsClient, Depends(get_assets)]
MonitoringDep = Annotated[MonitoringClient, Depends(get_monitoring)]
OwnTokenDep = Annotated[str, Depends(own_token)]
SealerDep = Annotated[Sealer, Depends(instruction_sealer)]
ClaimDep = Annotated[Claim, Depends(claim_in_scope)]
BatchDep = Annotated[Batch, Depends(batch_in_scope)]
EndpointDep = Annotated[WebhookEndpoint, Depends(endpoint_by_id)]
EndpointHostsDep = Annotated[str, Depends(bank_endpoint_hosts)]

# Who files claims: the village "两委" and the township and banner above them (MISSION.md §1).
Claimant = Annotated[
    Principal, Depends(require_roles(Role.village_official, Role.township_official, Role.banner_official))
]
# Who approves case-by-case claims and drafts and submits batches.
Reviewer = Annotated[Principal, Depends(require_roles(Role.township_official, Role.banner_official))]
# Who hears objections to a posted notice and records them: the village and its work team, and above.
ObjectionTaker = Annotated[
    Principal,
    Depends(
        require_roles(Role.village_official, Role.work_team, Role.township_official, Role.banner_official)
    ),
]
# Who settles them (苏木镇审核).
TownshipOfficial = Annotated[Principal, Depends(require_roles(Role.township_official))]
# Who approves and disburses batches (旗确认).
BannerOfficial = Annotated[Principal, Depends(require_roles(Role.banner_official))]
BannerAdmin = Annotated[Principal, Depends(require_roles(Role.banner_admin))]
BannerStaff = Annotated[Principal, Depends(require_roles(Role.banner_admin, Role.banner_official))]
Bank = Annotated[Principal, Depends(require_roles(Role.bank))]
AssetsService = Annotated[Principal, Depends(assets_service)]
# Everyone who may read payments (a bank only posts callbacks; a partner agency reads the registry).
Reader = Annotated[
    Principal, Depends(require_roles(*(set(Role) - {Role.bank, Role.partner_agency, Role.service})))
]
