"""How each operation of the matrix is called for an object position: a valid request, what a listing
must show, and which banner-level read must not change when a caller is refused.

Bodies are valid (FastAPI validates them before the handler runs, so a 422 could otherwise hide a missing
scope check); where a body names a region or a household, it names the position's.
"""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.security.objects import (
    YEAR,
    World,
    asset,
    bank_endpoint,
    entity,
    investment,
    partnership,
    plan,
    project,
    unique,
    visit,
)
from tests.security.principals import TOWNSHIP, VILLAGE, Position
from tests.support.households import household, id_number


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Make = Callable[[World, Position], Request]


@dataclass(frozen=True)
class Call:
    """`listing`: the answer is a list, search, count, export or report checked for out-of-scope rows;
    `shows`: the id an allowed listing at a position must contain; `probe`: a banner read that a refused
    call must leave unchanged (nothing written)."""

    make: Make
    listing: bool = False
    shows: Callable[[World, Position], str] | None = None
    probe: Make | None = None
    spends_token: bool = False  # the call revokes its caller's token (sign-out): each cell gets a fresh one


CALLS: dict[str, Call] = {}


def call(operation: str, **options: Any) -> Callable[[Make], Make]:
    def register(make: Make) -> Make:
        CALLS[operation] = Call(make, **options)
        return make

    return register


def get(path: str, **params: Any) -> Make:
    return lambda w, p: Request("GET", path, params=params or None)


def listing_in(path: str, **params: Any) -> Make:
    """A listing filtered to the position's village."""
    return lambda w, p: Request("GET", path, params={"region": VILLAGE[p], **params})


def total_in(path: str) -> Make:
    return listing_in(path, page_size=1)


def obj(kind: str) -> Callable[[World, Position], str]:
    return lambda w, p: str(vars(w.places[p])[kind]["id"])


def read_of(kind: str, template: str) -> Make:
    return lambda w, p: Request("GET", template.format(obj(kind)(w, p)))


def register_simple(operation: str, make: Make, **options: Any) -> None:
    CALLS[operation] = Call(make, **options)


# --- gateway ---------------------------------------------------------------------------------------------
register_simple("GET /healthz", get("/healthz"))
register_simple("GET /readyz", get("/readyz"))
register_simple("GET /.well-known/jwks.json", get("/.well-known/jwks.json"))
register_simple("GET /auth/me", get("/auth/me"))
register_simple("POST /auth/logout", lambda w, p: Request("POST", "/auth/logout"), spends_token=True)
register_simple(
    "POST /auth/token",
    # the demo administrator's own sign-in (API.md "Running")
    lambda w, p: Request(
        "POST", "/auth/token", files={"username": (None, "admin"), "password": (None, "hangjin-demo")}
    ),
)
register_simple("GET /api/v1/admin/users", get("/api/v1/admin/users"))
register_simple("GET /api/v1/admin/clients", get("/api/v1/admin/clients"))


@call("POST /api/v1/admin/users")
def _user(w: World, p: Position) -> Request:
    body = {
        "username": unique("u"),
        "password": "hangjin-demo-2",
        "role": "village_official",
        "region": VILLAGE[p],
    }
    return Request("POST", "/api/v1/admin/users", json=body)


@call("POST /api/v1/admin/clients")
def _client(w: World, p: Position) -> Request:
    return Request(
        "POST",
        "/api/v1/admin/clients",
        json={"name": unique("c"), "role": "partner_agency", "region": TOWNSHIP},
    )


# --- registry --------------------------------------------------------------------------------------------
register_simple(
    "GET /api/v1/regions",
    lambda w, p: Request("GET", "/api/v1/regions", params={"under": VILLAGE[p]}),
    listing=True,
)
register_simple("GET /api/v1/regions/{code}", lambda w, p: Request("GET", f"/api/v1/regions/{VILLAGE[p]}"))
register_simple(
    "POST /api/v1/regions",
    # an existing code: the banner admin gets 409 and the region tree stays as the other suites expect it
    lambda w, p: Request("POST", "/api/v1/regions", json={"code": VILLAGE[p], "name": "重复嘎查"}),
)
REGION_NAMES = {Position.village: "阿斯尔嘎查", Position.sibling: "巴音乌素嘎查", Position.other: "巴拉贡村"}
register_simple(
    "PATCH /api/v1/regions/{code}",
    lambda w, p: Request("PATCH", f"/api/v1/regions/{VILLAGE[p]}", json={"name": REGION_NAMES[p]}),
    probe=lambda w, p: Request("GET", f"/api/v1/regions/{VILLAGE[p]}"),
)
HOUSEHOLDS_IN = total_in("/api/v1/households")
register_simple(
    "GET /api/v1/households",
    listing_in("/api/v1/households", page_size=200),
    listing=True,
    shows=obj("household"),
)
register_simple(
    "POST /api/v1/households",
    lambda w, p: Request("POST", "/api/v1/households", json=household(VILLAGE[p])),
    probe=HOUSEHOLDS_IN,
)
register_simple(
    "GET /api/v1/households/import-template",
    get("/api/v1/households/import-template", format="csv"),
)


def import_file(region_code: str) -> bytes:
    """One household of one head in the registry's own import columns (the template's header row)."""
    header = (
        "户序号,嘎查村代码,家庭住址,联系电话,户类别,脱贫年度,是否易地搬迁,安置点,人均纯收入（元）,收入年度,"
        "羊（只）,牛（头）,猪（头）,义务教育保障,基本医疗保障,住房安全保障,饮水安全,姓名,身份证号,与户主关系,"
        "民族,在校阶段,残疾等级,慢性病,大病,劳动能力,务工情况,低保,特困,养老保险"
    )
    row = (
        f"1,{region_code},嘎查一社1号,13912345678,边缘易致贫户,,否,,9000.00,{YEAR - 1},10,0,0,是,是,是,是,"
        f"宝音,{id_number()},户主,蒙古族,未在学,,否,否,有劳动力,本地务农,否,否,是"
    )
    return f"{header}\n{row}\n".encode()


