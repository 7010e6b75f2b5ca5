"""What the people pages share: the gateway's own routes they stand for, its form and hints, and the work
team accounts an assignment may name (read from the gateway's accounts, in the caller's scope)."""

from typing import Any

from fastapi import Request
from sqlmodel import col, select

from gateway.models import User
from gateway.web.forms import Form as BaseForm
from gateway.web.render import renderer
from shared.auth import Principal
from shared.roles import Role
from shared.vocabulary.people import AssignmentKind

ASSIGNMENTS = "/api/v1/admin/assignments"
ASSESSMENTS = "/api/v1/assessments"
PAGE_SIZE = 50
SENT_KINDS = [AssignmentKind.work_team, AssignmentKind.first_secretary]  # 帮扶责任人 come from the plans

HINTS = {
    "username": "请选择驻村工作队账号",
    "kind": "请选择派驻身份",
    "dispatching_unit": "请填写派出单位（2–100 字）",
    "starts_on": "请选择任期开始日期",
    "ends_on": "请选择任期结束日期（可不填）",
    "visits_per_month": "每月走访次数应为 1–31",
}

FORM_FIELD = {"village_code": "username"}  # the account's own village

show = renderer({"SENT_KINDS": SENT_KINDS})


class Form(BaseForm):
    """An assignment form: the village is the account's own, so a complaint about it goes to the account."""

    hints = HINTS
    api_fields = FORM_FIELD


async def work_team_accounts(request: Request, principal: Principal) -> list[dict[str, Any]]:
    """The active work team accounts of villages in the caller's scope, by village."""
    statement = (
        select(User)
        .where(
            User.role == Role.work_team, col(User.is_active), col(User.region).startswith(principal.region)
        )
        .order_by(col(User.region), col(User.username))
    )
    async with request.app.state.db.session_scope() as session:
        rows = await session.exec(statement)
        return [{"username": u.username, "display_name": u.display_name, "region": u.region} for u in rows]
