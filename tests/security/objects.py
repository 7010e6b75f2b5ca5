"""The fixture objects of the matrix: one of each kind in village A, in its sibling B and in C of another
township, made through the public API by banner officials (two of them, so maker-checker steps can pass).

Objects that a mutating route would use up are made again for that route (`fresh`), so every route's
cells start from the same state whatever ran before.
"""

import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stdnum.cn import uscc

from tests.security.principals import POSITIONS, VILLAGE, Caller, Position
from tests.support.households import account, household

YEAR = datetime.now(UTC).year
_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}{next(_names)}"


def created(response: Any) -> dict[str, Any]:
    """The body of a 2xx answer; anything else stops the fixture with the service's own words."""
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Builder:
    """Makes objects as banner officials; `maker` creates and submits, `checker` approves."""

    maker: Caller
    checker: Caller
    steps: dict[str, Caller]  # the village and township officials who take the procedure's steps

    def household(self, position: Position, category: str = "lifted_supported") -> dict[str, Any]:
        return created(
            self.maker.request(
                "POST",
                "/api/v1/households",
                json=household(
                    VILLAGE[position], category, address=unique("矩阵测试户"), payee_account=account()
                ),
            )
        )

    def case(self, household_id: str) -> dict[str, Any]:
        body = {
            "household_id": household_id,
            "source": "village_screening",
            "risk_types": ["illness"],
            "description": "因病致贫风险排查",
        }
        return created(self.maker.request("POST", "/api/v1/monitoring/cases", json=body))

    def case_in_notice(self, position: Position, household_id: str) -> dict[str, Any]:
        """A case taken through village, department and township review into its public notice."""
        case = self.case(household_id)
        village, team = self.steps[f"village:{position}"], self.steps[f"team:{position}"]
        township = self.steps[f"township:{position}"]
        for caller, action, status in (
            (team, "village_review", "applied"),  # a work team's signature waits for the committee's
            (village, "village_review", "village_reviewed"),
            (self.maker, "data_comparison", "data_compared"),
            (township, "township_review", "township_reviewed"),
            (township, "publish_notice", "in_public_notice"),
        ):
            path = f"/api/v1/monitoring/cases/{case['id']}/transitions"
            case = created(caller.request("POST", path, json={"action": action, "comment": "同意"}))
            assert case["status"] == status, f"{action} left the case {case['status']}"
        return case

    def objection(self, case_id: str) -> dict[str, Any]:
        path = f"/api/v1/monitoring/cases/{case_id}/objections"
        return created(self.maker.request("POST", path, json={"content": "群众对收入情况有异议"}))

    def alert(self, id_number: str) -> dict[str, Any]:
        body = {
            "source": "medical_security",
            "year": YEAR,
            "records": [{"id_number": id_number, "kind": "medical_expense", "amount_fen": 5_000_000}],
        }
        [alert] = created(self.maker.request("POST", "/api/v1/monitoring/department-records", json=body))[
            "alerts"
        ]
        return alert

    def visit(self, position: Position, household_id: str) -> dict[str, Any]:
        return created(
            self.steps[f"village:{position}"].request(
                "POST", "/api/v1/monitoring/visits", json=visit(household_id)
            )
        )

    def claim(self, household_id: str, kind: str = "sheep") -> dict[str, Any]:
        body = {"household_id": household_id, "kind": kind, "year": YEAR, "quantity": 1}
        if kind == "industry":
            body["amount_fen"] = 300_000
        return created(self.maker.request("POST", "/api/v1/payments/claims", json=body))

    def batch(self, position: Position, kind: str = "sheep") -> dict[str, Any]:
        body = {"year": YEAR, "kind": kind, "region": VILLAGE[position]}
        return created(self.maker.request("POST", "/api/v1/payments/batches", json=body))

    def asset(self, position: Position) -> dict[str, Any]:
        """An operating asset with this year's income, enough for every dividend plan the matrix drafts."""
        made = created(self.maker.request("POST", "/api/v1/assets", json=asset(VILLAGE[position])))
        income = {"year": YEAR, "amount_fen": 10_000_000}
        created(self.maker.request("POST", f"/api/v1/assets/{made['id']}/incomes", json=income))
        return made

    def plan(self, position: Position, *, published: bool = False) -> dict[str, Any]:
        """A draft plan, or one published to its village whose notice has run (PAYMENT_NOTICE_DAYS is 0)."""
        made = created(
            self.maker.request("POST", "/api/v1/assets/distributions", json=plan(VILLAGE[position]))
        )
        if not published:
            return made
        return created(self.maker.request("POST", f"/api/v1/assets/distributions/{made['id']}/publish"))

    def entity(self, position: Position) -> dict[str, Any]:
        return created(self.maker.request("POST", "/api/v1/assets/entities", json=entity(VILLAGE[position])))

    def product(self, entity_id: str) -> dict[str, Any]:
        return created(self.maker.request("POST", "/api/v1/assets/products", json=product(entity_id)))

    def partnership(self, position: Position) -> dict[str, Any]:
        """An enterprise paired with the position's village (百企兴百村), one commitment of money."""
        firm = created(
            self.maker.request("POST", "/api/v1/assets/entities", json=enterprise(VILLAGE[position]))
        )
        body = partnership(firm["id"], VILLAGE[position])
        return created(self.maker.request("POST", "/api/v1/assets/partnerships", json=body))

    def project(self, position: Position) -> dict[str, Any]:
        return created(self.maker.request("POST", "/api/v1/assets/projects", json=project(VILLAGE[position])))

    def site(self, position: Position) -> dict[str, Any]:
        body = {"name": unique("矩阵安置点"), "region_code": VILLAGE[position], "capacity": 5}
        return created(self.maker.request("POST", "/api/v1/resettlement-sites", json=body))

    def investment(self, entity_id: str) -> dict[str, Any]:
        return created(
            self.maker.request("POST", "/api/v1/assets/fund/investments", json=investment(entity_id))
        )

    def endpoint(self, admin: Caller) -> dict[str, Any]:
        """The bank's endpoint as it takes effect: proposed by the banner admin, approved by the checker."""
        made = created(admin.request("POST", "/api/v1/payments/webhook-endpoints", json=bank_endpoint()))
        created(self.checker.request("POST", f"/api/v1/payments/webhook-endpoints/{made['id']}/approve"))
        return made

    def disbursed_batch(self, position: Position) -> dict[str, Any]:
        """A cattle batch taken to the bank, so there are webhook deliveries to replay."""
        batch = self.batch(position, "cattle")
        for caller, step in ((self.maker, "submit"), (self.checker, "approve"), (self.checker, "disburse")):
            created(caller.request("POST", f"/api/v1/payments/batches/{batch['id']}/{step}"))
        return batch