register_simple(
    "POST /api/v1/households/import",
    lambda w, p: Request(
        "POST",
        "/api/v1/households/import",
        files={"file": ("households.csv", io.BytesIO(import_file(VILLAGE[p])), "text/csv")},
    ),
    probe=HOUSEHOLDS_IN,
)
register_simple(
    "GET /api/v1/households/export",
    listing_in("/api/v1/households/export", format="csv"),
    listing=True,
    shows=lambda w, p: str(w.places[p].household["address"]),
)
register_simple(
    "POST /api/v1/households/lookup",
    lambda w, p: Request(
        "POST", "/api/v1/households/lookup", json={"household_ids": [obj("household")(w, p)]}
    ),
    listing=True,
    shows=obj("household"),
)
register_simple(
    "GET /api/v1/households/stream",
    listing_in("/api/v1/households/stream"),
    listing=True,
    shows=obj("household"),
)
SITE = read_of("site", "/api/v1/resettlement-sites/{}")
register_simple(
    "GET /api/v1/resettlement-sites",
    listing_in("/api/v1/resettlement-sites", page_size=200),
    listing=True,
    shows=obj("site"),
)
register_simple(
    "POST /api/v1/resettlement-sites",
    lambda w, p: Request(
        "POST",
        "/api/v1/resettlement-sites",
        json={"name": unique("矩阵安置点"), "region_code": VILLAGE[p], "capacity": 5},
    ),
    probe=total_in("/api/v1/resettlement-sites"),
)
register_simple(
    "GET /api/v1/resettlement-sites/gaps",
    listing_in("/api/v1/resettlement-sites/gaps"),
    listing=True,
    shows=obj("site"),
)
register_simple("GET /api/v1/resettlement-sites/{site_id}", SITE)
register_simple(
    "PUT /api/v1/resettlement-sites/{site_id}/facilities/{facility}",
    # the state every matrix site's water starts in (unchecked, a gap), so no cell changes another's
    lambda w, p: Request(
        "PUT", f"/api/v1/resettlement-sites/{obj('site')(w, p)}/facilities/water", json={"status": "gap"}
    ),
    probe=SITE,
)
register_simple(
    "POST /api/v1/resettlement-sites/{site_id}/households",
    # the position's own household, linked again by every allowed caller (the site counts it once)
    lambda w, p: Request(
        "POST",
        f"/api/v1/resettlement-sites/{obj('site')(w, p)}/households",
        json={"household_ids": [obj("household")(w, p)]},
    ),
    probe=lambda w, p: Request("GET", f"/api/v1/households/{obj('household')(w, p)}"),
)
HOUSEHOLD = read_of("household", "/api/v1/households/{}")
register_simple("GET /api/v1/households/{household_id}", HOUSEHOLD)
register_simple(
    "PATCH /api/v1/households/{household_id}",
    lambda w, p: Request(
        "PATCH", f"/api/v1/households/{obj('household')(w, p)}", json={"phone": "13800001111"}
    ),
    probe=HOUSEHOLD,
)
register_simple(
    "POST /api/v1/households/{household_id}/category-changes",
    lambda w, p: Request(
        "POST",
        f"/api/v1/households/{obj('household')(w, p)}/category-changes",
        json={"category": "lifted_unsupported", "reason": "稳定脱贫", "effective_date": f"{YEAR}-01-01"},
    ),
    probe=HOUSEHOLD,
)
register_simple(
    "GET /api/v1/households/{household_id}/history", read_of("household", "/api/v1/households/{}/history")
)
register_simple(
    "PUT /api/v1/households/{household_id}/guarantees",
    lambda w, p: Request(
        "PUT",
        f"/api/v1/households/{obj('household')(w, p)}/guarantees",
        json={
            "education_secure": True,
            "medical_secure": True,
            "housing_secure": True,
            "water_secure": False,
            "visit_id": str(uuid.uuid4()),
            "visited_on": f"{YEAR}-03-01",
        },
    ),
    probe=read_of("household", "/api/v1/households/{}"),
)
register_simple(
    "POST /api/v1/households/members/flags",
    lambda w, p: Request(
        "POST",
        "/api/v1/households/members/flags",
        json={
            "source": "民政局名单",
            "items": [{"member_id": w.places[p].household["members"][0]["id"], "flags": {"tekun": True}}],
        },
    ),
    probe=read_of("household", "/api/v1/households/{}"),
)
register_simple(
    "GET /api/v1/households/{household_id}/changes", read_of("household", "/api/v1/households/{}/changes")
)
register_simple(
    "GET /api/v1/stats/households",
    lambda w, p: Request(
        "GET",
        "/api/v1/stats/households",
        params={"region": VILLAGE[p][:9]} if p != Position.village else {"region": VILLAGE[p]},
    ),
    listing=True,
)

# --- monitoring ------------------------------------------------------------------------------------------
CASE = read_of("case", "/api/v1/monitoring/cases/{}")
NOTICED = read_of("noticed_case", "/api/v1/monitoring/cases/{}")
CASES_IN = total_in("/api/v1/monitoring/cases")
ALERTS_IN = total_in("/api/v1/monitoring/alerts")


def case_body(w: World, p: Position) -> dict[str, Any]:
    return {
        "household_id": obj("household")(w, p),
        "source": "village_screening",
        "risk_types": ["income_drop"],
        "description": "收入骤减风险",
    }


