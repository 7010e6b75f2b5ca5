"""The payments service's public API (API.md "Payments")."""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile, status

from services.payments import (
    bank,
    batches,
    claims,
    discrepancies,
    households,
    notices,
    policies,
    statements,
    webhooks,
)
from services.payments.dependencies import (
    AssetsDep,
    AssetsService,
    Bank,
    BannerAdmin,
    BannerOfficial,
    BannerStaff,
    BatchDep,
    Claimant,
    ClaimDep,
    ClaimWindowDep,
    EndpointDep,
    EndpointHostsDep,
    MonitoringDep,
    NoticeDaysDep,
    ObjectionTaker,
    OwnTokenDep,
    PhonesDep,
    Reader,
    RegistryDep,
    Reviewer,
    SealerDep,
    TownshipOfficial,
)
from services.payments.models import outbox
from services.payments.schemas import (
    REGION_CODE,
    BankCallbackIn,
    BankCallbackResult,
    BatchCreate,
    BatchPage,
    BatchPublic,
    BatchReturn,
    ClaimCreate,
    ClaimDecision,
    ClaimPage,
    ClaimPublic,
    DeliveryPage,
    DeliveryPublic,
    DiscrepancyPage,
    DiscrepancyPublic,
    DiscrepancyResolve,
    DividendBatchCreate,
    DividendBatchCreated,
    EndpointCreate,
    EndpointCreated,
    EndpointPage,
    EndpointPublic,
    Entitlements,
    HouseholdLinePage,
    LinePage,
    NoticePublic,
    ObjectionCreate,
    ObjectionPage,
    ObjectionPublic,
    ObjectionSettle,
    PolicyCreate,
    PolicyPublic,
    ReconciliationPublic,
    StatementResult,
)
from shared.db import SessionDep
from shared.deliveries import read_outbox
from shared.outbox import OutboxStatus
from shared.vocabulary.payments import BatchStatus, ClaimStatus, Kind, LineStatus

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])

YearQuery = Annotated[int, Query(ge=2013, le=2100)]
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]
IdempotencyKey = Annotated[str | None, Header(max_length=128, description="a repeat gets the first answer")]
RequiredIdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=1, max_length=128, description="a repeat gets the first answer"
    ),
]


# --- policies -----------------------------------------------------------------------------------------


@router.get("/policies", response_model=PolicyPublic)
async def policy_in_force(
    session: SessionDep, _: Reader, year: Annotated[int | None, Query(ge=2013, le=2100)] = None
) -> PolicyPublic:
    """The policy version in force for `year` (this year when absent; the latest effective by 31 December)
    and its items."""
    year = year or datetime.now(UTC).year
    version, items = await policies.version_for_year(session, year=year)
    return policies.to_public(version, items)


@router.put("/policies", response_model=PolicyPublic, status_code=status.HTTP_201_CREATED)
async def new_policy_version(session: SessionDep, principal: BannerAdmin, data: PolicyCreate) -> PolicyPublic:
    """A new version of the whole table from `effective_from`; amounts already computed keep their rates."""
    return await policies.create_version(session, principal=principal, data=data)


# --- claims -------------------------------------------------------------------------------------------


@router.post("/claims", response_model=ClaimPublic, status_code=status.HTTP_201_CREATED)
async def file_claim(
    session: SessionDep,
    principal: Claimant,
    registry: RegistryDep,
    monitoring: MonitoringDep,
    previous_year_until: ClaimWindowDep,
    data: ClaimCreate,
    idempotency_key: IdempotencyKey = None,
) -> ClaimPublic:
    """File a claim for a household in scope (category read from the registry; ineligible → 422).

    Livestock: priced at once, capped per household and year across claims; a claim over the cap gets the
    remainder, and 422 when nothing remains; more animals than the herd on record is 422 unless the claim
    says `herd_record_outdated` (with `evidence`): it then waits for approval. Claims are for this year, and
    for last year until PREVIOUS_YEAR_CLAIMS_UNTIL. Case-by-case kinds take `amount_fen`, wait for approval.
    An industry reward (以奖代补) names the household's verified result (`result_id`): none → 422, not yet
    verified or rewarded before → 409. The safety-net kinds and education are computed, never claimed (422).
    """
    return await claims.file_claim(
        session,
        principal=principal,
        registry=registry,
        monitoring=monitoring,
        data=data,
        previous_year_until=previous_year_until,
        idempotency_key=idempotency_key,
    )


