"""Dependencies that load and validate once (the 404 happens here), so routes stay thin."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from services.assets import allocations, assets, catalogue, dividends, fund, partnerships
from services.assets.clients import PaymentsClient
from services.assets.models import Asset, DividendPlan, Fund, FundProject, Investment, Partnership, Product
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.registry_client import RegistryClient
from shared.roles import Role


async def asset_in_scope(session: SessionDep, principal: PrincipalDep, asset_id: uuid.UUID) -> Asset:
    return await assets.get_asset(session, principal=principal, asset_id=asset_id)


async def plan_in_scope(session: SessionDep, principal: PrincipalDep, plan_id: uuid.UUID) -> DividendPlan:
    return await dividends.get_plan(session, principal=principal, plan_id=plan_id)


async def investment_in_scope(
    session: SessionDep, principal: PrincipalDep, investment_id: uuid.UUID
) -> Investment:
    return await fund.get_investment(session, principal=principal, investment_id=investment_id)


async def product_in_scope(session: SessionDep, principal: PrincipalDep, product_id: uuid.UUID) -> Product:
    return await catalogue.get_product(session, principal=principal, product_id=product_id)


async def partnership_in_scope(
    session: SessionDep, principal: PrincipalDep, partnership_id: uuid.UUID
) -> Partnership:
    return await partnerships.get_partnership(session, principal=principal, partnership_id=partnership_id)


async def project_in_scope(
    session: SessionDep, principal: PrincipalDep, project_id: uuid.UUID
) -> FundProject:
    return await allocations.get_project(session, principal=principal, project_id=project_id)


async def fund_in_scope(session: SessionDep, principal: PrincipalDep) -> Fund:
    return await fund.get_fund(session, principal=principal)


def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


def get_payments(request: Request) -> PaymentsClient:
    payments: PaymentsClient = request.app.state.payments
    return payments


def notice_days(request: Request) -> float | None:
    """A plan's notice period set for drills and tests (PAYMENT_NOTICE_DAYS, the one money waits for before
    it is paid), else None: rules.PLAN_NOTICE_DAYS."""
    days: float | None = request.app.state.settings.payment_notice_days
    return days


AssetDep = Annotated[Asset, Depends(asset_in_scope)]
PlanDep = Annotated[DividendPlan, Depends(plan_in_scope)]
InvestmentDep = Annotated[Investment, Depends(investment_in_scope)]
FundDep = Annotated[Fund, Depends(fund_in_scope)]
ProductDep = Annotated[Product, Depends(product_in_scope)]
PartnershipDep = Annotated[Partnership, Depends(partnership_in_scope)]
ProjectDep = Annotated[FundProject, Depends(project_in_scope)]
RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]
NoticeDaysDep = Annotated[float | None, Depends(notice_days)]

_READERS = set(Role) - {Role.bank, Role.service}
# Everyone who may read assets, plans, the fund and the catalogue (a bank may not).
Reader = Annotated[Principal, Depends(require_roles(*_READERS))]
# A plan is read by the same people, and by payments' client checking a handed-over plan against it.
PlanReader = Annotated[Principal, Depends(require_roles(*_READERS, Role.service))]
# Who keeps the asset register, its incomes and notices, drafts dividend plans and records partnerships,
# their deliveries and product sales: officials of all tiers, each in scope.
Keeper = Annotated[
    Principal, Depends(require_roles(Role.village_official, Role.township_official, Role.banner_official))
]
# Who approves dividend plans (另一人审批) and manages the fund, entities, products and their checks,
# and records the values projects reached.
Manager = Annotated[Principal, Depends(require_roles(Role.township_official, Role.banner_official))]
# Who puts money in and sets projects' targets (旗级资金): banner officials only.
Treasurer = Annotated[Principal, Depends(require_roles(Role.banner_official))]
