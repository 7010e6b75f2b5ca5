"""The words of monitoring and assistance (API.md "Monitoring"; seed §二 2, the procedure's steps)."""

from shared.vocabulary import Term


class CaseStatus(Term):
    applied = "applied", "已申请"
    village_reviewed = "village_reviewed", "村级已评议"
    data_compared = "data_compared", "已数据比对"
    township_reviewed = "township_reviewed", "苏木镇已审核"
    in_public_notice = "in_public_notice", "公示中"
    confirmed = "confirmed", "旗级已确认"
    assisting = "assisting", "帮扶中"
    elimination_proposed = "elimination_proposed", "村级已提出风险消除"
    elimination_reviewed = "elimination_reviewed", "苏木镇已审核风险消除"
    risk_eliminated = "risk_eliminated", "风险已消除"
    rejected = "rejected", "已驳回"


CLOSED_STATUSES = frozenset({CaseStatus.rejected, CaseStatus.risk_eliminated})


class Action(Term):
    """A step of the procedure; the label is the step's name on a case's timeline."""

    village_review = "village_review", "村两委和驻村工作队评议"
    data_comparison = "data_comparison", "行业部门数据比对"
    township_review = "township_review", "苏木镇审核"
    publish_notice = "publish_notice", "公示"
    confirm = "confirm", "旗级确认"
    reject = "reject", "驳回（不予纳入）"
    start_assistance = "start_assistance", "落实帮扶"
    propose_elimination = "propose_elimination", "村级提出风险消除"
    review_elimination = "review_elimination", "苏木镇审核风险消除"
    eliminate_risk = "eliminate_risk", "旗级认定风险消除"


class Source(Term):
    self_application = "self_application", "农户申请"
    village_screening = "village_screening", "村级排查"
    department_alert = "department_alert", "部门预警"
    household_visit = "household_visit", "入户走访"


class RiskType(Term):
    illness = "illness", "因病"
    education = "education", "因学"
    disaster = "disaster", "因灾"
    accident = "accident", "因意外事故"
    disability = "disability", "因残"
    income_drop = "income_drop", "收入骤减"
    rigid_expenditure = "rigid_expenditure", "刚性支出较大"
    unemployment = "unemployment", "因失业"
    other = "other", "其他"


class AlertKind(Term):
    income_below_line = "income_below_line", "收入低于监测线"
    education_unsecured = "education_unsecured", "义务教育未保障"
    medical_unsecured = "medical_unsecured", "基本医疗未保障"
    housing_unsecured = "housing_unsecured", "住房安全未保障"
    water_unsecured = "water_unsecured", "饮水安全未保障"
    rigid_expenditure = "rigid_expenditure", "刚性支出较大"
    dibao = "dibao", "新纳入低保"
    tekun = "tekun", "新纳入特困供养"
    low_income_edge = "low_income_edge", "新纳入低保边缘"
    school_dropout = "school_dropout", "有辍学学生"
    severe_disability = "severe_disability", "有重度残疾成员"
    unemployed = "unemployed", "劳动力未就业"
    reimbursement_shortfall = "reimbursement_shortfall", "医疗报销未达保障比例"


class AlertStatus(Term):
    open = "open", "待处理"
    converted = "converted", "已转为监测对象"
    dismissed = "dismissed", "已忽略"


class ReliefKind(Term):
    illness = "illness", "因病救助"
    schooling = "schooling", "因学救助"
    disaster = "disaster", "因灾救助"
    accident = "accident", "意外事故救助"


class MeasureKind(Term):
    industry = "industry", "产业帮扶"
    employment = "employment", "就业帮扶"
    education = "education", "教育帮扶"
    medical = "medical", "健康帮扶"
    housing = "housing", "住房保障"
    water = "water", "饮水保障"
    social_assistance = "social_assistance", "社会救助兜底"
    emergency_relief = "emergency_relief", "临时救助"
    microcredit = "microcredit", "小额信贷"
    training = "training", "技能培训"
    public_welfare_post = "public_welfare_post", "公益性岗位"
    other = "other", "其他帮扶"


class MeasureStatus(Term):
    """Where a plan's measure stands; `overdue` is computed (past its due date and not done), never stored."""

    planned = "planned", "计划中"
    in_progress = "in_progress", "实施中"
    done = "done", "已完成"


class DepartmentList(Term):
    """Whose list a department uploads for data comparison (数据比对, seed §五(二)2)."""

    medical_security = "medical_security", "医保局"
    civil_affairs = "civil_affairs", "民政局"
    education = "education", "教育局"
    housing = "housing", "住建局"
    water = "water", "水利局"
    disability = "disability", "残联"
    human_resources = "human_resources", "人社局"


class AssistanceStatus(Term):
    """A member's status on the civil-affairs list (低保 / 特困 / 低保边缘)."""

    dibao = "dibao", "低保"
    tekun = "tekun", "特困"
    low_income_edge = "low_income_edge", "低保边缘"


class LoanPurpose(Term):
    """What a microcredit loan may pay for: production only (seed §五(一)1 "确保贷款全部用于生产发展")."""

    livestock = "livestock", "养殖业"
    planting = "planting", "种植业"
    processing = "processing", "农畜产品加工"
    rural_tourism = "rural_tourism", "乡村旅游"
    commerce = "commerce", "个体经营"


class LoanStatus(Term):
    active = "active", "未结清"
    repaid = "repaid", "已结清"


class DropoutAction(Term):
    """A follow-up of a school-age child out of school (控辍保学, seed §五(一)2)."""

    home_schooling_delivered = "home_schooling_delivered", "送学上门"
    returned_to_school = "returned_to_school", "已返校"
    exempted_by_disability = "exempted_by_disability", "因残缓学免学"
    other = "other", "其他"


class CareKind(Term):
    """Which reimbursement floor a member's medical costs fall under (seed §五(一)3)."""

    chronic = "chronic", "慢性病门诊"
    serious_inpatient = "serious_inpatient", "大病住院"


class HousingGrade(Term):
    """A house's safety grade by the 住建 appraisal: grades C and D are dangerous houses (危房) to
    renovate."""

    c = "c", "C级危房"
    d = "d", "D级危房"


class RenovationKind(Term):
    """How a dangerous house is made safe (危房改造, seed §五(一)2)."""

    rebuild = "rebuild", "拆除翻建"
    reinforce = "reinforce", "修缮加固"
    replace = "replace", "置换"


class RenovationStatus(Term):
    """Where a renovation stands; only an accepted one (验收) makes the house safe again."""

    planned = "planned", "待开工"
    under_way = "under_way", "施工中"
    completed = "completed", "已竣工待验收"
    accepted = "accepted", "已验收"


class WaterProblem(Term):
    """What falls short in a household's drinking water (饮水安全: 水量、水质、取水便利、供水保证率)."""

    quantity = "quantity", "水量不足"
    quality = "quality", "水质不达标"
    access = "access", "取水不便"
    reliability = "reliability", "供水保证率不足"


class WaterFixKind(Term):
    """How a drinking-water problem is fixed."""

    pipe_extension = "pipe_extension", "管网延伸"
    well = "well", "打井"
    purifier = "purifier", "净水设备"
    cistern = "cistern", "水窖蓄水"
    other = "other", "其他"


class DeliveryState(Term):
    """What became of a registry category change the procedure causes (on confirmation, on elimination)."""

    not_needed = "not_needed", "类别无需变更"
    pending = "pending", "待同步"
    delivered = "delivered", "已同步至户籍"
    dead = "dead", "同步失败（待旗级重发）"
