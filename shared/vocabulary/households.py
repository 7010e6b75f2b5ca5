"""A household's words (API.md "Enumerations"): its category; its members' relation, schooling, labour."""

from shared.vocabulary import Term


class Category(Term):
    lifted_supported = "lifted_supported", "已脱贫享受政策户"
    lifted_unsupported = "lifted_unsupported", "已脱贫不享受政策户"
    marginal = "marginal", "边缘易致贫户"
    monitored = "monitored", "脱贫监测户"
    sudden_hardship = "sudden_hardship", "突发严重困难户"
    ordinary = "ordinary", "一般农牧户"


# Entered and left only through the monitoring procedure (seed §二 2): no official sets them by hand.
PROCEDURE_CATEGORIES = frozenset({Category.monitored, Category.marginal, Category.sudden_hardship})


class SchoolStage(Term):
    none = "none", "未在学"
    kindergarten = "kindergarten", "学前"
    primary = "primary", "小学"
    junior = "junior", "初中"
    senior = "senior", "高中（含中职）"
    tertiary = "tertiary", "大专及以上"


class Relation(Term):
    head = "head", "户主"
    spouse = "spouse", "配偶"
    child = "child", "子女"
    child_in_law = "child_in_law", "儿媳/女婿"
    grandchild = "grandchild", "孙子女"
    parent = "parent", "父母"
    grandparent = "grandparent", "祖父母"
    sibling = "sibling", "兄弟姐妹"
    other = "other", "其他"


class LabourAbility(Term):
    full = "full", "有劳动力"
    partial = "partial", "弱劳动力"
    none = "none", "无劳动力"


class StreamMembers(Term):
    """Which members a line of the registry's bulk read carries (`members=`): all of them; none (every
    household, for work that needs only the payee account); or only those with one fact — and then only the
    households that have such a member — so a safety-net batch reads the few members it can pay, not all."""

    all = "all", "全部成员"
    none = "none", "不含成员"
    disabled = "disabled", "持证残疾人"
    dibao = "dibao", "低保对象"
    insured = "insured", "参加养老保险"
    uninsured = "uninsured", "未参加养老保险"
