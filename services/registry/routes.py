"""The registry's public API (API.md "Registry")."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status

from services.registry import answers, guarantees, households, regions, stats, stream, trail
from services.registry.answers import JsonAnswer
from services.registry.dependencies import (
    CategoryChanger,
    CipherDep,
    HouseholdDep,
    MonitoringClient,
    Reader,
    RegionDep,
    Registrar,
)
from services.registry.schemas import (
    CategoryChangeIn,
    CategoryChangePublic,
    FieldChange,
    GuaranteesIn,
    GuaranteesPublic,
    HouseholdCreate,
    HouseholdPage,
    HouseholdPublic,
    HouseholdStats,
    HouseholdUpdate,
    LookupRequest,
    LookupResult,
    RegionCreate,
    RegionPublic,
    RegionUpdate,
)
from shared.auth import Principal, PrincipalDep, require_roles
from shared.db import DatabaseDep, SessionDep
from shared.roles import Role
from shared.vocabulary.households import Category, StreamMembers

router = APIRouter(prefix="/api/v1", tags=["regions"])
household_router = APIRouter(prefix="/api/v1", tags=["households"])
REGION_CODE = r"^\d{6}(\d{3}){0,2}$"

BannerAdmin = Annotated[Principal, Depends(require_roles(Role.banner_admin))]
BannerStaff = Annotated[Principal, Depends(require_roles(Role.banner_admin, Role.banner_official))]


@router.get("/regions", response_model=list[RegionPublic])
async def list_regions(
    session: SessionDep,
    principal: PrincipalDep,
    under: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
) -> list[RegionPublic]:
    """The region tree within the caller's scope (its roots, children nested)."""
    return await regions.region_tree(session, principal=principal, under=under)


@router.get("/regions/{code}", response_model=RegionPublic)
async def get_region(session: SessionDep, principal: PrincipalDep, region: RegionDep) -> RegionPublic:
    """One region with its children in scope; 404 outside the caller's scope."""
    [node] = await regions.region_tree(session, principal=principal, under=region.code)
    return node


@router.post("/regions", response_model=RegionPublic, status_code=status.HTTP_201_CREATED)
async def create_village(session: SessionDep, principal: BannerAdmin, data: RegionCreate) -> RegionPublic:
    """Add a village (嘎查村) under one of the townships."""
    return await regions.create_village(session, principal=principal, data=data)


@router.patch("/regions/{code}", response_model=RegionPublic)
async def update_region(
    session: SessionDep, principal: BannerStaff, region: RegionDep, data: RegionUpdate
) -> RegionPublic:
    """Rename a region or flag a village as a focus village (重点帮扶村)."""
    return await regions.update_region(session, principal=principal, region=region, data=data)


@household_router.post("/households", response_model=HouseholdPublic, status_code=status.HTTP_201_CREATED)
async def register_household(
    session: SessionDep, principal: Registrar, cipher: CipherDep, data: HouseholdCreate
) -> HouseholdPublic:
    """Register a household and its members in a village of the caller's scope; all or nothing."""
    return await households.register(session, principal=principal, cipher=cipher, data=data)


