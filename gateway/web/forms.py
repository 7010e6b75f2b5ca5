"""What the pages' forms share: the form model (values as typed, a problem per field, the service's
refusal put next to its inputs in Chinese), the household picker, the region pickers, and the answer to
a successful save."""

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

import httpx
from fastapi import Request, status
from fastapi.responses import RedirectResponse, Response

from gateway.web.clients import (
    HOUSEHOLDS,
    call_registry,
    refusal,
    region_names,
    region_tree,
    service_down,
)
from gateway.web.errors import Refusal
from gateway.web.render import wants_fragment
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import FEN_PER_YUAN
from shared.regions import Tier

CJK = re.compile(r"[\u4e00-\u9fff]")
REGION_PATTERN = re.compile(r"^\d{6}(\d{3}){0,2}$")
PICKER_SIZE = 8
WRONG = "填写有误，请检查"


def problems_of(answer: httpx.Response) -> dict[str, Any]:
    """A service's problem+json body, or {} when it sent none."""
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def detail_of(answer: httpx.Response, fallback: str, *, say: Callable[[str], str] = str) -> str:
    """The service's own Chinese reason (公示期未满, maker-checker, a wrong status…) as `say` words it, or
    `fallback`. A refusal's detail says it whole; a 422's detail only lists its fields by their API names,
    so there the fields' own reasons come first."""
    body = problems_of(answer)
    reasons = [str(p.get("reason", "")) for p in body.get("errors") or []]
    detail = str(body.get("detail") or "")
    invalid = answer.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT
    ordered = [*reasons, detail] if invalid else [detail, *reasons]
    return next((say(text) for text in ordered if CJK.search(text)), fallback)


@dataclass
class Form:
    """What a form shows: the values typed (as typed), the errors per field, a message for the whole.

    A domain subclasses it with its `hints` (what to say for a field whose complaint is in English) and
    `api_fields` (a service field's form input, e.g. amount_fen → amount_yuan)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    done: str | None = None

    hints: ClassVar[Mapping[str, str]] = {}
    api_fields: ClassVar[Mapping[str, str]] = {}

    @classmethod
    async def of(cls, request: Request, names: Iterable[str]) -> Self:
        submitted = await request.form()
        values: dict[str, Any] = {}
        for name in names:
            value = submitted.get(name)
            values[name] = value.strip() if isinstance(value, str) else ""
        return cls(values=values)

    def hint(self, name: str, default: str = WRONG) -> str:
        return self.hints.get(name.split("-")[0], default)

    def column(self, name: str) -> str:
        """The input a service's field path (`items.3.rate_fen`, `amount_fen`) belongs to."""
        top = name.split(".")[0]
        return self.api_fields.get(top, top)

    def wording(self, reason: str) -> str:
        """A service's Chinese reason as the page says it."""
        return reason

    def fail(self, name: str, reason: str) -> None:
        """Put a complaint (the service's field path, or a form field) next to its input."""
        column = self.column(name)
        text = self.wording(reason) if CJK.search(reason) else self.hint(column)
        if column in self.values:
            self.errors.setdefault(column, text)
        else:
            self.problem = self.problem or text

    def fen(self, name: str, *, positive: bool = False, required: bool = True) -> int | None:
        """A yuan amount typed in `name` as exact fen (at most two decimals), or None with an error."""
        raw = str(self.values.get(name, "")).replace(",", "").replace("，", "")
        if raw == "" and not required:
            return None
        try:
            yuan = Decimal(raw)
        except InvalidOperation:
            yuan = Decimal(-1)
        if (
            not yuan.is_finite()
            or yuan < 0
            or yuan != yuan.quantize(Decimal("0.01"))
            or (positive and not yuan)
        ):
            self.errors[name] = self.hint(name, "请填写金额（元，最多两位小数）")
            return None
        return int(yuan * FEN_PER_YUAN)

    def whole(self, name: str, *, low: int, high: int) -> int | None:
        raw = str(self.values.get(name, ""))
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors[name] = self.hint(name, "请填写整数")
            return None
        return int(raw)

    def text(self, name: str, *, low: int, high: int) -> str | None:
        value = str(self.values.get(name, ""))
        if not low <= len(value) <= high:
            self.errors[name] = self.hint(name)
            return None
        return value

    def day(self, name: str) -> str | None:
        try:
            return date.fromisoformat(str(self.values.get(name, ""))).isoformat()
        except ValueError:
            self.errors[name] = self.hint(name, "请选择日期")
            return None

    def absorb(self, answer: httpx.Response, fallback: str) -> None:
        """The service's refusal: field problems next to their inputs, anything else above the form."""
        body = problems_of(answer)
        for problem in body.get("errors") or []:
            self.fail(str(problem.get("field", "")), str(problem.get("reason", "")))
        if not self.errors and not self.problem:
            detail = str(body.get("detail") or "")
            self.problem = self.wording(detail) if CJK.search(detail) else fallback

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.problem)