register_simple(
    "POST /api/v1/monitoring/cases",
    lambda w, p: Request("POST", "/api/v1/monitoring/cases", json=case_body(w, p)),
    probe=CASES_IN,
)
register_simple(
    "GET /api/v1/monitoring/cases",
    listing_in("/api/v1/monitoring/cases", page_size=200),
    listing=True,
    shows=obj("case"),
)
register_simple("GET /api/v1/monitoring/cases/{case_id}", CASE)
register_simple(
    "POST /api/v1/monitoring/cases/{case_id}/transitions",
    # the first step of a case just applied for: the village's officials and work team may take it
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/cases/{obj('step_case')(w, p)}/transitions",
        json={"action": "village_review", "comment": "两委和工作队评议通过"},
    ),
    probe=lambda w, p: Request("GET", f"/api/v1/monitoring/cases/{obj('step_case')(w, p)}"),
)
register_simple(
    "POST /api/v1/monitoring/cases/{case_id}/objections",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/cases/{obj('noticed_case')(w, p)}/objections",
        json={"content": "收入情况有出入"},
    ),
    probe=NOTICED,
)
register_simple(
    "POST /api/v1/monitoring/cases/{case_id}/objections/{objection_id}/resolve",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/cases/{obj('noticed_case')(w, p)}/objections/{obj('objection')(w, p)}/resolve",
        json={"resolution": "经核实，异议不成立", "upheld": False},
    ),
    probe=NOTICED,
)
register_simple(
    "POST /api/v1/monitoring/cases/{case_id}/measures",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/cases/{obj('case')(w, p)}/measures",
        json={
            "kind": "industry",
            "description": "发展肉羊养殖",
            "cadre_name": "张敏",
            "started_on": f"{YEAR}-01-01",
        },
    ),
    probe=CASE,
)
register_simple(
    "PATCH /api/v1/monitoring/cases/{case_id}/measures/{measure_id}",
    # no case can be confirmed (the notice lasts 5 days) in a fresh stack, so no measure exists to find
    lambda w, p: Request(
        "PATCH",
        f"/api/v1/monitoring/cases/{obj('case')(w, p)}/measures/{uuid.uuid4()}",
        json={"outcome": "已见效", "completed_on": f"{YEAR}-06-01"},
    ),
    probe=CASE,
)
register_simple(
    "POST /api/v1/monitoring/cases/{case_id}/reliefs",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/cases/{obj('case')(w, p)}/reliefs",
        json={
            "kind": "illness",
            "amount_fen": 200_000,
            "description": "临时救助",
            "granted_on": f"{YEAR}-02-01",
        },
    ),
    probe=CASE,
)
register_simple(
    "GET /api/v1/monitoring/notices",
    listing_in("/api/v1/monitoring/notices", page_size=200),
    listing=True,
    shows=lambda w, p: str(w.places[p].noticed_case["household_number"]),
)
register_simple(
    "POST /api/v1/monitoring/visits",
    lambda w, p: Request("POST", "/api/v1/monitoring/visits", json=visit(obj("household")(w, p))),
    probe=total_in("/api/v1/monitoring/visits"),
)
register_simple("GET /api/v1/monitoring/roster", listing_in("/api/v1/monitoring/roster"), listing=True)
register_simple(
    "GET /api/v1/monitoring/visits",
    listing_in("/api/v1/monitoring/visits", page_size=200),
    listing=True,
    shows=obj("visit"),
)
register_simple(
    "POST /api/v1/monitoring/department-records",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/department-records",
        json={
            "source": "civil_affairs",
            "year": YEAR,
            "records": [{"id_number": w.places[p].head_id_number, "kind": "tekun"}],
        },
    ),
    listing=True,
)
register_simple(
    "GET /api/v1/monitoring/alerts",
    listing_in("/api/v1/monitoring/alerts", page_size=200),
    listing=True,
    shows=obj("alert"),
)


def alerts_of_household(w: World, p: Position) -> Request:
    return Request("GET", "/api/v1/monitoring/alerts", params={"household_id": obj("household")(w, p)})


ALERT = alerts_of_household
register_simple(
    "POST /api/v1/monitoring/alerts/{alert_id}/open-case",
    lambda w, p: Request("POST", f"/api/v1/monitoring/alerts/{obj('alert')(w, p)}/open-case", json={}),
    probe=ALERT,
)
register_simple(
    "POST /api/v1/monitoring/alerts/{alert_id}/dismiss",
    lambda w, p: Request(
        "POST", f"/api/v1/monitoring/alerts/{obj('alert')(w, p)}/dismiss", json={"reason": "核实无风险"}
    ),
    probe=ALERT,
)
register_simple(
    "POST /api/v1/monitoring/self-reports",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/self-reports",
        json={
            "village_code": VILLAGE[p],
            "name": "其其格",
            "phone": "13912345678",
            "id_number": id_number(),
            "description": "家中有人患病",
            "risk_types": ["illness"],
            "authorisation_signed": True,
        },
    ),
    probe=total_in("/api/v1/monitoring/self-reports"),
)
register_simple(
    "GET /api/v1/monitoring/self-reports",
    listing_in("/api/v1/monitoring/self-reports", page_size=200),
    listing=True,
)
# Assistance: plans and loans by id are asked for with ids nothing has (see the matrix's notes).
CADRE = {"username": "zhang.min", "display_name": "张敏"}
PLANS_IN = total_in("/api/v1/monitoring/plans")
register_simple(
    "GET /api/v1/monitoring/plans", listing_in("/api/v1/monitoring/plans", page_size=200), listing=True
)
register_simple(
    "POST /api/v1/monitoring/plans",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/plans",
        json={"household_id": obj("household")(w, p), "responsible": CADRE},
    ),
    probe=PLANS_IN,
)
register_simple(
    "GET /api/v1/monitoring/households/{household_id}/plan",
    lambda w, p: Request("GET", f"/api/v1/monitoring/households/{uuid.uuid4()}/plan"),
)
register_simple(
    "PATCH /api/v1/monitoring/plans/{plan_id}",
    lambda w, p: Request("PATCH", f"/api/v1/monitoring/plans/{uuid.uuid4()}", json={"wants_loan": True}),
    probe=PLANS_IN,
)
register_simple(
    "POST /api/v1/monitoring/plans/{plan_id}/measures",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/plans/{uuid.uuid4()}/measures",
        json={"kind": "industry", "target": "发展肉羊养殖", "due_on": f"{YEAR}-12-31"},
    ),
    probe=PLANS_IN,
)
register_simple(
    "PATCH /api/v1/monitoring/plans/{plan_id}/measures/{measure_id}",
    lambda w, p: Request(
        "PATCH",
        f"/api/v1/monitoring/plans/{uuid.uuid4()}/measures/{uuid.uuid4()}",
        json={"status": "in_progress"},
    ),
    probe=PLANS_IN,
)
register_simple(
    "POST /api/v1/monitoring/department-lists",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/department-lists",
        files={
            "file": ("list.csv", f"id_number,status\n{w.places[p].head_id_number},tekun\n", "text/csv"),
            "department": (None, "civil_affairs"),
            "year": (None, str(YEAR)),
        },
    ),
    listing=True,
)
register_simple(
    "GET /api/v1/monitoring/findings", listing_in("/api/v1/monitoring/findings", page_size=200), listing=True
)
LOANS_IN = total_in("/api/v1/monitoring/loans")
register_simple(
    "GET /api/v1/monitoring/loans", listing_in("/api/v1/monitoring/loans", page_size=200), listing=True
)
register_simple(
    "POST /api/v1/monitoring/loans",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/loans",
        json={
            "household_id": obj("household")(w, p),
            "borrower_member_id": w.places[p].household["members"][0]["id"],
            "bank": "杭锦旗农村商业银行",
            "amount_fen": 3_000_000,
            "term_months": 36,
            "annual_rate_bp": 435,
            "purpose": "livestock",
            "disbursed_on": f"{YEAR}-01-15",
        },
    ),
    probe=LOANS_IN,
)
register_simple(
    "GET /api/v1/monitoring/loans/coverage", listing_in("/api/v1/monitoring/loans/coverage"), listing=True
)
register_simple(
    "POST /api/v1/monitoring/loans/{loan_id}/repayments",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/loans/{uuid.uuid4()}/repayments",
        json={"paid_on": f"{YEAR}-06-01", "amount_fen": 100_000},
    ),
    probe=LOANS_IN,
)
RESULTS_IN = total_in("/api/v1/monitoring/industry-results")
register_simple(
    "GET /api/v1/monitoring/industry-results",
    listing_in("/api/v1/monitoring/industry-results", page_size=200),
    listing=True,
)
register_simple(
    "POST /api/v1/monitoring/industry-results",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/industry-results",
        json={
            "household_id": obj("household")(w, p),
            "what": "新建标准化棚圈",
            "quantity": 1,
            "unit": "座",
            "achieved_on": f"{YEAR}-01-01",
        },
    ),
    probe=RESULTS_IN,
)
register_simple(
    "GET /api/v1/monitoring/industry-results/{result_id}",
    lambda w, p: Request("GET", f"/api/v1/monitoring/industry-results/{uuid.uuid4()}"),
)
register_simple(
    "POST /api/v1/monitoring/industry-results/{result_id}/verification",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/industry-results/{uuid.uuid4()}/verification",
        json={"visit_id": str(uuid.uuid4())},
    ),
    probe=RESULTS_IN,
)
EMPLOYMENT = ("posts", "trainings", "workshops", "work-relief")
for _what in EMPLOYMENT:
    _path = f"/api/v1/monitoring/{_what}"
    register_simple(f"GET {_path}", listing_in(_path, page_size=200), listing=True)


