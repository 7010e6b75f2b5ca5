"""The rural revitalization industry development fund (乡村振兴产业发展基金, seed §五(三)4): investments
into entities of the pilot region, repayments, and whether the capital is preserved (保本收益)."""

import uuid
from collections import defaultdict
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules
from services.assets.common import page_of, record
from services.assets.entities import entity_for, entity_names
from services.assets.models import INDUSTRY_FUND_ID, Fund, Investment, InvestmentHousehold, Repayment
from services.assets.schemas import (
    FundPublic,
    InvestmentCreate,
    InvestmentPage,
    InvestmentPublic,
    InvestmentRatio,
    LinkedHousehold,
    RepaymentCreate,
    RepaymentPublic,
)
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.money import format_yuan
from shared.months import today
from shared.regions import is_within
from shared.registry_client import RegistryClient
from shared.scope import fetch_in_scope, scoped


def _facts(investment: Investment) -> rules.InvestmentFacts:
    return rules.InvestmentFacts(
        amount_fen=investment.amount_fen,
        repaid_principal_fen=investment.repaid_principal_fen,
        income_fen=investment.income_fen,
        start_date=investment.start_date,
        term_months=investment.term_months,
    )


async def _fund(session: AsyncSession, *, lock: bool = False) -> Fund:
    statement = select(Fund).where(Fund.id == INDUSTRY_FUND_ID)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return (await session.exec(statement)).one()


async def get_fund(session: AsyncSession, *, principal: Principal) -> Fund:
    """The fund, for callers whose scope covers its whole pilot region (the banner, 锡尼镇)."""
    fund = await _fund(session)
    if not is_within(fund.region_code, principal.region):
        raise NotFound("fund not found")
    return fund


async def get_investment(
    session: AsyncSession, *, principal: Principal, investment_id: uuid.UUID, lock: bool = False
) -> Investment:
    statement = scoped(select(Investment), Investment.region_code, principal).where(
        Investment.id == investment_id
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return await fetch_in_scope(session, statement, what="investment")


async def invest(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: InvestmentCreate
) -> InvestmentPublic:
    """Invest in an entity of the pilot region; refused when it exceeds the fund's available balance."""
    pairs = [(h.household_id, h.link) for h in data.linked_households]
    if len(set(pairs)) != len(pairs):
        raise Invalid.field("linked_households", "同一农牧户的同一联结方式重复")
    household_ids = list(dict.fromkeys(h for h, _ in pairs))
    if household_ids:
        known = {uuid.UUID(h["id"]) for h in await registry.lookup(household_ids, token=principal.token)}
        unknown = [str(h) for h in household_ids if h not in known]
        if unknown:
            raise Invalid.field(
                "linked_households", f"农牧户不存在或不在您的管辖范围内：{', '.join(unknown[:5])}"
            )
    entity = await entity_for(session, principal=principal, entity_id=data.entity_id)
    fund = await _fund(session, lock=True)
    if not is_within(entity.region_code, fund.region_code):
        raise Invalid.field("entity_id", "产业发展基金在锡尼镇先行先试，只投向该镇的经营主体")
    position = await _position(session, fund)
    if data.amount_fen > position.available_fen:
        raise Invalid.field("amount_fen", f"超过基金可用余额 {format_yuan(position.available_fen)} 元")
    investment = Investment(
        fund_id=fund.id,
        region_code=entity.region_code,
        created_by=principal.subject,
        **data.model_dump(exclude={"linked_households"}),
    )
    session.add(investment)
    await session.flush()
    session.add_all(
        InvestmentHousehold(investment_id=investment.id, household_id=h, link=k) for h, k in pairs
    )
    await session.flush()
    await record(
        session,
        principal,
        region=investment.region_code,
        action="fund.invest",
        entity="fund_investment",
        entity_id=investment.id,
        after=data.model_dump(mode="json"),
    )
    return _public(investment, entity.name, data.linked_households, today=today())


async def repay(
    session: AsyncSession, *, principal: Principal, investment: Investment, data: RepaymentCreate
) -> RepaymentPublic:
    """Record principal and income paid back; principal never exceeds what is outstanding."""
    investment = await get_investment(session, principal=principal, investment_id=investment.id, lock=True)
    if data.principal_fen == 0 and data.income_fen == 0:
        raise Invalid.field("principal_fen", "本金与收益不能同时为 0")
    outstanding = investment.amount_fen - investment.repaid_principal_fen
    if data.principal_fen > outstanding:
        raise Invalid.field("principal_fen", f"超过未收回本金 {format_yuan(outstanding)} 元")
    if data.paid_on < investment.start_date:
        raise Invalid.field("paid_on", "不能早于投资起始日")
    before = {"repaid_principal_fen": investment.repaid_principal_fen, "income_fen": investment.income_fen}
    investment.repaid_principal_fen += data.principal_fen
    investment.income_fen += data.income_fen
    repayment = Repayment(investment_id=investment.id, actor=principal.subject, **data.model_dump())
    session.add_all([investment, repayment])
    await session.flush()
    await record(
        session,
        principal,
        region=investment.region_code,
        action="fund.repayment",
        entity="fund_investment",
        entity_id=investment.id,
        before=before,
        after={**data.model_dump(mode="json"), "repaid_principal_fen": investment.repaid_principal_fen},
    )
    return RepaymentPublic(
        id=repayment.id,
        investment_id=investment.id,
        principal_fen=repayment.principal_fen,
        income_fen=repayment.income_fen,
        paid_on=repayment.paid_on,
        outstanding_fen=investment.amount_fen - investment.repaid_principal_fen,
        at=repayment.at,
    )


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    entity_id: uuid.UUID | None,
    page: int,
    page_size: int,
    today: date,
) -> InvestmentPage:
    statement = scoped(select(Investment), Investment.region_code, principal)
    if entity_id is not None:
        statement = statement.where(Investment.entity_id == entity_id)
    rows, total = await page_of(
        session,
        statement,
        order_by=(col(Investment.start_date), col(Investment.id)),
        page=page,
        page_size=page_size,
    )
    names = await entity_names(session, {i.entity_id for i in rows})
    links = await _links(session, [i.id for i in rows])
    items = [_public(i, names[i.entity_id], links[i.id], today=today) for i in rows]
    return InvestmentPage(items=items, total=total, page=page, page_size=page_size)


