"""Microcredit (脱贫人口小额信贷, seed §五(一)1): loans for production to lifted-out and marginal households,
their repayments, the interest the banner subsidises (贴息, each year's owed to payments), and coverage
(应贷尽贷) per village — within scope."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.monitoring import assistance_rules
from services.monitoring.clients import RegistryClient
from services.monitoring.employment_schemas import WageEntitlement
from services.monitoring.models import AssistancePlan, Loan, LoanRepayment, audit_log, aware
from services.monitoring.schemas import (
    LoanCoverage,
    LoanCreate,
    LoanPublic,
    RepaymentIn,
    RepaymentPublic,
    VillageCoveragePublic,
)
from services.monitoring.thresholds import thresholds_for
from shared import audit
from shared.auth import Principal
from shared.errors import FieldProblem, Invalid
from shared.scope import fetch_in_scope, narrowed, scoped
from shared.vocabulary.monitoring import LoanStatus


def scoped_loans(principal: Principal) -> Any:
    """The only way this module reads loans: inside the caller's region."""
    return scoped(select(Loan), Loan.region_code, principal)


async def get_loan(session: AsyncSession, *, principal: Principal, loan_id: uuid.UUID) -> Loan:
    return await fetch_in_scope(session, scoped_loans(principal).where(Loan.id == loan_id), what="loan")


def _terms(loan: Loan) -> assistance_rules.LoanTerms:
    return assistance_rules.LoanTerms(
        amount_fen=loan.amount_fen,
        annual_rate_bp=loan.annual_rate_bp,
        subsidy_rate_bp=loan.subsidy_rate_bp,
        disbursed_on=loan.disbursed_on,
        due_on=loan.due_on,
    )


def _public(loan: Loan, repayments: Sequence[LoanRepayment], today: date) -> LoanPublic:
    paid = [(r.paid_on, r.amount_fen) for r in repayments]
    terms = _terms(loan)
    return LoanPublic.model_validate(
        {
            **loan.model_dump(),
            "outstanding_fen": assistance_rules.outstanding_fen(loan.amount_fen, paid),
            "overdue": assistance_rules.loan_overdue(terms, paid, today),
            "interest_subsidy_fen": assistance_rules.interest_subsidy_fen(terms, paid, today),
            "repayments": [
                RepaymentPublic.model_validate({**r.model_dump(), "recorded_at": aware(r.recorded_at)})
                for r in repayments
            ],
            "recorded_at": aware(loan.recorded_at),
        }
    )


async def _with_repayments(session: AsyncSession, loans: Sequence[Loan], today: date) -> list[LoanPublic]:
    rows = await session.exec(
        select(LoanRepayment)
        .where(col(LoanRepayment.loan_id).in_([loan.id for loan in loans]))
        .order_by(col(LoanRepayment.paid_on), col(LoanRepayment.recorded_at))
    )
    repayments: dict[uuid.UUID, list[LoanRepayment]] = {loan.id: [] for loan in loans}
    for r in rows:
        repayments[r.loan_id].append(r)
    return [_public(loan, repayments[loan.id], today) for loan in loans]


async def loan_public(session: AsyncSession, loan: Loan, *, today: date) -> LoanPublic:
    return (await _with_repayments(session, [loan], today))[0]