def member_of(w: World, p: Position) -> dict[str, str]:
    """The position's household and its head, as an employment record names a member."""
    home = w.places[p].household
    return {"household_id": str(home["id"]), "member_id": str(home["members"][0]["id"])}


register_simple(
    "POST /api/v1/monitoring/posts",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/posts",
        json={
            "name": "村级保洁员",
            "household_id": member_of(w, p)["household_id"],
            "holder_member_id": member_of(w, p)["member_id"],
            "monthly_wage_fen": 80_000,
            "starts_on": f"{YEAR}-01-01",
            "ends_on": f"{YEAR}-12-31",
        },
    ),
    probe=total_in("/api/v1/monitoring/posts"),
)
register_simple(
    "POST /api/v1/monitoring/trainings",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/trainings",
        json={
            "course": "肉羊养殖技术",
            "provider": "杭锦旗职业技能培训中心",
            "region": VILLAGE[p],
            "starts_on": f"{YEAR}-03-10",
            "ends_on": f"{YEAR}-03-14",
            "trainees": [{**member_of(w, p), "certificate": "NM-0001"}],
        },
    ),
    probe=total_in("/api/v1/monitoring/trainings"),
)
register_simple(
    "POST /api/v1/monitoring/workshops",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/workshops",
        json={
            "name": "扶贫车间",
            "village_code": VILLAGE[p],
            "operator": "绒毛制品合作社",
            "employees": [{**member_of(w, p), "hired_on": f"{YEAR}-03-01"}],
        },
    ),
    probe=total_in("/api/v1/monitoring/workshops"),
)
register_simple(
    "POST /api/v1/monitoring/work-relief",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/work-relief",
        json={
            "name": "嘎查道路养护",
            "village_code": VILLAGE[p],
            "starts_on": f"{YEAR}-04-01",
            "ends_on": f"{YEAR}-10-31",
        },
    ),
    probe=total_in("/api/v1/monitoring/work-relief"),
)
register_simple(
    "POST /api/v1/monitoring/work-relief/{project_id}/labour",
    lambda w, p: Request(
        "POST",
        f"/api/v1/monitoring/work-relief/{uuid.uuid4()}/labour",
        json={"month": f"{YEAR}-05", "labour": [{**member_of(w, p), "days": 20, "amount_fen": 300_000}]},
    ),
    probe=total_in("/api/v1/monitoring/work-relief"),
)
register_simple(
    "GET /api/v1/monitoring/households/{household_id}/employment",
    read_of("household", "/api/v1/monitoring/households/{}/employment"),
    listing=True,
)
# The three guarantees per member: lists filtered to the position's village; records name its head.
for _what in ("dropouts", "insurance", "reimbursements"):
    _path = f"/api/v1/monitoring/{_what}"
    register_simple(f"GET {_path}", listing_in(_path, page_size=200), listing=True)
