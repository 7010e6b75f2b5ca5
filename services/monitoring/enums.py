"""The monitoring service's enumerations (API.md "Monitoring"): English values, Chinese labels for people."""

from enum import StrEnum


class CaseStatus(StrEnum):
    applied = "applied"
    village_reviewed = "village_reviewed"
    data_compared = "data_compared"
    township_reviewed = "township_reviewed"
    in_public_notice = "in_public_notice"
    confirmed = "confirmed"
    assisting = "assisting"
    risk_eliminated = "risk_eliminated"
    rejected = "rejected"


STATUS_LABELS = {
    CaseStatus.applied: "已申请",
    CaseStatus.village_reviewed: "村级已评议",
    CaseStatus.data_compared: "部门已比对",
    CaseStatus.township_reviewed: "苏木镇已审核",
    CaseStatus.in_public_notice: "公示中",
    CaseStatus.confirmed: "旗级已确认",
    CaseStatus.assisting: "帮扶中",
    CaseStatus.risk_eliminated: "风险已消除",
    CaseStatus.rejected: "未通过",
}


class Action(StrEnum):
    village_review = "village_review"
    data_comparison = "data_comparison"
    township_review = "township_review"
    publish_notice = "publish_notice"
    confirm = "confirm"
    reject = "reject"
    start_assistance = "start_assistance"
    eliminate_risk = "eliminate_risk"


ACTION_LABELS = {
    Action.village_review: "村两委和驻村工作队评议",
    Action.data_comparison: "行业部门数据比对",
    Action.township_review: "苏木镇审核",
    Action.publish_notice: "公示",
    Action.confirm: "旗级确认",
    Action.reject: "不予纳入",
    Action.start_assistance: "落实帮扶",
    Action.eliminate_risk: "风险消除",
}


class Source(StrEnum):
    self_application = "self_application"
    village_screening = "village_screening"
    department_alert = "department_alert"
    household_visit = "household_visit"


class RiskType(StrEnum):
    illness = "illness"
    education = "education"
    disaster = "disaster"
    accident = "accident"
    disability = "disability"
    income_drop = "income_drop"
    rigid_expenditure = "rigid_expenditure"
    unemployment = "unemployment"
    other = "other"


RISK_LABELS = {
    RiskType.illness: "因病",
    RiskType.education: "因学",
    RiskType.disaster: "因灾",
    RiskType.accident: "因意外事故",
    RiskType.disability: "因残",
    RiskType.income_drop: "收入骤减",
    RiskType.rigid_expenditure: "刚性支出较大",
    RiskType.unemployment: "因失业",
    RiskType.other: "其他",
}


class AlertKind(StrEnum):
    income_below_line = "income_below_line"
    education_unsecured = "education_unsecured"
    medical_unsecured = "medical_unsecured"
    housing_unsecured = "housing_unsecured"
    water_unsecured = "water_unsecured"
    rigid_expenditure = "rigid_expenditure"
    dibao = "dibao"
    tekun = "tekun"
    school_dropout = "school_dropout"


class AlertStatus(StrEnum):
    open = "open"
    converted = "converted"
    dismissed = "dismissed"


class Department(StrEnum):
    civil_affairs = "civil_affairs"
    education = "education"
    housing = "housing"
    medical_security = "medical_security"
    poverty_relief = "poverty_relief"


class RecordKind(StrEnum):
    dibao = "dibao"
    tekun = "tekun"
    medical_expense = "medical_expense"
    income = "income"
    school_dropout = "school_dropout"
    housing_unsafe = "housing_unsafe"


class ReliefKind(StrEnum):
    illness = "illness"
    schooling = "schooling"
    disaster = "disaster"
    accident = "accident"


class MeasureKind(StrEnum):
    industry = "industry"
    employment = "employment"
    education = "education"
    medical = "medical"
    housing = "housing"
    water = "water"
    social_assistance = "social_assistance"
    emergency_relief = "emergency_relief"


class SelfReportStatus(StrEnum):
    case_opened = "case_opened"
    existing_case = "existing_case"
    unmatched = "unmatched"


class DeliveryState(StrEnum):
    """What became of the registry category change a confirmation causes."""

    not_needed = "not_needed"
    pending = "pending"
    delivered = "delivered"
    dead = "dead"
