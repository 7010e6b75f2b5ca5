"""导出: every list page's rows as .xlsx or .csv, as the page shows them. The export asks the same API the
list does, with the same filters, on the caller's token (so scoped and masked as the API answers that
caller), reads every page of the answer and writes the rows with the kernel's table writer
(shared/table_files.py). A list's 导出 link carries its filters as the API's query parameters:
`/exports/cases?status=…&format=csv`."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from gateway.web.clients import call_service, refusal, region_names, region_tree, service_down
from gateway.web.deps import PageUser, page_router
from gateway.web.errors import Refusal
from gateway.web.render import local_time, today
from shared.auth import Principal
from shared.errors import Unavailable
from shared.money import FEN_PER_YUAN
from shared.table_files import FileFormat, table_file
from shared.vocabulary import Term, labels
from shared.vocabulary.assets import AssetClass, AssetStatus, FundingSource, PlanStatus
from shared.vocabulary.monitoring import (
    CaseStatus,
    DropoutAction,
    HousingGrade,
    RenovationKind,
    RenovationStatus,
    RiskType,
    WaterFixKind,
    WaterProblem,
)
from shared.vocabulary.payments import BatchStatus, ClaimStatus, Kind, LineStatus

router = page_router()

MAX_ROWS = 20_000  # a list longer than this is narrowed first (a filter), not downloaded whole
TOO_MANY = f"符合条件的记录超过 {MAX_ROWS} 条，请先按区域、年度或状态筛选后再导出。"
EXPORT_MISSING = "未找到要导出的记录，或不在您的管辖范围内。"

Item = dict[str, Any]
Names = Mapping[str, str]
Column = tuple[str, Callable[[Item, Names], Any]]


def field(name: str) -> Callable[[Item, Names], Any]:
    return lambda item, names: item.get(name)


def said(name: str, word: type[Term]) -> Callable[[Item, Names], Any]:
    """An enum field said in Chinese."""
    words = labels(word)
    return lambda item, names: words.get(item.get(name), item.get(name))


def said_all(name: str, word: type[Term]) -> Callable[[Item, Names], Any]:
    words = labels(word)
    return lambda item, names: "、".join(words.get(value, value) for value in item.get(name) or [])


def yuan(name: str) -> Callable[[Item, Names], Any]:
    """Fen as an exact number of yuan (a number cell, not text)."""
    return lambda item, names: None if item.get(name) is None else Decimal(item[name]) / FEN_PER_YUAN


def when(name: str) -> Callable[[Item, Names], Any]:
    """A time in Beijing time, as every page says it."""
    return lambda item, names: local_time(item.get(name)) or None


def region(name: str = "region_code") -> list[Column]:
    """The region's name, then its code (both: people read names, systems join on codes)."""
    return [
        ("区域", lambda item, names: names.get(item.get(name) or "", item.get(name))),
        ("区域代码", field(name)),
    ]


def latest_follow_up(item: Item) -> str | None:
    """A child's latest follow-up in words: the day, what was done, the note."""
    done = item.get("follow_ups") or []
    if not done:
        return None
    last = done[-1]
    action = labels(DropoutAction).get(last["action"], last["action"])
    return f"{last['on']} {action}：{last['note']}"


@dataclass(frozen=True)
class Export:
    """One list page's export: the API list it reads and the columns it writes."""

    name: str  # the file's name, and the export's address under /exports/
    title: str  # the file's Chinese name
    service: str
    api: str  # as gateway/policy.py lists it; `{id}` is the page's path parameter
    filters: tuple[str, ...]  # the API's query parameters a list page may carry over
    columns: tuple[Column, ...]
    page_size: int = 200