register_simple(
    "POST /api/v1/monitoring/dropouts/follow-ups",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/dropouts/follow-ups",
        json={**member_of(w, p), "action": "other", "note": "入户核实在校情况", "on": f"{YEAR}-01-01"},
    ),
    probe=total_in("/api/v1/monitoring/dropouts"),
)
register_simple(
    "POST /api/v1/monitoring/insurance",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/insurance",
        json={
            **member_of(w, p),
            "year": YEAR,
            "enrolled": True,
            "premium_fen": 38_000,
            "paid_on_behalf_fen": 38_000,
        },
    ),
    probe=total_in("/api/v1/monitoring/insurance"),
)
register_simple(
    "POST /api/v1/monitoring/reimbursements",
    # at the floor: no alert, so the matrix's alerts stay as they are
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/reimbursements",
        json={
            **member_of(w, p),
            "year": YEAR,
            "kind": "chronic",
            "eligible_cost_fen": 100_000,
            "reimbursed_fen": 80_000,
        },
    ),
    probe=total_in("/api/v1/monitoring/reimbursements"),
)
# Housing and water per household: a record names the position's household; progress by an unknown id.
for _what in ("renovations", "water-fixes"):
    _path = f"/api/v1/monitoring/{_what}"
    register_simple(f"GET {_path}", listing_in(_path, page_size=200), listing=True)
register_simple(
    "POST /api/v1/monitoring/renovations",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/renovations",
        json={
            "household_id": obj("household")(w, p),
            "grade": "c",
            "assessed_on": f"{YEAR}-03-01",
            "kind": "reinforce",
            "subsidy_fen": 1_500_000,
        },
    ),
    probe=total_in("/api/v1/monitoring/renovations"),
)
register_simple(
    "PATCH /api/v1/monitoring/renovations/{renovation_id}",
    lambda w, p: Request(
        "PATCH", f"/api/v1/monitoring/renovations/{uuid.uuid4()}", json={"started_on": f"{YEAR}-03-02"}
    ),
    probe=total_in("/api/v1/monitoring/renovations"),
)
register_simple(
    "POST /api/v1/monitoring/water-fixes",
    lambda w, p: Request(
        "POST",
        "/api/v1/monitoring/water-fixes",
        json={
            "household_id": obj("household")(w, p),
            "problem": "access",
            "fix": "pipe_extension",
            "found_on": f"{YEAR}-03-01",
        },
    ),
    probe=total_in("/api/v1/monitoring/water-fixes"),
)
register_simple(
    "PATCH /api/v1/monitoring/water-fixes/{fix_id}",
    lambda w, p: Request(
        "PATCH", f"/api/v1/monitoring/water-fixes/{uuid.uuid4()}", json={"started_on": f"{YEAR}-03-02"}
    ),
    probe=total_in("/api/v1/monitoring/water-fixes"),
)
register_simple(
    "GET /api/v1/monitoring/wage-entitlements",
    lambda w, p: Request(
        "GET",
        "/api/v1/monitoring/wage-entitlements",
        params={"kind": "post_wage", "month": f"{YEAR}-06", "region": VILLAGE[p]},
    ),
)
register_simple(
    "GET /api/v1/monitoring/loan-subsidies",
    lambda w, p: Request(
        "GET", "/api/v1/monitoring/loan-subsidies", params={"year": YEAR - 1, "region": VILLAGE[p]}
    ),
)
register_simple("GET /api/v1/monitoring/thresholds/{year}", get(f"/api/v1/monitoring/thresholds/{YEAR}"))
THRESHOLDS_2099 = get("/api/v1/monitoring/thresholds/2099")
register_simple(
    "PUT /api/v1/monitoring/thresholds/{year}",
    # a far year: the figures in force for the other suites stay as they are
    lambda w, p: Request(
        "PUT",
        "/api/v1/monitoring/thresholds/2099",
        json={"income_line_fen": 800_000, "rigid_expenditure_fen": 1_000_000},
    ),
    probe=THRESHOLDS_2099,
)
WORK_TEAMS_IN = listing_in("/api/v1/monitoring/work-teams")
register_simple("GET /api/v1/monitoring/work-teams", WORK_TEAMS_IN, listing=True)
register_simple(
    "PUT /api/v1/monitoring/work-teams/{village_code}",
    lambda w, p: Request(
        "PUT",
        f"/api/v1/monitoring/work-teams/{VILLAGE[p]}",
        json={"leader_name": "王海", "dispatched_on": f"{YEAR}-01-01"},
    ),
    probe=WORK_TEAMS_IN,
)
register_simple("GET /api/v1/monitoring/deliveries", get("/api/v1/monitoring/deliveries"))
register_simple(
    "POST /api/v1/monitoring/deliveries/{delivery_id}/replay",
    # registry deliveries follow a banner confirmation, which no case can reach in a fresh stack
    lambda w, p: Request("POST", f"/api/v1/monitoring/deliveries/{uuid.uuid4()}/replay"),
)

# --- payments --------------------------------------------------------------------------------------------
CLAIM = read_of("claim", "/api/v1/payments/claims/{}")
BATCH = read_of("batch", "/api/v1/payments/batches/{}")
POLICY = get("/api/v1/payments/policies")
register_simple("GET /api/v1/payments/policies", POLICY)


@call("PUT /api/v1/payments/policies", probe=POLICY)
def _policy(w: World, p: Position) -> Request:
    # a version in force only from 2099, so the rates the other suites compute with stay in force
    items = [{"kind": "sheep", "mode": "per_unit", "unit": "只", "rate_fen": 10_000, "cap_quantity": 20}]
    return Request("PUT", "/api/v1/payments/policies", json={"effective_from": "2099-01-01", "items": items})


register_simple(
    "POST /api/v1/payments/claims",
    lambda w, p: Request(
        "POST",
        "/api/v1/payments/claims",
        json={"household_id": w.places[p].claim["household_id"], "kind": "pig", "year": YEAR, "quantity": 1},
        headers={"Idempotency-Key": unique("claim")},
    ),
    probe=total_in("/api/v1/payments/claims"),
)
register_simple(
    "GET /api/v1/payments/claims",
    listing_in("/api/v1/payments/claims", page_size=200),
    listing=True,
    shows=obj("claim"),
)
register_simple("GET /api/v1/payments/claims/{claim_id}", CLAIM)
for step in ("approve", "reject"):
    register_simple(
        f"POST /api/v1/payments/claims/{{claim_id}}/{step}",
        lambda w, p, step=step: Request(
            "POST",
            f"/api/v1/payments/claims/{obj('pending_claim')(w, p)}/{step}",
            json={"comment": "核实后决定"},
        ),
        probe=lambda w, p: Request("GET", f"/api/v1/payments/claims/{obj('pending_claim')(w, p)}"),
    )
