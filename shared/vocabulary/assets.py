"""The words of poverty-relief assets, their income and its dividends (seed §五(三), §六(四))."""

from shared.vocabulary import Term


class AssetClass(Term):
    operating = "operating", "经营性资产"
    public_welfare = "public_welfare", "公益性资产"
    household = "household", "到户类资产"


class AssetStatus(Term):
    in_use = "in_use", "在用"
    idle = "idle", "闲置"
    disposed = "disposed", "已处置"


class FundingSource(Term):
    """Where an asset's money came from; `banner_special` is the banner's own special fund (§六(四))."""

    central = "central", "中央财政衔接资金"
    autonomous_region = "autonomous_region", "自治区财政资金"
    city = "city", "市级财政资金"
    banner_special = "banner_special", "旗级专项扶贫资金"
    social = "social", "社会帮扶资金"
    other = "other", "其他"


class PlanStatus(Term):
    """A dividend plan's life: drafted, published to the village (公示), approved once the notice period
    is over (handover queued), handed over to payments, paid.

    `handover_failed` means payments refused the batch for good (the error is on the plan);
    `cancelled` is a plan withdrawn before approval, which frees its amount of the year's income.
    """

    draft = "draft", "草稿"
    in_notice = "in_notice", "公示中"
    approved = "approved", "已审批"
    handed_over = "handed_over", "已移交发放"
    handover_failed = "handover_failed", "移交失败"
    paid = "paid", "已发放"
    cancelled = "cancelled", "已取消"


class EntityKind(Term):
    leading_enterprise = "leading_enterprise", "龙头企业"
    enterprise = "enterprise", "帮扶企业"
    cooperative = "cooperative", "专业合作组织"
    village_collective = "village_collective", "嘎查村集体经济"
    family_farm = "family_farm", "家庭农牧场"


class HouseholdLink(Term):
    """How an investment benefits a household (seed §五(三)1 "深化产业带动机制")."""

    order_purchase = "order_purchase", "订单回收"
    employment = "employment", "就业务工"
    land_transfer = "land_transfer", "土地流转"
    input_shares = "input_shares", "生产资料入股"


class CommitmentKind(Term):
    """What an enterprise promises a village (百企兴百村, seed §五(七)): jobs are counted, the rest in fen."""

    investment = "investment", "产业投资"
    jobs = "jobs", "吸纳就业"
    purchases = "purchases", "消费采购"
    donations = "donations", "公益捐赠"


class SalesChannel(Term):
    """Where a certified product was sold (seed §五(三)3 消费帮扶)."""

    counter = "counter", "消费扶贫专柜"
    zone = "zone", "消费扶贫专区"
    hall = "hall", "消费扶贫专馆"
    ecommerce = "ecommerce", "电商销售"
    enterprise_purchase = "enterprise_purchase", "企业采购"


class CertificationCheck(Term):
    """The four gates of 扶贫产品认定 (seed §五(三)3): a product is certified when all four pass."""

    quality = "quality", "质量关"
    price = "price", "价格关"
    integrity = "integrity", "诚信关"
    benefit = "benefit", "效益关"


class IndicatorKind(Term):
    """A project's performance target (资金绩效管理, seed §六(四)): what it produces or what it achieves."""

    output = "output", "产出指标"
    benefit = "benefit", "效益指标"


class Comparison(Term):
    """Whether a target is met by reaching it or by staying within it."""

    at_least = "at_least", "不低于"
    at_most = "at_most", "不高于"


class TargetStatus(Term):
    met = "met", "已达成"
    missed = "missed", "未达成"
    unrecorded = "unrecorded", "未填报"


class VillageFund(Term):
    """Where an approved plan's parts other than the households' go (seed §五(三)4, §五(八)): the village's
    public-welfare posts' budget and the collective's income."""

    public_posts = "public_posts", "公益岗位预算"
    collective = "collective", "村集体收入"