EXPORTS: tuple[Export, ...] = (
    Export(
        "cases",
        "监测对象",
        "monitoring",
        "/api/v1/monitoring/cases",
        ("status", "region", "overdue", "awaiting_me", "household_id"),
        (
            ("户编号", field("household_number")),
            ("户主", field("head_name")),
            *region(),
            ("状态", said("status", CaseStatus)),
            ("风险类型", said_all("risk_types", RiskType)),
            ("发现时间", when("discovered_at")),
            ("认定期限", when("decision_due_at")),
            ("已用天数", field("age_days")),
            ("逾期", lambda item, names: "是" if item.get("overdue") else "否"),
        ),
    ),
    Export(
        "plans",
        "帮扶计划",
        "monitoring",
        "/api/v1/monitoring/plans",
        ("region", "overdue", "wants_loan", "household_id"),
        (
            ("户编号", field("household_number")),
            ("户主", field("head_name")),
            *region(),
            ("帮扶责任人", lambda item, names: (item.get("responsible") or {}).get("display_name")),
            ("措施数", lambda item, names: len(item.get("measures") or [])),
            ("逾期措施数", field("overdue_measures")),
            ("有贷款意愿", lambda item, names: "是" if item.get("wants_loan") else "否"),
            ("更新时间", when("updated_at")),
        ),
    ),
    Export(
        "notices",
        "监测对象公示",
        "monitoring",
        "/api/v1/monitoring/notices",
        ("region",),
        (
            ("户编号", field("household_number")),
            ("户主", field("head_name")),
            *region(),
            ("风险类型", said_all("risk_types", RiskType)),
            ("公示开始", when("notice_starts_at")),
            ("公示结束", when("notice_ends_at")),
            ("异议截止", when("objection_deadline")),
        ),
    ),
    Export(
        "dropouts",
        "控辍保学名单",
        "monitoring",
        "/api/v1/monitoring/dropouts",
        ("region", "year"),
        (
            ("姓名", field("member_name")),
            ("户编号", field("household_number")),
            *region(),
            ("年龄", field("age")),
            ("跟进次数", lambda item, names: len(item.get("follow_ups") or [])),
            ("最近跟进", lambda item, names: latest_follow_up(item)),
        ),
    ),
    Export(
        "insurance",
        "医疗保险参保",
        "monitoring",
        "/api/v1/monitoring/insurance",
        ("region", "year", "household_id"),
        (
            ("年度", field("year")),
            ("成员", field("member_name")),
            ("户编号", field("household_number")),
            *region(),
            ("参保", lambda item, names: "是" if item.get("enrolled") else "否"),
            ("应缴保费（元）", yuan("premium_fen")),
            ("代缴（元）", yuan("paid_on_behalf_fen")),
            ("登记时间", when("recorded_at")),
        ),
    ),
    Export(
        "renovations",
        "危房改造",
        "monitoring",
        "/api/v1/monitoring/renovations",
        ("region", "accepted", "household_id"),
        (
            ("户编号", field("household_number")),
            ("户主", field("head_name")),
            *region(),
            ("鉴定等级", said("grade", HousingGrade)),
            ("鉴定日期", field("assessed_on")),
            ("改造方式", said("kind", RenovationKind)),
            ("补助（元）", yuan("subsidy_fen")),
            ("开工日期", field("started_on")),
            ("竣工日期", field("completed_on")),
            ("验收日期", field("accepted_on")),
            ("验收单位/人", field("accepted_by")),
            ("状态", said("status", RenovationStatus)),
        ),
    ),
    Export(
        "water-fixes",
        "饮水安全问题",
        "monitoring",
        "/api/v1/monitoring/water-fixes",
        ("region", "done", "household_id"),
        (
            ("户编号", field("household_number")),
            ("户主", field("head_name")),
            *region(),
            ("问题", said("problem", WaterProblem)),
            ("解决方式", said("fix", WaterFixKind)),
            ("发现日期", field("found_on")),
            ("开工日期", field("started_on")),
            ("完成日期", field("done_on")),
            ("已完成", lambda item, names: "是" if item.get("done") else "否"),
        ),
    ),
    Export(
        "claims",
        "补贴申报",
        "payments",
        "/api/v1/payments/claims",
        ("kind", "year", "status", "region", "household_id"),
        (
            ("户编号", field("household_number")),
            ("领款人", field("payee_name")),
            *region(),
            ("类别", said("kind", Kind)),
            ("年度", field("year")),
            ("数量", field("quantity")),
            ("金额（元）", yuan("amount_fen")),
            ("状态", said("status", ClaimStatus)),
            ("申报时间", when("created_at")),
            ("审批时间", when("decided_at")),
        ),
        page_size=500,
    ),
    Export(
        "batches",
        "发放批次",
        "payments",
        "/api/v1/payments/batches",
        ("status", "year", "kind", "region"),
        (
            ("批次编号", lambda item, names: item.get("number") or item["id"]),
            ("类别", said("kind", Kind)),
            ("年度", field("year")),
            *region(),
            ("状态", said("status", BatchStatus)),
            ("笔数", field("line_count")),
            ("金额（元）", yuan("total_fen")),
            ("创建时间", when("created_at")),
            ("发放时间", when("disbursed_at")),
        ),
        page_size=500,
    ),
    Export(
        "batch-lines",
        "发放明细",
        "payments",
        "/api/v1/payments/batches/{id}/lines",
        ("status",),
        (
            ("户编号", field("household_number")),
            ("领款人", field("payee_name")),
            *region(),
            ("数量", field("quantity")),
            ("金额（元）", yuan("amount_fen")),
            ("状态", said("status", LineStatus)),
            ("银行流水号", field("bank_reference")),
            ("说明", field("reason")),
            ("更新时间", when("updated_at")),
        ),
        page_size=500,
    ),
    Export(
        "assets",
        "扶贫资产",
        "assets",
        "/api/v1/assets",
        ("asset_class", "region", "year"),
        (
            ("资产名称", field("name")),
            ("类别", said("asset_class", AssetClass)),
            *region(),
            ("项目", field("project")),
            ("资金来源", said("funding_source", FundingSource)),
            ("资金年度", field("funding_year")),
            ("价值（元）", yuan("value_fen")),
            ("状态", said("status", AssetStatus)),
        ),
    ),
    Export(
        "distributions",
        "收益分配方案",
        "assets",
        "/api/v1/assets/distributions",
        ("year", "status", "region"),
        (
            ("年度", field("year")),
            *region("region"),
            ("状态", said("status", PlanStatus)),
            ("分配总额（元）", yuan("total_fen")),
            ("农牧户部分（元）", yuan("households_fen")),
            ("公益岗位部分（元）", yuan("public_posts_fen")),
            ("村集体部分（元）", yuan("collective_fen")),
            ("户数", field("line_count")),
            ("审批时间", when("approved_at")),
        ),
    ),
)