@router.get("/claims", response_model=ClaimPage)
async def list_claims(
    session: SessionDep,
    principal: Reader,
    household_id: uuid.UUID | None = None,
    kind: Kind | None = None,
    year: Annotated[int | None, Query(ge=2013, le=2100)] = None,
    status: ClaimStatus | None = None,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> ClaimPage:
    items, total = await claims.search(
        session,
        principal=principal,
        household_id=household_id,
        kind=kind,
        year=year,
        status=status,
        region=region,
        page=page,
        page_size=page_size,
    )
    return ClaimPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/claims/{claim_id}", response_model=ClaimPublic)
async def get_claim(_: Reader, claim: ClaimDep) -> ClaimPublic:
    return claims.to_public(claim)


@router.post("/claims/{claim_id}/approve", response_model=ClaimPublic)
async def approve_claim(
    session: SessionDep, principal: Reviewer, claim: ClaimDep, data: ClaimDecision | None = None
) -> ClaimPublic:
    """Approve a case-by-case claim; the official who filed it may not (409)."""
    comment = data.comment if data else None
    return await claims.decide(session, principal=principal, claim=claim, approve=True, comment=comment)


@router.post("/claims/{claim_id}/reject", response_model=ClaimPublic)
async def reject_claim(
    session: SessionDep, principal: Reviewer, claim: ClaimDep, data: ClaimDecision | None = None
) -> ClaimPublic:
    comment = data.comment if data else None
    return await claims.decide(session, principal=principal, claim=claim, approve=False, comment=comment)


@router.get("/households/{household_id}/entitlements", response_model=Entitlements)
async def entitlements(
    session: SessionDep, principal: Reader, registry: RegistryDep, household_id: uuid.UUID, year: YearQuery
) -> Entitlements:
    """What the household is due in `year` and why: eligibility, education per student, caps left."""
    return await claims.entitlements(
        session, principal=principal, registry=registry, household_id=household_id, year=year
    )


@router.get("/households/{household_id}/lines", response_model=HouseholdLinePage)
async def household_lines(
    session: SessionDep, principal: Reader, household_id: uuid.UUID, page: Page = 1, page_size: PageSize = 100
) -> HouseholdLinePage:
    """The household's payment lines in scope, newest first, each with its batch and the bank's result."""
    items, total = await households.household_lines(
        session, principal=principal, household_id=household_id, page=page, page_size=page_size
    )
    return HouseholdLinePage(items=items, total=total, page=page, page_size=page_size)


# --- batches ------------------------------------------------------------------------------------------


@router.post("/batches", response_model=BatchPublic, status_code=status.HTTP_201_CREATED)
async def create_batch(
    session: SessionDep,
    principal: Reviewer,
    registry: RegistryDep,
    monitoring: MonitoringDep,
    own_token: OwnTokenDep,
    data: BatchCreate,
) -> BatchPublic:
    """Draft a batch of every approved claim (or, for education, computed entitlement; for wages, the month's
    wages monitoring records) of the kind, year and region that no other batch holds; failed or returned
    lines become due again, paid ones never; households whose account a bank cannot pay into are held out
    and listed in `held` with the reason."""
    return await batches.create_batch(
        session, principal=principal, registry=registry, monitoring=monitoring, own_token=own_token, data=data
    )


@router.post(
    "/batches/dividends",
    response_model=DividendBatchCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": DividendBatchCreated, "description": "the same Idempotency-Key again"}},
)
async def hand_over_dividends(
    session: SessionDep,
    principal: AssetsService,
    registry: RegistryDep,
    assets: AssetsDep,
    token: OwnTokenDep,
    data: DividendBatchCreate,
    idempotency_key: RequiredIdempotencyKey,
    response: Response,
) -> DividendBatchCreated:
    """The assets service's client hands an approved plan over: checked against the plan in assets, it
    becomes one approved batch of exactly its lines, payees from the registry, ready to disburse; the same
    key again answers 200 with the first batch, with another body 422."""
    created, batch = await batches.create_dividend_batch(
        session,
        principal=principal,
        registry=registry,
        assets=assets,
        token=token,
        data=data,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return batch


@router.get("/batches", response_model=BatchPage)
async def list_batches(
    session: SessionDep,
    principal: Reader,
    status: BatchStatus | None = None,
    year: Annotated[int | None, Query(ge=2013, le=2100)] = None,
    kind: Kind | None = None,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> BatchPage:
    items, total = await batches.search(
        session,
        principal=principal,
        status=status,
        year=year,
        kind=kind,
        region=region,
        page=page,
        page_size=page_size,
    )
    return BatchPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/batches/{batch_id}", response_model=BatchPublic)
async def get_batch(_: Reader, batch: BatchDep) -> BatchPublic:
    return batches.to_public(batch)


@router.post("/batches/{batch_id}/submit", response_model=BatchPublic)
async def submit_batch(
    session: SessionDep, principal: Reviewer, batch: BatchDep, days: NoticeDaysDep
) -> BatchPublic:
    """Hand a draft or returned batch over for approval; its notice is published with fixed dates
    (`notice_posted_at`, `notice_until`: the policy's `notice_days`, or PAYMENT_NOTICE_DAYS)."""
    return await batches.submit(session, principal=principal, batch=batch, notice_days=days)


@router.post("/batches/{batch_id}/approve", response_model=BatchPublic)
async def approve_batch(session: SessionDep, principal: BannerOfficial, batch: BatchDep) -> BatchPublic:
    """Approve a submitted batch; its maker or submitter may not (409), nor anyone before its notice period
    ends or while an objection is open (409); of two approvals one wins."""
    return await batches.approve(session, principal=principal, batch=batch)


@router.post("/batches/{batch_id}/disburse", response_model=BatchPublic)
async def disburse_batch(
    session: SessionDep,
    principal: BannerOfficial,
    registry: RegistryDep,
    own_token: OwnTokenDep,
    sealer: SealerDep,
    batch: BatchDep,
) -> BatchPublic:
    """Queue one signed instruction per line, with its payee account, to the bank endpoint active now; the
    batch is `disbursing`."""
    return await batches.disburse(
        session, principal=principal, registry=registry, own_token=own_token, sealer=sealer, batch=batch
    )


@router.post("/batches/{batch_id}/return", response_model=BatchPublic)
async def return_batch(
    session: SessionDep, principal: BannerOfficial, batch: BatchDep, data: BatchReturn
) -> BatchPublic:
    """Send a submitted batch back to its maker with the reason (a checker: not its maker or submitter)."""
    return await batches.return_to_maker(session, principal=principal, batch=batch, data=data)


@router.post("/batches/{batch_id}/cancel", response_model=BatchPublic)
async def cancel_batch(session: SessionDep, principal: Reviewer, batch: BatchDep) -> BatchPublic:
    """Its maker cancels a draft or returned batch; its lines are released for a later batch."""
    return await batches.cancel(session, principal=principal, batch=batch)


@router.post(
    "/batches/{batch_id}/repay-failed", response_model=BatchPublic, status_code=status.HTTP_201_CREATED
)
async def repay_failed(
    session: SessionDep, principal: Reviewer, registry: RegistryDep, batch: BatchDep
) -> BatchPublic:
    """A new draft batch of exactly the completed batch's failed and returned lines whose households now pass
    the account checks (409 when none do)."""
    return await batches.repay_failed(session, principal=principal, registry=registry, batch=batch)


@router.post("/batches/{batch_id}/statement", response_model=StatementResult)
async def upload_statement(
    session: SessionDep,
    principal: BannerOfficial,
    batch: BatchDep,
    file: Annotated[
        UploadFile,
        File(
            description="CSV (instruction_id, status, amount_fen, bank_reference, "
            "reason) or MT940, UTF-8 or GB18030"
        ),
    ],
) -> StatementResult:
    """Reconcile a disbursed batch with the bank's statement, entry by entry: lines move as a callback would
    move them; a contradicting outcome or a different amount becomes a bank discrepancy."""
    return await statements.reconcile(session, principal=principal, batch=batch, raw=await file.read())


@router.post(
    "/batches/{batch_id}/lines/{line_id}/objections",
    response_model=ObjectionPublic,
    status_code=status.HTTP_201_CREATED,
)
async def raise_objection(
    session: SessionDep, principal: ObjectionTaker, batch: BatchDep, line_id: uuid.UUID, data: ObjectionCreate
) -> ObjectionPublic:
    """Record an objection to a line while the batch's notice is posted (else 409); it holds the batch from
    approval until a township official settles it."""
    return await notices.raise_objection(
        session, principal=principal, batch=batch, line_id=line_id, data=data
    )


@router.get("/batches/{batch_id}/objections", response_model=ObjectionPage)
async def batch_objections(
    session: SessionDep, principal: Reader, batch: BatchDep, page: Page = 1, page_size: PageSize = 100
) -> ObjectionPage:
    items, total = await notices.objections(
        session, principal=principal, batch=batch, page=page, page_size=page_size
    )
    return ObjectionPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/objections/{objection_id}/settle", response_model=ObjectionPublic)
async def settle_objection(
    session: SessionDep, principal: TownshipOfficial, objection_id: uuid.UUID, data: ObjectionSettle
) -> ObjectionPublic:
    """`upheld`: the line leaves the batch (released for a later one); `dismissed`: it stays. Once only."""
    return await notices.settle(session, principal=principal, objection_id=objection_id, data=data)


@router.get("/batches/{batch_id}/lines", response_model=LinePage)
async def batch_lines(
    session: SessionDep,
    principal: Reader,
    batch: BatchDep,
    status: LineStatus | None = None,
    page: Page = 1,
    page_size: PageSize = 100,
) -> LinePage:
    items, total = await batches.lines(
        session, principal=principal, batch=batch, status=status, page=page, page_size=page_size
    )
    return LinePage(items=items, total=total, page=page, page_size=page_size)


@router.get("/batches/{batch_id}/reconciliation", response_model=ReconciliationPublic)
async def batch_reconciliation(
    session: SessionDep, principal: Reader, batch: BatchDep
) -> ReconciliationPublic:
    """paid + failed + pending = total, to the fen (returned counts as failed, sent as pending), and how
    many lines are under an open bank discrepancy."""
    sums = await batches.reconciliation(session, principal=principal, batch=batch)
    sums.discrepancies = await discrepancies.open_count(session, principal=principal, batch_id=batch.id)
    return sums


@router.get("/batches/{batch_id}/notice", response_model=NoticePublic)
async def batch_notice(
    session: SessionDep,
    principal: Reader,
    registry: RegistryDep,
    batch: BatchDep,
    own_token: OwnTokenDep,
    phones: PhonesDep,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
) -> NoticePublic:
    """The public disclosure list for a village, township or the banner: names and ID numbers masked, the
    fund and its use, the posting period fixed on submit, the issuing body at each level with its
    supervision phone."""
    return await batches.notice(
        session,
        principal=principal,
        registry=registry,
        batch=batch,
        region=region,
        own_token=own_token,
        phones=phones,
    )


# --- webhooks and the bank ----------------------------------------------------------------------------


@router.post("/webhook-endpoints", response_model=EndpointCreated, status_code=status.HTTP_201_CREATED)
async def propose_endpoint(
    session: SessionDep, principal: BannerAdmin, hosts: EndpointHostsDep, data: EndpointCreate
) -> EndpointCreated:
    """Propose the agent bank's receiver (the secret is shown once); it takes effect when approved."""
    return await webhooks.propose_endpoint(session, principal=principal, data=data, allowlist=hosts)


@router.post("/webhook-endpoints/{endpoint_id}/approve", response_model=EndpointPublic)
async def approve_endpoint(
    session: SessionDep, principal: BannerOfficial, endpoint: EndpointDep
) -> EndpointPublic:
    """Activate a proposed endpoint, retiring the active one; its proposer may not approve it (409)."""
    return await webhooks.approve_endpoint(session, principal=principal, endpoint=endpoint)


@router.get("/webhook-endpoints", response_model=EndpointPage)
async def list_endpoints(
    session: SessionDep, _: BannerStaff, page: Page = 1, page_size: PageSize = 50
) -> EndpointPage:
    items, total = await webhooks.endpoints(session, page=page, page_size=page_size)
    return EndpointPage(items=items, total=total, page=page, page_size=page_size)


@router.delete("/webhook-endpoints/{endpoint_id}", response_model=EndpointPublic)
async def retire_endpoint(
    session: SessionDep, principal: BannerAdmin, endpoint: EndpointDep
) -> EndpointPublic:
    """Retire an endpoint or withdraw a proposal: no new batch goes to it (instructions already sent to it
    keep their bank)."""
    return await webhooks.retire_endpoint(session, principal=principal, endpoint=endpoint)


@router.get("/webhook-deliveries", response_model=DeliveryPage)
async def list_deliveries(
    session: SessionDep,
    _: BannerStaff,
    status: OutboxStatus | None = None,
    page: Page = 1,
    page_size: PageSize = 100,
) -> DeliveryPage:
    """Bank instructions in the outbox with their attempts, last error and status."""
    items, total = await read_outbox(
        session, outbox, DeliveryPublic, topic=batches.TOPIC, status=status, page=page, page_size=page_size
    )
    return DeliveryPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/webhook-deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
async def replay_delivery(
    session: SessionDep, principal: BannerStaff, delivery_id: uuid.UUID
) -> DeliveryPublic:
    """Send an instruction again, with the same webhook-id to the same endpoint (the bank deduplicates)."""
    return await webhooks.replay(session, principal=principal, delivery_id=delivery_id)


@router.post(
    "/bank-callbacks",
    response_model=BankCallbackResult,
    responses={400: {"description": "Standard Webhooks headers missing or outside the 5-minute window"}},
)
async def bank_callback(
    request: Request, session: SessionDep, principal: Bank, data: BankCallbackIn
) -> BankCallbackResult:
    """The bank's result for one instruction, signed with the endpoint's secret; idempotent by webhook-id.

    The signature is checked over the raw body (its exact bytes), which FastAPI keeps after parsing.
    """
    return await bank.receive(
        session, principal=principal, report=data, body=await request.body(), headers=dict(request.headers)
    )


@router.get("/discrepancies", response_model=DiscrepancyPage)
async def list_discrepancies(
    session: SessionDep,
    principal: Reader,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    open_only: Annotated[
        bool | None, Query(alias="open", description="true: open only; false: resolved only")
    ] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> DiscrepancyPage:
    """Bank reports that contradict a line's final status, newest first; an open one holds its entitlement
    (no new batch takes it) and is flagged `possible_double_payment` when `paid` came after a new batch."""
    items, total = await discrepancies.search(
        session, principal=principal, region=region, open_only=open_only, page=page, page_size=page_size
    )
    return DiscrepancyPage(items=items, total=total, page=page, page_size=page_size)


@router.post("/discrepancies/{discrepancy_id}/resolve", response_model=DiscrepancyPublic)
async def resolve_discrepancy(
    session: SessionDep, principal: BannerOfficial, discrepancy_id: uuid.UUID, data: DiscrepancyResolve
) -> DiscrepancyPublic:
    """`paid`: the money moved (the line becomes paid, or the amount paid twice is recorded for recovery);
    `not_paid`: it did not (the entitlement is free for a new batch). Once only: a second answer is 409."""
    return await discrepancies.resolve(session, principal=principal, discrepancy_id=discrepancy_id, data=data)
