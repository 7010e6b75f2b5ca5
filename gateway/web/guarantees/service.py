"""What the three-guarantee pages share: the monitoring service's paths, the forms' Chinese hints, and one
list page with an inline form on one of its rows (a follow-up, a renovation's or a water fix's progress)."""

from typing import Any

from fastapi import Request, status
from fastapi.responses import Response

from gateway.policy import allowed
from gateway.web.monitoring.service import MONITORING, AssistanceForm, listing, show
from gateway.web.render import today
from shared.auth import Principal

DROPOUTS = f"{MONITORING}/dropouts"
FOLLOW_UPS = f"{DROPOUTS}/follow-ups"
INSURANCE = f"{MONITORING}/insurance"
RENOVATIONS = f"{MONITORING}/renovations"
WATER_FIXES = f"{MONITORING}/water-fixes"


class GuaranteeForm(AssistanceForm):
    """A form of the three-guarantee pages: their own hints, amounts typed in yuan."""

    hints = AssistanceForm.hints | {
        "member_id": "请选择家庭成员",
        "action": "请选择跟进措施",
        "note": "请填写情况说明（2–500 字）",
        "on": "请选择跟进日期（不晚于今天）",
        "enrolled": "请选择是否参保",
        "premium_yuan": "请填写应缴保费（元，最多两位小数）",
        "paid_on_behalf_yuan": "请填写代缴金额（元，最多两位小数，不超过应缴保费）",
        "grade": "请选择危房等级（C级或D级）",
        "assessed_on": "请选择鉴定日期（不晚于今天）",
        "kind": "请选择改造方式",
        "subsidy_yuan": "请填写补助资金（元，最多两位小数）",
        "started_on": "请选择开工日期",
        "completed_on": "请选择竣工日期",
        "accepted_on": "请选择验收日期",
        "accepted_by": "请填写验收单位或验收人（2–100 字）",
        "problem": "请选择饮水问题",
        "fix": "请选择解决方式",
        "found_on": "请选择发现日期（不晚于今天）",
        "done_on": "请选择完成日期",
    }
    api_fields = AssistanceForm.api_fields | {
        "premium_fen": "premium_yuan",
        "paid_on_behalf_fen": "paid_on_behalf_yuan",
        "subsidy_fen": "subsidy_yuan",
    }

    def optional_day(self, name: str) -> str | None:
        """A date left empty is a step not taken yet (None); one typed must be a date."""
        return self.day(name) if self.values.get(name) else None


# Each list page: its API list, its template and who may record on it (the POST the page's forms call).
LISTS = {
    "dropouts": (DROPOUTS, "guarantees/dropouts.html", ("POST", FOLLOW_UPS)),
    "insurance": (INSURANCE, "guarantees/insurance.html", ("POST", INSURANCE)),
    "renovations": (RENOVATIONS, "guarantees/renovations.html", ("POST", RENOVATIONS)),
    "water-fixes": (WATER_FIXES, "guarantees/water_fixes.html", ("POST", WATER_FIXES)),
}


async def list_page(
    request: Request,
    principal: Principal,
    which: str,
    filters: dict[str, str],
    page: int,
    *,
    editing: tuple[str, GuaranteeForm] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """One of the lists in the caller's scope or the region chosen; `editing` is the row whose inline
    form came back refused (its id and form)."""
    path, template, (method, recording) = LISTS[which]
    context: dict[str, Any] = await listing(request, principal, path, filters, page)
    context |= {
        "editing": editing,
        "today": today().isoformat(),
        "can_record": allowed(method, recording, principal.role),
    }
    return show(request, principal, template, context, block="results", status_code=status_code)