register_simple(
    "GET /api/v1/payments/households/{household_id}/entitlements",
    lambda w, p: Request(
        "GET", f"/api/v1/payments/households/{obj('household')(w, p)}/entitlements", params={"year": YEAR}
    ),
)
register_simple(
    "GET /api/v1/payments/households/{household_id}/lines",
    read_of("household", "/api/v1/payments/households/{}/lines"),
)
register_simple(
    "POST /api/v1/payments/batches",
    lambda w, p: Request(
        "POST", "/api/v1/payments/batches", json={"year": YEAR, "kind": "pig", "region": VILLAGE[p]}
    ),
    probe=total_in("/api/v1/payments/batches"),
)
register_simple(
    "GET /api/v1/payments/batches",
    listing_in("/api/v1/payments/batches", page_size=200),
    listing=True,
    shows=obj("batch"),
)


@call("POST /api/v1/payments/batches/dividends", probe=total_in("/api/v1/payments/batches"))
def _dividends(w: World, p: Position) -> Request:
    home = w.places[p].household
    body = {
        "plan_id": str(uuid.uuid4()),
        "year": YEAR,
        "region": VILLAGE[p],
        "purpose": "资产收益分红",
        "lines": [{"household_id": home["id"], "payee_name": home["head_name"], "amount_fen": 100}],
    }
    return Request(
        "POST", "/api/v1/payments/batches/dividends", json=body, headers={"Idempotency-Key": unique("div")}
    )


register_simple("GET /api/v1/payments/batches/{batch_id}", BATCH)
for step in ("submit", "approve", "disburse"):
    register_simple(
        f"POST /api/v1/payments/batches/{{batch_id}}/{step}",
        lambda w, p, step=step: Request("POST", f"/api/v1/payments/batches/{obj('batch')(w, p)}/{step}"),
        probe=BATCH,
    )
for tail in ("lines", "reconciliation", "notice", "objections"):
    register_simple(
        f"GET /api/v1/payments/batches/{{batch_id}}/{tail}",
        read_of("batch", "/api/v1/payments/batches/{}/" + tail),
    )
# The matrix's batches are drafts: the roles that pass are answered 409 (past the role and scope checks),
# except its maker's cancel, which cancels it.
for step, body in (("return", {"reason": "请核对"}), ("cancel", None), ("repay-failed", None)):
    register_simple(
        f"POST /api/v1/payments/batches/{{batch_id}}/{step}",
        lambda w, p, step=step, body=body: Request(
            "POST", f"/api/v1/payments/batches/{obj('batch')(w, p)}/{step}", json=body
        ),
        probe=BATCH,
    )
register_simple(
    "POST /api/v1/payments/batches/{batch_id}/statement",
    lambda w, p: Request(
        "POST",
        f"/api/v1/payments/batches/{obj('batch')(w, p)}/statement",
        files={
            "file": (
                "statement.csv",
                io.BytesIO(
                    f"instruction_id,status,amount_fen,bank_reference,reason\n{uuid.uuid4()},paid,1,B1,\n".encode()
                ),
                "text/csv",
            )
        },
    ),
    probe=BATCH,
)
register_simple(
    "POST /api/v1/payments/batches/{batch_id}/lines/{line_id}/objections",
    # a draft's notice is not posted: the roles that pass are answered 409 before the line is looked up
    lambda w, p: Request(
        "POST",
        f"/api/v1/payments/batches/{obj('batch')(w, p)}/lines/{uuid.uuid4()}/objections",
        json={"reason": "该户已迁出"},
    ),
    probe=BATCH,
)
register_simple(
    "POST /api/v1/payments/objections/{objection_id}/settle",
    # no notice is posted in the matrix, so no objection exists to find: the township answers 404
    lambda w, p: Request(
        "POST",
        f"/api/v1/payments/objections/{uuid.uuid4()}/settle",
        json={"outcome": "dismissed", "note": "经核实无误"},
    ),
    probe=BATCH,
)
ENDPOINTS = get("/api/v1/payments/webhook-endpoints")
register_simple(
    "POST /api/v1/payments/webhook-endpoints",
    lambda w, p: Request("POST", "/api/v1/payments/webhook-endpoints", json=bank_endpoint()),
    probe=ENDPOINTS,
)
register_simple(
    "POST /api/v1/payments/webhook-endpoints/{endpoint_id}/approve",
    lambda w, p: Request("POST", f"/api/v1/payments/webhook-endpoints/{w.endpoint}/approve"),
    probe=ENDPOINTS,
)
register_simple("GET /api/v1/payments/webhook-endpoints", ENDPOINTS)
register_simple(
    "DELETE /api/v1/payments/webhook-endpoints/{endpoint_id}",
    lambda w, p: Request("DELETE", f"/api/v1/payments/webhook-endpoints/{w.endpoint}"),
    probe=ENDPOINTS,
)
register_simple("GET /api/v1/payments/webhook-deliveries", get("/api/v1/payments/webhook-deliveries"))
register_simple(
    "POST /api/v1/payments/webhook-deliveries/{delivery_id}/replay",
    lambda w, p: Request("POST", f"/api/v1/payments/webhook-deliveries/{w.payments_delivery}/replay"),
)
register_simple(
    "POST /api/v1/payments/bank-callbacks",
    # unsigned: a bank gets 400 from the signature check, which comes after the role check
    lambda w, p: Request(
        "POST",
        "/api/v1/payments/bank-callbacks",
        json={"instruction_id": str(uuid.uuid4()), "status": "paid", "bank_reference": "B1"},
    ),
)
DISCREPANCIES = listing_in("/api/v1/payments/discrepancies", page_size=200)
register_simple("GET /api/v1/payments/discrepancies", DISCREPANCIES, listing=True)
register_simple(
    "POST /api/v1/payments/discrepancies/{discrepancy_id}/resolve",
    # a fresh stack has no bank contradicting a final status, so no discrepancy exists to find
    lambda w, p: Request(
        "POST",
        f"/api/v1/payments/discrepancies/{uuid.uuid4()}/resolve",
        json={"outcome": "not_paid", "note": "银行确认未入账"},
    ),
    probe=DISCREPANCIES,
)