# --- valid bodies, shared by the fixture objects and the matrix's own calls ------------------------------


def bank_endpoint() -> dict[str, Any]:
    """The bank's endpoint, bound to the matrix's bank caller (its token's subject)."""
    return {"url": "http://127.0.0.1:9/instructions", "bank_client_id": "matrix-bank"}


def visit(household_id: str) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "visited_on": f"{YEAR}-03-01",
        "education_secure": True,
        "medical_secure": False,
        "housing_secure": True,
        "water_secure": True,
        "income_per_capita_fen": 500_000,
        "rigid_expenditure_fen": 4_000_000,
        "note": "入户走访",
    }


def asset(region_code: str) -> dict[str, Any]:
    return {
        "name": unique("养殖棚圈"),
        "asset_class": "operating",
        "region_code": region_code,
        "funding_source": "banner_special",
        "funding_year": YEAR,
        "value_fen": 1_000_000,
    }


def plan(region_code: str) -> dict[str, Any]:
    return {
        "year": YEAR,
        "region": region_code,
        "total_fen": 100_000,
        "shares": {"households": 60, "public_posts": 20, "collective": 20},
        "categories": ["lifted_supported", "monitored", "marginal"],
    }


def entity(region_code: str) -> dict[str, Any]:
    return {"name": unique("合作社"), "kind": "cooperative", "region_code": region_code}


def product(entity_id: str) -> dict[str, Any]:
    return {
        "name": unique("羊绒制品"),
        "entity_id": entity_id,
        "category": "畜牧产品",
        "certified_on": f"{YEAR}-01-01",
        "certificate_no": unique("HJQ-FP-"),
        "valid_until": f"{YEAR + 2}-01-01",
    }


def enterprise(region_code: str) -> dict[str, Any]:
    """An enterprise with a unified social credit code of its own (the check digit computed)."""
    body = "91150625" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return {
        "name": unique("帮扶企业"),
        "kind": "enterprise",
        "region_code": region_code,
        "credit_code": body + uscc.calc_check_digit(body),
    }


