"""控辍保学 (seed §五(一)2): school-age children the registry records as not enrolled, with what was done
for each (送学上门, a return, an exemption); a follow-up is recorded on the child's row."""

from typing import Annotated

from fastapi import Depends, Query, Request, status
from fastapi.responses import Response

from gateway.web.clients import this_year
from gateway.web.deps import PageUser, page_router
from gateway.web.forms import went_to
from gateway.web.guarantees.service import DROPOUTS, FOLLOW_UPS, GuaranteeForm, list_page
from gateway.web.monitoring.service import MONITORING_DOWN, call_monitoring
from shared.auth import Principal
from shared.errors import Unavailable
from shared.vocabulary.monitoring import DropoutAction

router = page_router()
MayGetDropouts = Annotated[Principal, Depends(PageUser(("GET", DROPOUTS)))]
MayFollowUp = Annotated[Principal, Depends(PageUser(("POST", FOLLOW_UPS)))]


def school_year(raw: str) -> str:
    return raw if raw.isdigit() and 2013 <= int(raw) <= 2100 else str(this_year())


@router.get("/guarantees/dropouts")
async def dropout_list(
    request: Request,
    principal: MayGetDropouts,
    region: Annotated[str, Query(max_length=12)] = "",
    year: Annotated[str, Query(max_length=4)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The children out of school in the school year starting on 1 September of `year` (this one)."""
    filters = {"region": region, "year": school_year(year)}
    return await list_page(request, principal, "dropouts", filters, page)


@router.post("/guarantees/dropouts/follow-ups")
async def follow_up(request: Request, principal: MayFollowUp) -> Response:
    """A follow-up of one child; refused, the list comes back with the child's form open and why."""
    form = await GuaranteeForm.of(request, ("household_id", "member_id", "action", "note", "on", "year"))
    values = form.values
    if values["action"] not in set(DropoutAction):
        form.errors["action"] = form.hint("action")
    body = {
        "household_id": values["household_id"],
        "member_id": values["member_id"],
        "action": values["action"],
        "note": form.text("note", low=2, high=500),
        "on": form.day("on"),
    }
    year = school_year(values["year"])
    if not form.has_errors:
        try:
            answer = await call_monitoring(request, principal.token, "POST", FOLLOW_UPS, json=body)
        except Unavailable:
            form.problem = MONITORING_DOWN
        else:
            if answer.status_code == status.HTTP_201_CREATED:
                return went_to(request, f"/guarantees/dropouts?year={year}#child-{values['member_id']}")
            form.absorb(answer, "跟进情况未能保存，请检查后重试。")
    return await list_page(
        request,
        principal,
        "dropouts",
        {"region": "", "year": year},
        1,
        editing=(values["member_id"], form),
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )
