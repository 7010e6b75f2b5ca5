"""The payments service's enumerations (API.md "Enumerations"): English values, Chinese labels for people."""

from enum import StrEnum


class Kind(StrEnum):
    """What a claim, a policy item and a batch are for (seed §五(一), §五(五), §五(八))."""

    sheep = "sheep"
    cattle = "cattle"
    pig = "pig"
    education = "education"
    industry = "industry"
    insurance_premium = "insurance_premium"
    dibao_gradual_exit = "dibao_gradual_exit"
    disability_allowance = "disability_allowance"
    severe_disability_nursing = "severe_disability_nursing"
    pension_premium = "pension_premium"
    reward_subsidy = "reward_subsidy"
    public_welfare_post = "public_welfare_post"
    dividend = "dividend"  # asset income dividends (seed §五(三)4), handed over by assets; never claimed


KIND_LABELS = {
    Kind.sheep: "肉羊出栏补贴",
    Kind.cattle: "肉牛出栏补贴",
    Kind.pig: "生猪出栏补贴",
    Kind.education: "教育生活补贴",
    Kind.industry: "到户产业补贴（缺什么补什么）",
    Kind.insurance_premium: "代缴合作医疗/脱贫保",
    Kind.dibao_gradual_exit: "低保渐退期",
    Kind.disability_allowance: "困难残疾人生活补贴",
    Kind.severe_disability_nursing: "重度残疾人护理补贴",
    Kind.pension_premium: "代缴养老保险",
    Kind.reward_subsidy: "以奖代补",
    Kind.public_welfare_post: "公益性岗位工资",
    Kind.dividend: "资产收益分红",
}

LIVESTOCK = frozenset({Kind.sheep, Kind.cattle, Kind.pig})


class Mode(StrEnum):
    """How a policy item turns into an amount."""

    per_unit = "per_unit"  # rate × head sold, capped per household per year
    per_student = "per_student"  # rate per enrolled student per year, by school stage
    case_by_case = "case_by_case"  # amount entered on the claim and approved by a second official


class SchoolStage(StrEnum):
    none = "none"
    kindergarten = "kindergarten"
    primary = "primary"
    junior = "junior"
    senior = "senior"
    tertiary = "tertiary"


class ClaimStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"


class BatchStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    disbursing = "disbursing"
    completed = "completed"


class LineStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    paid = "paid"
    failed = "failed"
    returned = "returned"


class EndpointStatus(StrEnum):
    active = "active"
    retired = "retired"