def partnership(enterprise_id: str, region_code: str) -> dict[str, Any]:
    commitment = {"kind": "investment", "amount": 1_000_000, "due_on": f"{YEAR}-12-31"}
    return {
        "enterprise_id": enterprise_id,
        "region_code": region_code,
        "signed_on": f"{YEAR}-01-01",
        "commitments": [commitment],
    }


def project(region_code: str) -> dict[str, Any]:
    target = {"kind": "output", "indicator": "新建棚圈", "unit": "座", "target_value": 10}
    return {
        "name": unique("棚圈建设项目"),
        "region_code": region_code,
        "year": YEAR,
        "implementer": "嘎查股份经济合作社",
        "content": "新建标准化棚圈",
        "timeline": f"{YEAR}年4月至{YEAR}年9月",
        "targets": [target],
    }


def investment(entity_id: str) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "amount_fen": 100_000,
        "self_raised_fen": 50_000,
        "term_months": 12,
        "expected_return_bp": 300,
        "start_date": f"{YEAR}-01-01",
    }


@dataclass
class Place:
    """The objects of one position."""

    household: dict[str, Any]
    case: dict[str, Any]
    step_case: dict[str, Any]  # just applied for, for the procedure's first step
    noticed_case: dict[str, Any]
    objection: dict[str, Any]
    alert: dict[str, Any]
    visit: dict[str, Any]
    claim: dict[str, Any]
    pending_claim: dict[str, Any]  # case by case (industry), awaiting a reviewer
    batch: dict[str, Any]
    asset: dict[str, Any]
    plan: dict[str, Any]
    draft_plan: dict[str, Any]
    entity: dict[str, Any]
    product: dict[str, Any]
    partnership: dict[str, Any]
    project: dict[str, Any]
    site: dict[str, Any]  # a resettlement site placed in the position's village
    investment: dict[str, Any] | None  # the fund invests only in 锡尼镇 (township T), so never in C

    @property
    def head_id_number(self) -> str:
        return str(self.household["members"][0]["id_number"])


@dataclass
class World:
    builder: Builder
    places: dict[Position, Place]
    payments_delivery: str
    endpoint: str

    def ids_in(self, position: Position) -> set[str]:
        """Every id of the position's objects, to find them (or their absence) in any answer."""
        place = self.places[position]
        objects = [vars(place)[name] for name in vars(place)]
        return {str(o["id"]) for o in objects if o is not None}


def build_world(builder: Builder, admin: Caller) -> World:
    places: dict[Position, Place] = {}
    for position in POSITIONS:
        home = builder.household(position)
        noticed = builder.case_in_notice(position, builder.household(position)["id"])
        claimant = builder.household(position)
        claim = builder.claim(claimant["id"])
        entity_ = builder.entity(position)
        places[position] = Place(
            household=home,
            case=builder.case(home["id"]),
            step_case=builder.case(builder.household(position)["id"]),
            noticed_case=noticed,
            objection=builder.objection(noticed["id"]),
            alert=builder.alert(str(home["members"][0]["id_number"])),
            visit=builder.visit(position, home["id"])["visit"],
            claim=claim,
            pending_claim=builder.claim(claimant["id"], "industry"),
            batch=builder.batch(position),
            asset=builder.asset(position),
            plan=builder.plan(position, published=True),
            draft_plan=builder.plan(position),
            entity=entity_,
            product=builder.product(entity_["id"]),
            partnership=builder.partnership(position),
            project=builder.project(position),
            site=builder.site(position),
            investment=builder.investment(entity_["id"]) if position != Position.other else None,
        )
    endpoint = builder.endpoint(admin)
    builder.claim(places[Position.village].household["id"], "cattle")
    disbursed = builder.disbursed_batch(Position.village)
    deliveries = created(
        builder.maker.request("GET", "/api/v1/payments/webhook-deliveries", params={"page_size": 500})
    )
    delivery = next(d for d in deliveries["items"] if d["batch_id"] == disbursed["id"])
    return World(builder, places, payments_delivery=str(delivery["id"]), endpoint=str(endpoint["id"]))


# The officials who take a case's village and township steps, wherever the case lies.
STEP_REGIONS = {
    **{f"village:{p}": VILLAGE[p] for p in POSITIONS},
    **{f"township:{p}": VILLAGE[p][:9] for p in POSITIONS},
}