# --- assets ----------------------------------------------------------------------------------------------
ASSET = read_of("asset", "/api/v1/assets/{}")
PLAN = read_of("plan", "/api/v1/assets/distributions/{}")
register_simple(
    "POST /api/v1/assets/distributions",
    lambda w, p: Request("POST", "/api/v1/assets/distributions", json=plan(VILLAGE[p])),
    probe=total_in("/api/v1/assets/distributions"),
)
register_simple(
    "GET /api/v1/assets/distributions",
    listing_in("/api/v1/assets/distributions", page_size=200),
    listing=True,
    shows=obj("plan"),
)
register_simple("GET /api/v1/assets/distributions/{plan_id}", PLAN)
register_simple(
    "GET /api/v1/assets/distributions/distributable",
    lambda w, p: Request(
        "GET", "/api/v1/assets/distributions/distributable", params={"region": VILLAGE[p], "year": YEAR}
    ),
    probe=total_in("/api/v1/assets/distributions"),
)
# approving hands a published plan to payments (through the outbox): publishing and cancelling take a draft
step_plan = {"approve": "plan", "publish": "draft_plan", "cancel": "draft_plan"}
for step in ("approve", "publish", "cancel"):
    register_simple(
        f"POST /api/v1/assets/distributions/{{plan_id}}/{step}",
        lambda w, p, step=step: Request(
            "POST", f"/api/v1/assets/distributions/{obj(step_plan[step])(w, p)}/{step}"
        ),
        probe=lambda w, p, step=step: read_of(step_plan[step], "/api/v1/assets/distributions/{}")(w, p),
    )
register_simple(
    "GET /api/v1/assets/village-funds",
    listing_in("/api/v1/assets/village-funds", page_size=200),
    listing=True,
)
register_simple(
    "GET /api/v1/assets/households/{household_id}/dividends",
    read_of("household", "/api/v1/assets/households/{}/dividends"),
)
register_simple(
    "POST /api/v1/assets/entities",
    lambda w, p: Request("POST", "/api/v1/assets/entities", json=entity(VILLAGE[p])),
    probe=total_in("/api/v1/assets/entities"),
)
register_simple(
    "GET /api/v1/assets/entities",
    listing_in("/api/v1/assets/entities", page_size=200),
    listing=True,
    shows=obj("entity"),
)


@call("POST /api/v1/assets/products", probe=total_in("/api/v1/assets/products"))
def _product(w: World, p: Position) -> Request:
    body = {
        "name": unique("羊绒制品"),
        "entity_id": obj("entity")(w, p),
        "category": "畜牧产品",
        "certified_on": f"{YEAR}-01-01",
        "certificate_no": unique("HJQ-FP-"),
        "valid_until": f"{YEAR + 2}-01-01",
    }
    return Request("POST", "/api/v1/assets/products", json=body)


register_simple(
    "GET /api/v1/assets/products", listing_in("/api/v1/assets/products", page_size=200), listing=True
)
register_simple("GET /api/v1/assets/fund", get("/api/v1/assets/fund"), listing=True)
register_simple(
    "POST /api/v1/assets/fund/investments",
    lambda w, p: Request("POST", "/api/v1/assets/fund/investments", json=investment(obj("entity")(w, p))),
    probe=get("/api/v1/assets/fund/investments", page_size=200),
)
register_simple(
    "GET /api/v1/assets/fund/investments", get("/api/v1/assets/fund/investments", page_size=200), listing=True
)


@call("POST /api/v1/assets/fund/investments/{investment_id}/repayments", probe=get("/api/v1/assets/fund"))
def _repay(w: World, p: Position) -> Request:
    investment_ = w.places[p].investment
    target = investment_["id"] if investment_ else uuid.uuid4()
    body = {"principal_fen": 1_000, "income_fen": 100, "paid_on": f"{YEAR}-06-01"}
    return Request("POST", f"/api/v1/assets/fund/investments/{target}/repayments", json=body)


register_simple(
    "GET /api/v1/assets/reports/special-funds",
    listing_in("/api/v1/assets/reports/special-funds"),
    listing=True,
)


# --- the dashboard's per-month figures --------------------------------------------------------------------
for _path in ("/api/v1/monitoring/stats/cases", "/api/v1/payments/stats/paid"):
    register_simple(f"GET {_path}", listing_in(_path), listing=True)


@call("POST /api/v1/assets/notices", probe=total_in("/api/v1/assets/notices"))
def _notice(w: World, p: Position) -> Request:
    project = {
        "name": "棚圈建设",
        "place": VILLAGE[p],
        "content": "新建棚圈",
        "timeline": f"{YEAR}年4月至{YEAR}年9月",
        "implementer": "嘎查村委会",
        "funding_fen": 1_000_000,
        "funding_source": "central",
        "use": "棚圈",
    }
    body = {
        "title": unique("资金公告"),
        "region_code": VILLAGE[p],
        "projects": [project],
        "posted_on": f"{YEAR}-05-01",
        "until": f"{YEAR}-05-20",
    }
    return Request("POST", "/api/v1/assets/notices", json=body)


register_simple(
    "GET /api/v1/assets/notices", listing_in("/api/v1/assets/notices", page_size=200), listing=True
)
register_simple(
    "POST /api/v1/assets",
    lambda w, p: Request("POST", "/api/v1/assets", json=asset(VILLAGE[p])),
    probe=total_in("/api/v1/assets"),
)
register_simple(
    "GET /api/v1/assets", listing_in("/api/v1/assets", page_size=200), listing=True, shows=obj("asset")
)
register_simple("GET /api/v1/assets/{asset_id}", ASSET)
register_simple(
    "POST /api/v1/assets/{asset_id}/status",
    lambda w, p: Request(
        "POST", f"/api/v1/assets/{obj('asset')(w, p)}/status", json={"status": "idle", "reason": "季节性闲置"}
    ),
    probe=ASSET,
)
register_simple(
    "POST /api/v1/assets/{asset_id}/incomes",
    lambda w, p: Request(
        "POST", f"/api/v1/assets/{obj('asset')(w, p)}/incomes", json={"year": YEAR, "amount_fen": 50_000}
    ),
    probe=ASSET,
)