@household_router.get("/households", response_model=HouseholdPage)
async def list_households(
    session: SessionDep,
    principal: Reader,
    cipher: CipherDep,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    category: Category | None = None,
    q: Annotated[str | None, Query(max_length=50, description="name, household number or ID number")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> JsonAnswer:
    """Households within the caller's scope, filtered and searched, one page at a time."""
    items, total = await households.search(
        session,
        principal=principal,
        cipher=cipher,
        region=region,
        category=category,
        q=q,
        page=page,
        page_size=page_size,
    )
    return JsonAnswer({"items": items, "total": total, "page": page, "page_size": page_size})


@household_router.get(
    "/households/stream",
    response_class=stream.NDJSONResponse,
    responses={
        200: {
            "model": stream.StreamHousehold,
            "description": "one `StreamHousehold` JSON object per line (NDJSON), in household-number order",
        }
    },
)
async def stream_households(
    db: DatabaseDep,
    principal: Reader,
    cipher: CipherDep,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
    category: Annotated[list[Category] | None, Query(description="repeat for several; default all")] = None,
    school: Annotated[
        bool, Query(description="only households with a member in school, and only those")
    ] = False,
    school_age_in: Annotated[
        int | None,
        Query(ge=2013, le=2100, description="only members 6–15 on 1 September of this year, and theirs"),
    ] = None,
    with_account: Annotated[
        bool, Query(description="each account number too: payments' own client and account officials only")
    ] = False,
    members: Annotated[
        StreamMembers,
        Query(
            description="which members each line carries: `all`; `none` (every household, accounts only); or "
            "only those `disabled`, on `dibao`, `insured` or `uninsured` in the pension scheme, and only the "
            "households with one"
        ),
    ] = StreamMembers.all,
    with_income: Annotated[
        bool, Query(description="each household's latest per-capita income too (`income_year`, …_fen)")
    ] = False,
) -> stream.NDJSONResponse:
    """Bulk read for batch work in other services: every household in scope as NDJSON, one line each
    (id, number, village, category, the head, the payee account, members' birth dates and school stages)."""
    decrypt = stream.account_reader(principal, cipher, with_account=with_account)
    body = stream.stream_households(
        db,
        principal=principal,
        region=region,
        categories=category or [],
        school=school,
        school_age_in=school_age_in,
        members=members,
        with_income=with_income,
        decrypt=decrypt,
    )
    return stream.NDJSONResponse(body)


@household_router.post("/households/lookup", response_model=LookupResult)
async def lookup_households(
    session: SessionDep, principal: Reader, cipher: CipherDep, data: LookupRequest
) -> LookupResult:
    """Bulk read for other services and partners: households in scope by id or by a member's ID number."""
    items = await households.lookup(
        session,
        principal=principal,
        cipher=cipher,
        household_ids=data.household_ids,
        id_numbers=data.id_numbers,
    )
    return LookupResult(items=items)


@household_router.get("/households/{household_id}", response_model=HouseholdPublic)
async def get_household(
    db: DatabaseDep, principal: Reader, cipher: CipherDep, household_id: uuid.UUID
) -> JsonAnswer:
    """One household in the caller's scope with its members and incomes, from one query."""
    answer = await answers.household(db, principal=principal, cipher=cipher, household_id=household_id)
    return JsonAnswer(answer)


@household_router.patch("/households/{household_id}", response_model=HouseholdPublic)
async def update_household(
    session: SessionDep,
    principal: Registrar,
    cipher: CipherDep,
    household: HouseholdDep,
    data: HouseholdUpdate,
) -> HouseholdPublic:
    """Change a household's facts; the category changes only through `category-changes`."""
    return await households.update(
        session, principal=principal, cipher=cipher, household=household, data=data
    )


@household_router.post(
    "/households/{household_id}/category-changes",
    response_model=CategoryChangePublic,
    status_code=status.HTTP_201_CREATED,
)
async def change_category(
    session: SessionDep,
    principal: CategoryChanger,
    household: HouseholdDep,
    data: CategoryChangeIn,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> CategoryChangePublic:
    """Move a household to another category with a reason and an effective date (kept in its history)."""
    return await households.change_category(
        session, principal=principal, household=household, data=data, idempotency_key=idempotency_key
    )


@household_router.put("/households/{household_id}/guarantees", response_model=GuaranteesPublic)
async def set_guarantees(
    session: SessionDep, principal: MonitoringClient, household: HouseholdDep, data: GuaranteesIn
) -> GuaranteesPublic:
    """The 三保障 and water flags a household visit found (the monitoring service's own client only)."""
    return await guarantees.set_guarantees(session, principal=principal, household=household, data=data)


@household_router.get("/households/{household_id}/history", response_model=list[CategoryChangePublic])
async def category_history(
    session: SessionDep, _: Reader, household: HouseholdDep
) -> list[CategoryChangePublic]:
    """Every category the household has had: who, when, from, to and why."""
    return await households.history(session, household=household)


@household_router.get("/households/{household_id}/changes", response_model=list[FieldChange])
async def field_changes(session: SessionDep, _: Reader, household: HouseholdDep) -> list[FieldChange]:
    """The household's field-level trail (income, members, livestock, address, phone, flags, category)."""
    return await trail.field_changes(session, household=household)


@household_router.get("/stats/households", response_model=HouseholdStats)
async def household_stats(
    session: SessionDep,
    principal: Reader,
    region: Annotated[str | None, Query(pattern=REGION_CODE)] = None,
) -> HouseholdStats:
    """Households by category for each child region of `region` (default: the caller's own)."""
    target = await regions.get_region(session, principal=principal, code=region or principal.region)
    return await stats.household_stats(session, principal=principal, region=target)
