"""What the household pages share: the registry's paths, reading a household on the caller's token (a 404
outside the scope), and the Chinese for the registry's schema complaints."""

import asyncio
import uuid
from typing import Any

from fastapi import Request

from gateway.web.clients import HOUSEHOLDS, service_json
from gateway.web.errors import Refusal
from gateway.web.forms import CJK
from shared.auth import Principal

HOUSEHOLD = f"{HOUSEHOLDS}/{{id}}"
NOT_FOUND = "未找到该农牧户，或该户不在您的管辖范围内。"
# The registry's own rules answer in Chinese; schema checks answer in English: these say it for them.
HINTS = {
    "region_code": "请选择本辖区内的嘎查村",
    "category": "请选择类别",
    "address": "请填写住址（最多 200 字）",
    "phone": "电话应为 11 位手机号或带区号的固定电话",
    "lifted_year": "脱贫年度应为 2013–2030 年之间的年份",
    "resettlement_site": "安置点名称最多 100 字",
    "sheep": "羊的数量应为 0–100000 之间的整数",
    "cattle": "牛的数量应为 0–10000 之间的整数",
    "pigs": "猪的数量应为 0–10000 之间的整数",
    "income_yuan": "请填写合理的金额（元，最多两位小数）",
    "income_year": "收入年度应为 2013 年以后的年份",
    "members": "须登记 1–30 名家庭成员",
    "name": "请填写姓名（最多 50 字）",
    "id_number": "身份证号应为 18 位",
    "relation": "请选择与户主关系",
    "ethnicity": "民族最多 20 字",
    "school_stage": "请选择在校阶段",
    "disability_grade": "残疾等级应为 1–4 级",
    "labour_ability": "请选择劳动能力",
    "employment": "就业情况最多 100 字",
    "reason": "请填写变更原因（2–500 字）",
    "effective_date": "请选择生效日期",
}


def chinese(name: str, reason: str) -> str:
    return reason if CJK.search(reason) else HINTS.get(name, "填写有误，请检查")


def text_of(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


async def registry_json(request: Request, principal: Principal, path: str, **kwargs: Any) -> Any:
    return await service_json(request, principal, "registry", path, missing=NOT_FOUND, **kwargs)


def household_path(household_id: str) -> str | None:
    """The registry path of a household, or None when the id is not a UUID (a 404 either way)."""
    try:
        return f"{HOUSEHOLDS}/{uuid.UUID(household_id)}"
    except ValueError:
        return None


async def load_household(
    request: Request, principal: Principal, household_id: str, *, with_history: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The household and its category history (newest first), or a `Refusal` (404 outside the scope)."""
    path = household_path(household_id)
    if path is None:
        raise Refusal(404, NOT_FOUND)
    if not with_history:
        return await registry_json(request, principal, path), []
    household, history = await asyncio.gather(
        registry_json(request, principal, path), registry_json(request, principal, f"{path}/history")
    )
    return household, list(reversed(history))
