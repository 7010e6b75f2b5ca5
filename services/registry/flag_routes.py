"""The members' flags route (API.md "Assistance"): only the monitoring service's own client sets them, from
the 医保 and 民政 lists it compared."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.registry import member_flags
from services.registry.dependencies import CipherDep
from services.registry.flag_schemas import MemberFlagsBatch, MemberFlagsResult
from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.service_auth import is_service_client

flag_router = APIRouter(prefix="/api/v1/households", tags=["households"])


def monitoring_service(principal: PrincipalDep) -> Principal:
    """The departments' lists are compared in monitoring; no person or other service sets these flags."""
    if not is_service_client(principal, "monitoring"):
        raise Forbidden("只有监测服务可以按行业部门名单更新成员标识")
    return principal


@flag_router.post("/members/flags", response_model=MemberFlagsResult)
async def set_member_flags(
    session: SessionDep,
    principal: Annotated[Principal, Depends(monitoring_service)],
    cipher: CipherDep,
    data: MemberFlagsBatch,
) -> MemberFlagsResult:
    """Set the illness, 低保 and 特困 flags a department's list states; a repeat changes nothing."""
    return await member_flags.set_flags(session, principal=principal, cipher=cipher, data=data)
