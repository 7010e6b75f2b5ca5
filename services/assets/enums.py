"""The assets service's enumerations: English values, Chinese labels for people."""

from enum import StrEnum


class AssetClass(StrEnum):
    operating = "operating"
    public_welfare = "public_welfare"
    household = "household"


ASSET_CLASS_LABELS = {
    AssetClass.operating: "经营性资产",
    AssetClass.public_welfare: "公益性资产",
    AssetClass.household: "到户类资产",
}


class AssetStatus(StrEnum):
    in_use = "in_use"
    idle = "idle"
    disposed = "disposed"


ASSET_STATUS_LABELS = {AssetStatus.in_use: "在用", AssetStatus.idle: "闲置", AssetStatus.disposed: "已处置"}


class FundingSource(StrEnum):
    """Where an asset's money came from; `banner_special` is the banner's own special fund (§六(四))."""

    central = "central"
    autonomous_region = "autonomous_region"
    city = "city"
    banner_special = "banner_special"
    social = "social"
    other = "other"


FUNDING_SOURCE_LABELS = {
    FundingSource.central: "中央财政衔接资金",
    FundingSource.autonomous_region: "自治区财政资金",
    FundingSource.city: "市级财政资金",
    FundingSource.banner_special: "旗级专项扶贫资金",
    FundingSource.social: "社会帮扶资金",
    FundingSource.other: "其他",
}


class PlanStatus(StrEnum):
    """A dividend plan's life: drafted, approved (handover queued), handed over to payments, paid.

    `handover_failed` means payments refused the batch for good (the error is on the plan);
    `cancelled` is a draft withdrawn before approval, which frees its amount of the year's income.
    """

    draft = "draft"
    approved = "approved"
    handed_over = "handed_over"
    handover_failed = "handover_failed"
    paid = "paid"
    cancelled = "cancelled"


class EntityKind(StrEnum):
    leading_enterprise = "leading_enterprise"
    cooperative = "cooperative"
    village_collective = "village_collective"
    family_farm = "family_farm"


ENTITY_KIND_LABELS = {
    EntityKind.leading_enterprise: "龙头企业",
    EntityKind.cooperative: "专业合作组织",
    EntityKind.village_collective: "嘎查村集体经济",
    EntityKind.family_farm: "家庭农牧场",
}


class HouseholdLink(StrEnum):
    """How an investment benefits a household (seed §五(三)1 "深化产业带动机制")."""

    order_purchase = "order_purchase"
    employment = "employment"
    land_transfer = "land_transfer"
    input_shares = "input_shares"


HOUSEHOLD_LINK_LABELS = {
    HouseholdLink.order_purchase: "订单回收",
    HouseholdLink.employment: "就业务工",
    HouseholdLink.land_transfer: "土地流转",
    HouseholdLink.input_shares: "生产资料入股",
}


class ShareCategory(StrEnum):
    """Household categories that may share in a dividend (API.md "Enumerations")."""

    lifted_supported = "lifted_supported"
    lifted_unsupported = "lifted_unsupported"
    marginal = "marginal"
    monitored = "monitored"
    sudden_hardship = "sudden_hardship"
    ordinary = "ordinary"