async def every_row(
    request: Request, principal: Principal, export: Export, path: str, params: Item
) -> list[Item]:
    """Every page of the list, as the caller may read it; the service's refusal as the page's."""
    rows: list[Item] = []
    page = 1
    while True:
        try:
            answer = await call_service(
                request,
                export.service,
                "GET",
                path,
                token=principal.token,
                params={**params, "page": page, "page_size": export.page_size},
            )
        except Unavailable:
            raise Refusal(503, service_down(export.service)) from None
        if answer.status_code != 200:
            raise refusal(answer, service=export.service, missing=EXPORT_MISSING)
        body = answer.json()
        rows += body["items"]
        if body["total"] > MAX_ROWS:
            raise Refusal(400, TOO_MANY)
        if len(rows) >= body["total"] or not body["items"]:
            return rows
        page += 1


def export_route(export: Export) -> None:
    """Add the export's route, guarded by the policy of the API list it reads."""
    address = "/exports/" + export.name + ("/{id}" if "{id}" in export.api else "")

    async def download(
        request: Request,
        principal: Annotated[Principal, Depends(PageUser(("GET", export.api)))],
        file_format: Annotated[FileFormat, Query(alias="format")] = "xlsx",
    ) -> Response:
        path = export.api.format(id=request.path_params.get("id", ""))
        params = {k: v for k in export.filters if (v := request.query_params.get(k, "").strip())}
        rows, tree = (
            await every_row(request, principal, export, path, params),
            await region_tree(request, principal),
        )
        names = region_names(tree or [])
        lines = ([value(item, names) for _, value in export.columns] for item in rows)
        header = [label for label, _ in export.columns]
        return table_file(header, lines, file_format=file_format, name=f"{export.title}-{today():%Y%m%d}")

    download.__doc__ = f"{export.title}: the rows of {export.api} with the page's filters, as a file."
    router.add_api_route(address, download, methods=["GET"], name=f"export_{export.name}")


for _export in EXPORTS:
    export_route(_export)