async def send(
    form: Form,
    call: Callable[[], Awaitable[httpx.Response]],
    *,
    service: str,
    missing: str,
    fallback: str,
    expected: int = status.HTTP_201_CREATED,
) -> Any:
    """A form's call to a service, made only when the form has no errors of its own: the service's JSON
    answer, or None with its refusal put next to the fields (401/403/404 and an outage become the page's)."""
    if form.has_errors:
        return None
    try:
        answer = await call()
    except Unavailable:
        raise Refusal(503, service_down(service)) from None
    if answer.status_code == expected:
        return answer.json()
    if answer.status_code in (401, 403, 404) or answer.status_code >= 500:
        raise refusal(answer, service=service, missing=missing)
    form.absorb(answer, fallback)
    return None


def went_to(request: Request, path: str) -> Response:
    """After a successful save: htmx follows `HX-Redirect`, a plain form post a 303."""
    if wants_fragment(request):
        return Response(status_code=status.HTTP_200_OK, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


# --- pickers -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionOption:
    code: str
    label: str


def villages(tree: list[dict[str, Any]]) -> list[RegionOption]:
    """The villages of a region tree, labelled with their township."""
    found: list[RegionOption] = []

    def walk(node: dict[str, Any], township: str | None) -> None:
        if node["tier"] == Tier.village:
            found.append(
                RegionOption(node["code"], f"{township} · {node['name']}" if township else node["name"])
            )
        for child in node.get("children", []):
            walk(child, node["name"] if node["tier"] == Tier.township else township)

    for root in tree:
        walk(root, None)
    return found


@dataclass(frozen=True)
class RegionGroup:
    label: str
    options: list[RegionOption]


def region_groups(tree: list[dict[str, Any]]) -> list[RegionGroup]:
    """The list's region picker: each township in scope (all its villages) followed by its villages."""
    groups: list[RegionGroup] = []
    pending = list(tree)
    while pending:
        node = pending.pop(0)
        if node["tier"] == Tier.banner:
            pending = list(node.get("children", [])) + pending
        elif node["tier"] == Tier.township:
            options = [RegionOption(node["code"], f"{node['name']}（全部嘎查村）")]
            options += [RegionOption(v["code"], v["name"]) for v in node.get("children", [])]
            groups.append(RegionGroup(node["name"], options))
        else:
            groups.append(RegionGroup("本嘎查村", [RegionOption(node["code"], node["name"])]))
    return groups


async def household_choices(request: Request, principal: Principal, q: str) -> dict[str, Any]:
    """A household picker's choices: households in scope whose name or number matches (registry search)."""
    q = q.strip()[:50]
    found: list[dict[str, Any]] = []
    problem = None
    if q:
        try:
            answer = await call_registry(
                request, principal, "GET", HOUSEHOLDS, params={"q": q, "page_size": PICKER_SIZE}
            )
            found = answer.json()["items"] if answer.status_code == status.HTTP_200_OK else []
        except Unavailable:
            problem = "登记服务暂时不可用，无法查找农牧户。"
    names = region_names(await region_tree(request, principal) or [])
    return {"found": found, "q": q, "problem": problem, "region_names": names}
