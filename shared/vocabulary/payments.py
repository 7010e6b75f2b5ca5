"""The words of subsidies and their payment (API.md "Enumerations"; seed §五(一), §五(五), §五(八))."""

from shared.vocabulary import Term


class Kind(Term):
    """What a claim, a policy item and a batch are for."""

    sheep = "sheep", "肉羊出栏补贴"
    cattle = "cattle", "肉牛出栏补贴"
    pig = "pig", "生猪出栏补贴"
    education = "education", "教育生活补贴"
    industry = "industry", "到户产业补贴（缺什么补什么）"
    insurance_premium = "insurance_premium", "代缴合作医疗/脱贫保"
    # The safety net (seed §五(一)4), computed per member from the registry's facts; never claimed.
    dibao_gradual_exit = "dibao_gradual_exit", "低保渐退期"
    disability_living = "disability_living", "困难残疾人生活补贴"
    disability_nursing = "disability_nursing", "重度残疾人护理补贴"
    pension_premium = "pension_premium", "代缴养老保险"
    pension_loan = "pension_loan", "养老保险一次性借款"
    # 以奖代补 (seed §五(五)): claimed only for a result the village recorded and a visit verified.
    industry_reward = "industry_reward", "产业奖补（以奖代补）"
    public_welfare_post = "public_welfare_post", "公益性岗位工资"
    # Asset income dividends (seed §五(三)4), handed over by assets; never claimed.
    dividend = "dividend", "资产收益分红"
    # Monthly wages (seed §五(八)) read from monitoring's posts and work-relief labour; never claimed.
    post_wage = "post_wage", "公益性岗位工资（按月）"
    work_relief_wage = "work_relief_wage", "以工代赈劳务报酬"
    # Microcredit's interest subsidy (贴息, seed §五(一)1) for a year, from monitoring's loans; never claimed.
    loan_interest_subsidy = "loan_interest_subsidy", "小额信贷贴息"


LIVESTOCK = frozenset({Kind.sheep, Kind.cattle, Kind.pig})
# Kinds paid per month whose entitlements monitoring holds: a batch of one is for a year and a month.
WAGES = frozenset({Kind.post_wage, Kind.work_relief_wage})
# Kinds whose entitlements monitoring holds (a batch's lines read from it): the wages, and a year's 贴息.
FROM_MONITORING = WAGES | {Kind.loan_interest_subsidy}
# Kinds computed per member from the registry's facts (services/payments/safety_net.py): a batch of one is
# for a year, like education, and nobody files a claim for them.
SAFETY_NET = frozenset(
    {Kind.dibao_gradual_exit, Kind.disability_living, Kind.disability_nursing, Kind.pension_premium,
     Kind.pension_loan}
)  # fmt: skip


class Mode(Term):
    """How a policy item turns into an amount."""

    per_unit = "per_unit", "按出栏数量"  # rate × head sold, capped per household per year
    per_student = "per_student", "按在校学生"  # rate per enrolled student per year, by school stage
    case_by_case = "case_by_case", "一事一议"  # amount entered on the claim, approved by a second official
    per_member = "per_member", "按人"  # rate per eligible member a year (a one-off kind: once per person)
    per_member_month = "per_member_month", "按人按月"  # monthly rate per member, for `cap_quantity` months


class ClaimStatus(Term):
    pending_approval = "pending_approval", "待审批"
    approved = "approved", "已批准"
    rejected = "rejected", "已驳回"


class BatchStatus(Term):
    draft = "draft", "草稿"
    submitted = "submitted", "已提交"
    approved = "approved", "已审批"
    disbursing = "disbursing", "发放中"
    completed = "completed", "已发放完毕"
    returned = "returned", "已退回"  # by a checker to its maker, with a reason
    cancelled = "cancelled", "已撤销"  # by its maker; its lines are released for a later batch


class LineStatus(Term):
    pending = "pending", "待发送"
    sent = "sent", "已发送"
    paid = "paid", "已到账"
    failed = "failed", "失败"
    returned = "returned", "退回"
    # Never sent: its batch was cancelled, or an objection during the notice was upheld (not live, released).
    cancelled = "cancelled", "已撤出"