async def search(
    session: AsyncSession,
    *,
    principal: Principal,
    region: str | None,
    household_id: uuid.UUID | None,
    overdue: bool | None,
    page: int,
    page_size: int,
    today: date,
) -> tuple[list[LoanPublic], int]:
    """Loans in scope; `overdue=true` keeps those past due with principal owed (the inbox's list)."""
    statement = narrowed(select(Loan), Loan.region_code, principal, region)
    if household_id is not None:
        statement = statement.where(Loan.household_id == household_id)
    if overdue is not None:
        late = (Loan.status == LoanStatus.active) & (col(Loan.due_on) < today)
        statement = statement.where(late if overdue else ~late)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    loans = list(
        await session.exec(
            statement.order_by(col(Loan.disbursed_on).desc(), col(Loan.id))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return await _with_repayments(session, loans, today), int(total)


async def create_loan(
    session: AsyncSession, *, principal: Principal, registry: RegistryClient, data: LoanCreate, now: datetime
) -> LoanPublic:
    """Record a loan the bank disbursed, within the year's bounds; the subsidy rate is fixed when lent."""
    if data.disbursed_on > now.date():
        raise Invalid.field("disbursed_on", "放款日期不能晚于今天")
    household = await registry.household(token=principal.token, household_id=data.household_id)
    if household is None:
        raise Invalid.field("household_id", "该户不存在或不在您的管辖范围内")
    borrower = next((m for m in household.members if m.id == data.borrower_member_id), None)
    limits = await thresholds_for(session, year=data.disbursed_on.year)
    problems = assistance_rules.loan_problems(
        category=household.category, amount_fen=data.amount_fen, term_months=data.term_months, limits=limits
    )
    if borrower is None:
        problems.append(("borrower_member_id", "借款人须是该户成员"))
    if problems:
        errors = [FieldProblem(field=f, reason=r) for f, r in problems]
        raise Invalid("；".join(f"{f}: {r}" for f, r in problems), errors=errors)
    assert borrower is not None
    loan = Loan(
        household_id=household.id,
        region_code=household.region_code,
        household_number=household.number,
        category=household.category,
        borrower_name=borrower.name,
        subsidy_rate_bp=limits.loan_subsidy_rate_bp,
        due_on=assistance_rules.loan_due_on(data.disbursed_on, data.term_months),
        status=LoanStatus.active,
        recorded_by=principal.subject,
        recorded_at=now,
        **data.model_dump(exclude={"household_id"}),
    )
    session.add(loan)
    await session.flush()
    await _audit(
        session,
        principal,
        loan,
        "loan.create",
        after={"amount_fen": loan.amount_fen, "purpose": loan.purpose},
    )
    return await loan_public(session, loan, today=now.date())


async def repay(
    session: AsyncSession, *, principal: Principal, loan: Loan, data: RepaymentIn, now: datetime
) -> LoanPublic:
    """Record principal repaid; a loan repaid in full is settled (结清)."""
    owed = loan.amount_fen - loan.repaid_fen
    if data.amount_fen > owed:
        raise Invalid.field("amount_fen", f"超过未还本金 {owed} 分")
    if data.paid_on < loan.disbursed_on or data.paid_on > now.date():
        raise Invalid.field("paid_on", "还款日期须在放款日期之后、今天之前")
    session.add(
        LoanRepayment(loan_id=loan.id, recorded_by=principal.subject, recorded_at=now, **data.model_dump())
    )
    before = {"repaid_fen": loan.repaid_fen, "status": loan.status}
    loan.repaid_fen += data.amount_fen
    loan.status = LoanStatus.repaid if loan.repaid_fen == loan.amount_fen else LoanStatus.active
    session.add(loan)
    await session.flush()
    after = {"repaid_fen": loan.repaid_fen, "status": loan.status}
    await _audit(session, principal, loan, "loan.repay", before=before, after=after)
    return await loan_public(session, loan, today=now.date())


async def coverage(session: AsyncSession, *, principal: Principal, region: str | None) -> LoanCoverage:
    """应贷尽贷: per village, eligible households whose plan records a wish to borrow, and those lent to."""
    plans = narrowed(select(AssistancePlan), AssistancePlan.region_code, principal, region).where(
        AssistancePlan.wants_loan == True,  # noqa: E712 (a SQL comparison)
        col(AssistancePlan.category).in_(sorted(assistance_rules.LOAN_CATEGORIES)),
    )
    wishing = [(p.region_code, p.household_id) for p in await session.exec(plans)]
    lent_to = narrowed(select(Loan.household_id), Loan.region_code, principal, region).distinct()
    villages = assistance_rules.loan_coverage(wishing, await session.exec(lent_to))
    return LoanCoverage(
        region=region or principal.region,
        wishing=sum(v.wishing for v in villages),
        lent=sum(v.lent for v in villages),
        villages=[
            VillageCoveragePublic(
                village_code=v.village_code, wishing=v.wishing, lent=v.lent, not_lent=v.not_lent
            )
            for v in villages
        ],
    )


async def subsidies_owed(
    session: AsyncSession,
    *,
    principal: Principal,
    registry: RegistryClient,
    region: str,
    year: int,
    today: date,
) -> list[WageEntitlement]:
    """Each loan's interest subsidy (贴息) for `year` in `region` once the year's amount is settled and the
    loan is not overdue, keyed for payments to pay once, to the borrower (the household's account)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    statement: Any = (
        narrowed(select(Loan), Loan.region_code, principal, region)
        .where(Loan.disbursed_on <= last, Loan.due_on > first)
        .order_by(col(Loan.region_code), col(Loan.household_number), col(Loan.id))
    )
    loans = list(await session.exec(statement))
    if not loans:
        return []
    repayments: dict[uuid.UUID, list[tuple[date, int]]] = {loan.id: [] for loan in loans}
    for r in await session.exec(
        select(LoanRepayment).where(col(LoanRepayment.loan_id).in_(list(repayments)))
    ):
        repayments[r.loan_id].append((r.paid_on, r.amount_fen))
    borrowers = {
        m.id: m.id_masked
        for h in await registry.lookup({loan.household_id for loan in loans}, token=principal.token)
        for m in h.members
    }
    owed = []
    for loan in loans:
        terms, paid = _terms(loan), repayments[loan.id]
        amount = assistance_rules.yearly_interest_subsidy_fen(terms, paid, year)
        if amount <= 0 or not assistance_rules.year_subsidy_payable(terms, paid, year, today):
            continue
        owed.append(
            WageEntitlement(
                key=assistance_rules.loan_subsidy_key(loan.id, year),
                household_id=loan.household_id,
                household_number=loan.household_number,
                region_code=loan.region_code,
                payee_name=loan.borrower_name,
                payee_id_masked=borrowers.get(loan.borrower_member_id, ""),
                amount_fen=amount,
                detail={"loan_id": str(loan.id), "bank": loan.bank, "year": str(year)},
            )
        )
    return owed


async def _audit(session: AsyncSession, principal: Principal, loan: Loan, action: str, **change: Any) -> None:
    await audit.append(
        session,
        audit_log,
        actor=audit.Actor.of(principal),
        region=loan.region_code,
        action=action,
        entity="loan",
        entity_id=str(loan.id),
        **change,
    )
