"""Dependencies that load and validate once (the 404 happens here), so routes stay thin."""

import uuid
from typing import Annotated

from fastapi import Depends, Request

from services.assets import assets, dividends, fund
from services.assets.clients import PaymentsClient, RegistryClient
from services.assets.models import Asset, DividendPlan, Fund, Investment
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import SessionDep
from shared.roles import Role


async def asset_in_scope(session: SessionDep, principal: PrincipalDep, asset_id: uuid.UUID) -> Asset:
    return await assets.get_asset(session, principal=principal, asset_id=asset_id)


async def plan_in_scope(session: SessionDep, principal: PrincipalDep, plan_id: uuid.UUID) -> DividendPlan:
    return await dividends.get_plan(session, principal=principal, plan_id=plan_id)


async def investment_in_scope(
    session: SessionDep, principal: PrincipalDep, investment_id: uuid.UUID
) -> Investment:
    return await fund.get_investment(session, principal=principal, investment_id=investment_id)


async def fund_in_scope(session: SessionDep, principal: PrincipalDep) -> Fund:
    return await fund.get_fund(session, principal=principal)


def get_registry(request: Request) -> RegistryClient:
    registry: RegistryClient = request.app.state.registry
    return registry


def get_payments(request: Request) -> PaymentsClient:
    payments: PaymentsClient = request.app.state.payments
    return payments


AssetDep = Annotated[Asset, Depends(asset_in_scope)]
PlanDep = Annotated[DividendPlan, Depends(plan_in_scope)]
InvestmentDep = Annotated[Investment, Depends(investment_in_scope)]
FundDep = Annotated[Fund, Depends(fund_in_scope)]
RegistryDep = Annotated[RegistryClient, Depends(get_registry)]
PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]

_READERS = set(Role) - {Role.bank, Role.service}
# Everyone who may read assets, plans, the fund and the catalogue (a bank may not).
Reader = Annotated[Principal, Depends(require_roles(*_READERS))]
# A plan is read by the same people, and by payments' client checking a handed-over plan against it.
PlanReader = Annotated[Principal, Depends(require_roles(*_READERS, Role.service))]
# Who keeps the asset register, its incomes and notices, and drafts dividend plans: officials of all tiers.
Keeper = Annotated[
    Principal, Depends(require_roles(Role.village_official, Role.township_official, Role.banner_official))
]
# Who approves dividend plans (另一人审批) and manages the fund, entities and products.
Manager = Annotated[Principal, Depends(require_roles(Role.township_official, Role.banner_official))]