async def summary(session: AsyncSession, *, fund: Fund, today: date) -> FundPublic:
    """The fund's position: capital, outstanding, repaid, income, available, ratios and overdue."""
    investments = list(
        (
            await session.exec(
                select(Investment)
                .where(Investment.fund_id == fund.id)
                .order_by(col(Investment.start_date), col(Investment.id))
            )
        ).all()
    )
    position = rules.fund_position(fund.capital_fen, [_facts(i) for i in investments], today=today)
    names = await entity_names(session, {i.entity_id for i in investments})
    ratios = [_ratio(i, names[i.entity_id], today) for i in investments]
    return FundPublic(
        id=fund.id,
        name=fund.name,
        region_code=fund.region_code,
        capital_fen=position.capital_fen,
        invested_fen=position.invested_fen,
        repaid_principal_fen=position.repaid_principal_fen,
        income_fen=position.income_fen,
        available_fen=position.available_fen,
        overdue_principal_fen=position.overdue_principal_fen,
        capital_preserved=position.capital_preserved,
        investments=ratios,
        overdue_investments=[r for r in ratios if r.overdue],
    )


async def _position(session: AsyncSession, fund: Fund) -> rules.FundPosition:
    investments = (await session.exec(select(Investment).where(Investment.fund_id == fund.id))).all()
    return rules.fund_position(fund.capital_fen, [_facts(i) for i in investments], today=today())


async def _links(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[LinkedHousehold]]:
    links: dict[uuid.UUID, list[LinkedHousehold]] = defaultdict(list)
    if ids:
        rows = await session.exec(
            select(InvestmentHousehold)
            .where(col(InvestmentHousehold.investment_id).in_(ids))
            .order_by(col(InvestmentHousehold.household_id), col(InvestmentHousehold.link))
        )
        for row in rows:
            links[row.investment_id].append(LinkedHousehold(household_id=row.household_id, link=row.link))
    return links


def _ratio(investment: Investment, entity_name: str, today: date) -> InvestmentRatio:
    _, ratio, exact = rules.fund_ratio(investment.amount_fen, investment.self_raised_fen)
    facts = _facts(investment)
    return InvestmentRatio(
        investment_id=investment.id,
        entity_name=entity_name,
        amount_fen=investment.amount_fen,
        self_raised_fen=investment.self_raised_fen,
        fund_ratio=ratio,
        fund_ratio_exact=exact,
        outstanding_fen=facts.outstanding_fen,
        term_end=rules.term_end(investment.start_date, investment.term_months),
        overdue=facts.is_overdue(today),
    )


def _public(
    investment: Investment, entity_name: str, links: list[LinkedHousehold], *, today: date
) -> InvestmentPublic:
    ratio = _ratio(investment, entity_name, today)
    return InvestmentPublic(
        id=investment.id,
        entity_id=investment.entity_id,
        entity_name=entity_name,
        region_code=investment.region_code,
        amount_fen=investment.amount_fen,
        self_raised_fen=investment.self_raised_fen,
        fund_ratio=ratio.fund_ratio,
        fund_ratio_exact=ratio.fund_ratio_exact,
        term_months=investment.term_months,
        term_end=ratio.term_end,
        expected_return_bp=investment.expected_return_bp,
        expected_income_fen=rules.expected_income_fen(
            investment.amount_fen, investment.expected_return_bp, investment.term_months
        ),
        start_date=investment.start_date,
        repaid_principal_fen=investment.repaid_principal_fen,
        outstanding_fen=ratio.outstanding_fen,
        income_fen=investment.income_fen,
        overdue=ratio.overdue,
        linked_households=links,
        created_at=investment.created_at,
    )