# --- consumption assistance, 百企兴百村 and money put in --------------------------------------------------
register_simple("GET /api/v1/assets/products/{product_id}", read_of("product", "/api/v1/assets/products/{}"))
SALES = read_of("product", "/api/v1/assets/products/{}/sales")
register_simple("GET /api/v1/assets/products/{product_id}/sales", SALES)
register_simple(
    "POST /api/v1/assets/products/{product_id}/sales",
    # the matrix's products are not certified: the roles that pass are answered 409, nothing written
    lambda w, p: Request(
        "POST",
        f"/api/v1/assets/products/{obj('product')(w, p)}/sales",
        json={"channel": "counter", "sold_on": f"{YEAR}-03-01", "amount_fen": 10_000},
    ),
    probe=SALES,
)
register_simple(
    "POST /api/v1/assets/products/{product_id}/checks",
    lambda w, p: Request(
        "POST",
        f"/api/v1/assets/products/{obj('product')(w, p)}/checks",
        json={"check": "quality", "passed": True, "note": "抽检合格"},
    ),
    probe=listing_in("/api/v1/assets/products", page_size=200),
)
PARTNERSHIP = read_of("partnership", "/api/v1/assets/partnerships/{}")
register_simple(
    "GET /api/v1/assets/partnerships",
    listing_in("/api/v1/assets/partnerships", page_size=200),
    listing=True,
    shows=obj("partnership"),
)
register_simple(
    "POST /api/v1/assets/partnerships",
    lambda w, p: Request(
        "POST",
        "/api/v1/assets/partnerships",
        json=partnership(w.places[p].partnership["enterprise_id"], VILLAGE[p]),
    ),
    probe=total_in("/api/v1/assets/partnerships"),
)
register_simple(
    "GET /api/v1/assets/partnerships/ranking", listing_in("/api/v1/assets/partnerships/ranking"), listing=True
)
register_simple("GET /api/v1/assets/partnerships/{partnership_id}", PARTNERSHIP)


@call("POST /api/v1/assets/partnerships/{partnership_id}/deliveries", probe=PARTNERSHIP)
def _delivery(w: World, p: Position) -> Request:
    partnership_ = w.places[p].partnership
    body = {
        "commitment_id": partnership_["commitments"][0]["id"],
        "amount": 1_000,
        "delivered_on": f"{YEAR - 1}-12-01",
        "evidence": "转账回单",
    }
    return Request("POST", f"/api/v1/assets/partnerships/{partnership_['id']}/deliveries", json=body)


PROJECTS = listing_in("/api/v1/assets/projects", page_size=200)
register_simple("GET /api/v1/assets/projects", PROJECTS, listing=True, shows=obj("project"))
register_simple(
    "POST /api/v1/assets/projects",
    lambda w, p: Request("POST", "/api/v1/assets/projects", json=project(VILLAGE[p])),
    probe=total_in("/api/v1/assets/projects"),
)


@call("PUT /api/v1/assets/projects/{project_id}/targets/{target_id}", probe=PROJECTS)
def _target_value(w: World, p: Position) -> Request:
    project_ = w.places[p].project
    path = f"/api/v1/assets/projects/{project_['id']}/targets/{project_['targets'][0]['id']}"
    return Request("PUT", path, json={"actual_value": 10, "recorded_on": f"{YEAR}-06-01"})


register_simple(
    "GET /api/v1/assets/allocations", listing_in("/api/v1/assets/allocations", page_size=200), listing=True
)
register_simple(
    "POST /api/v1/assets/allocations",
    lambda w, p: Request(
        "POST",
        "/api/v1/assets/allocations",
        json={
            "project_id": obj("project")(w, p),
            "year": YEAR,
            "source": "banner_special",
            "amount_fen": 100_000,
            "allocated_on": f"{YEAR}-03-01",
        },
    ),
    probe=total_in("/api/v1/assets/allocations"),
)
register_simple(
    "POST /api/v1/assets/allocations/notices",
    # generated once a year: the banner official's first call publishes them, the next ones are answered 409
    lambda w, p: Request(
        "POST", "/api/v1/assets/allocations/notices", json={"year": YEAR, "posted_on": f"{YEAR}-06-01"}
    ),
    probe=get("/api/v1/assets/notices", page_size=200),
)
register_simple(
    "GET /api/v1/assets/performance", listing_in("/api/v1/assets/performance", year=YEAR), listing=True
)

# --- people and assessment -------------------------------------------------------------------------------
ASSIGNMENTS_IN = total_in("/api/v1/admin/assignments")
register_simple("GET /api/v1/admin/assignments", listing_in("/api/v1/admin/assignments"), listing=True)
register_simple(
    "POST /api/v1/admin/assignments",
    lambda w, p: Request(
        "POST",
        "/api/v1/admin/assignments",
        json={
            "username": "asier-team",
            "kind": "work_team",
            "village_code": VILLAGE[p],
            "dispatching_unit": "旗财政局",
            "starts_on": f"{YEAR}-01-01",
        },
    ),
    probe=ASSIGNMENTS_IN,
)
for _path in (
    "/api/v1/assessments",
    "/api/v1/monitoring/figures",
    "/api/v1/payments/figures",
):
    register_simple(f"GET {_path}", listing_in(_path, year=YEAR), listing=True)
register_simple(
    "GET /api/v1/assessments/export",
    listing_in("/api/v1/assessments/export", year=YEAR, format="csv", part="officials"),
    listing=True,
)


# --- audit -----------------------------------------------------------------------------------------------
register_simple(
    "GET /api/v1/audit",
    listing_in("/api/v1/audit", entity="household", page_size=200),
    listing=True,
    shows=obj("household"),
)
register_simple("GET /api/v1/audit/verify", get("/api/v1/audit/verify"))
