"""The registry's enumerations (API.md "Enumerations"): English values, Chinese labels for people."""

from enum import StrEnum


class Category(StrEnum):
    lifted_supported = "lifted_supported"
    lifted_unsupported = "lifted_unsupported"
    marginal = "marginal"
    monitored = "monitored"
    sudden_hardship = "sudden_hardship"
    ordinary = "ordinary"


CATEGORY_LABELS = {
    Category.lifted_supported: "已脱贫享受政策户",
    Category.lifted_unsupported: "已脱贫不享受政策户",
    Category.marginal: "边缘易致贫户",
    Category.monitored: "脱贫监测户",
    Category.sudden_hardship: "突发严重困难户",
    Category.ordinary: "一般农牧户",
}


class SchoolStage(StrEnum):
    none = "none"
    kindergarten = "kindergarten"
    primary = "primary"
    junior = "junior"
    senior = "senior"
    tertiary = "tertiary"


SCHOOL_STAGE_LABELS = {
    SchoolStage.none: "未在学",
    SchoolStage.kindergarten: "学前",
    SchoolStage.primary: "小学",
    SchoolStage.junior: "初中",
    SchoolStage.senior: "高中（含中职）",
    SchoolStage.tertiary: "大专及以上",
}


class Relation(StrEnum):
    head = "head"
    spouse = "spouse"
    child = "child"
    child_in_law = "child_in_law"
    grandchild = "grandchild"
    parent = "parent"
    grandparent = "grandparent"
    sibling = "sibling"
    other = "other"


RELATION_LABELS = {
    Relation.head: "户主",
    Relation.spouse: "配偶",
    Relation.child: "子女",
    Relation.child_in_law: "儿媳/女婿",
    Relation.grandchild: "孙子女",
    Relation.parent: "父母",
    Relation.grandparent: "祖父母",
    Relation.sibling: "兄弟姐妹",
    Relation.other: "其他",
}


class LabourAbility(StrEnum):
    full = "full"
    partial = "partial"
    none = "none"


LABOUR_LABELS = {
    LabourAbility.full: "有劳动力",
    LabourAbility.partial: "弱劳动力",
    LabourAbility.none: "无劳动力",
}
