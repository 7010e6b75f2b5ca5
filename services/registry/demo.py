"""Synthetic demo households for 杭锦旗: deterministic, realistic enough to exercise every workflow.

`generate_households(n, villages=…, seed=…)` yields `HouseholdCreate` items that pass the registry's rules:
valid GB 11643 ID numbers that are unique across all `n` households, exactly one head, ages consistent with
relations, school stages derived from age. Everything comes from one `random.Random(seed)` and a fixed
reference date (`REFERENCE_DATE`, the 2026 school year), so the same `(n, villages, seed)` always gives the
same output, whatever the clock says.

Categories come in the proportions of a real banner (`CATEGORY_SHARES`, per hundred households): most are
ordinary, lifted-out households about a tenth, marginal and monitored a few per cent each. Household `i`
falls in block `i // 100`, each block holding exactly those shares in shuffled order, so every hundred
households hold them whatever `n` is.

ID numbers are collision-free by construction: an order code is handed out once per (county prefix, birth
date, sex), from a counter (`_IdAllocator`). When the 500 codes of a day are used up in the member's home
county the next Ordos county prefix is used, then a neighbouring day of the same age-year, so ages never
change. Capacity is 8 counties × 365 days × 500 codes per age and sex (about 1.46 million people of each
single year of age and sex): ample for n in the millions.

Payee accounts come from a second generator (`seed + 3`), so adding them changed nothing else: most
households have a 19-digit bank card passing Luhn, about 4% none (held out of payment batches), and the first
two `lifted_supported` households carry the accounts in `BANK_REFUSALS`, which the bank simulator refuses.

`seed_households` loads them once into an empty registry (the `make run` demo data).
"""

import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from stdnum import luhn

from services.registry.households import register_many
from services.registry.models import Household
from services.registry.schemas import HouseholdCreate, MemberIn, PayeeAccountIn
from services.registry.seed import DEMO_VILLAGES, demo_villages
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.idnumber import Sex, make_id_number
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage

REFERENCE_DATE = date(2026, 9, 1)  # ages and school stages are as of the start of the 2026 school year
INCOME_YEAR = 2025

# 杭锦旗 first, then the other counties of 鄂尔多斯市 (people who married or moved in).
COUNTY_CODES = ("150625", "150602", "150621", "150622", "150623", "150624", "150626", "150627")
ORDER_CODES_PER_DAY = 500  # make_id_number's sequence 0–499, per sex (odd codes male, even female)
_EARLIEST_BIRTH = date(1920, 1, 1)
_DAYS = (REFERENCE_DATE - _EARLIEST_BIRTH).days + 1

TOWNSHIP_NAMES = {
    "150625100": "锡尼镇",
    "150625101": "巴拉贡镇",
    "150625102": "吉日嘎朗图镇",
    "150625103": "独贵塔拉镇",
    "150625104": "呼和木独镇",
    "150625200": "伊和乌素苏木",
}
PASTORAL = frozenset({"150625200", "150625102"})  # 牧区: more sheep and cattle, more Mongolian families
RIVERSIDE = frozenset({"150625101", "150625103", "150625104"})  # 沿黄农区: farming, pigs, few sheep
AT_RISK = frozenset({Category.marginal, Category.monitored, Category.sudden_hardship})
LIFTED = frozenset({Category.lifted_supported, Category.lifted_unsupported, Category.monitored})

RESETTLEMENT_SITES = {
    "150625100": "锡尼镇幸福家园易地扶贫搬迁安置区",
    "150625101": "巴拉贡镇新民村集中安置点",
    "150625102": "吉日嘎朗图镇牧民新村",
    "150625103": "独贵塔拉镇沿黄移民新村",
    "150625104": "呼和木独镇和谐家园安置小区",
    "150625200": "伊和乌素苏木嘎查集中安置点",
}

MONGOLIAN_MALE = (
    "巴特尔 额尔登 苏和 那顺 巴图 孟和 朝鲁 宝音 达来 毕力格 布和 吉日嘎拉 额尔敦 哈斯 宝力道 阿拉坦 特木尔"
    " 胡日查 乌力吉 斯琴巴图 敖特根 呼和 巴音 德力格尔 图门 满都拉 巴雅尔 额尔德木图 嘎拉僧 朝格图 那日苏"
    " 阿木古楞 宝力格 额日和木 乌恩 苏日格 达瓦 铁木尔 查干 巴达荣贵"
).split()
MONGOLIAN_FEMALE = (
    "乌日娜 其其格 萨仁 娜仁 图雅 斯琴高娃 乌兰 托娅 格日勒 高娃 萨日娜 乌云 苏日娜 阿拉坦其其格 塔娜 娜布其"
    " 吉雅 斯琴 乌仁 敖登 哈斯高娃 其其格玛 额尔敦其其格 萨如拉 阿如娜 娜日苏 乌云毕力格 琪琪格"
    " 图门其其格 诺敏 额尔德尼 萨日朗 格根塔娜"
).split()
HAN_SURNAMES = (
    "王 王 王 李 李 李 张 张 刘 刘 杨 杨 高 高 郭 郭 白 贾 苏 孟 乔 赵 韩 马 陈 田 杜 任 孙 周 吴 徐 胡 朱"
    " 何 郝 薛 梁 武 冯 闫 霍 康 樊"
).split()
MONGOLIAN_SURNAMES = "奇 包 白 鲍 韩 乌 敖".split()  # Mongolians in Ordos who use a Han-style name
HAN_GIVEN = {  # (born before 1966, 1966–1990, after 1990) × (male, female)
    (
        0,
        Sex.male,
    ): "建国 建军 国强 志刚 福贵 二虎 金山 振华 有才 德胜 占军 满仓 永福 拴柱 玉明 树林 文华 长青".split(),
    (
        0,
        Sex.female,
    ): "桂兰 秀英 玉兰 凤英 桂英 翠花 秀兰 淑珍 美兰 金花 彩霞 改梅 爱莲 润莲 巧云 兰英".split(),
    (1, Sex.male): "海军 永强 志强 建平 伟 军 勇 磊 斌 鹏飞 晓东 国栋 宏伟 文斌 海龙 润生 二平 小军".split(),
    (1, Sex.female): "丽娟 艳 燕 红梅 丽 霞 晓燕 春梅 敏 静 慧 丽萍 海燕 美霞 俊梅 二女 小红 彩云".split(),
    (2, Sex.male): "浩然 宇航 子轩 博文 俊杰 浩宇 梓豪 子墨 一鸣 晨阳 皓轩 天佑 锦程 嘉豪 泽宇 思远".split(),
    (
        2,
        Sex.female,
    ): "子涵 欣怡 梓萱 雨桐 诗涵 可馨 佳怡 一诺 若汐 思彤 梦瑶 语嫣 欣妍 佳琪 紫涵 心怡".split(),
}
CHINESE_NUMERALS = "一 二 三 四 五 六 七 八 九 十".split()

_PHONE_SECOND_DIGITS = "3355788889"  # 13x, 15x, 17x, 18x and 19x are the common mobile prefixes

# The banner's agent banks of 惠民惠农"一卡通" accounts, by the prefix (BIN) of their 19-digit cards.
BANKS = {
    "622848": "中国农业银行杭锦旗支行",
    "621799": "中国邮政储蓄银行杭锦旗支行",
    "621700": "中国建设银行杭锦旗支行",
    "622947": "内蒙古杭锦农村商业银行",
}
NO_ACCOUNT_SHARE = 0.04
# Well-formed accounts the bank refuses, as a bank would say it (the bank simulator fails them).
BANK_REFUSALS = {
    "6228480010000000017": "账户已销户",
    "6217000010000000029": "户名账号不符",
}

DEMO_PRINCIPAL = Principal(subject="demo-seed", role=Role.banner_official, region=BANNER_CODE)
SEED_CHUNK = 1000


def age_on(birth: date, when: date = REFERENCE_DATE) -> int:
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


def school_stage_for_age(age: int) -> SchoolStage:
    """The stage a pupil of this age (on 1 September) is in; `none` outside school ages."""
    if 3 <= age <= 5:
        return SchoolStage.kindergarten
    if 6 <= age <= 11:
        return SchoolStage.primary
    if 12 <= age <= 14:
        return SchoolStage.junior
    if 15 <= age <= 17:
        return SchoolStage.senior
    if 18 <= age <= 22:
        return SchoolStage.tertiary
    return SchoolStage.none


def village_name(code: str) -> str:
    names = DEMO_VILLAGES.get(code[:9], [])
    index = int(code[9:]) - 201
    return names[index] if 0 <= index < len(names) else f"{code[9:]}嘎查"


def _birth_window(age: int) -> tuple[date, date]:
    """The birth dates of someone `age` years old on the reference date."""
    latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    earliest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age - 1) + timedelta(days=1)
    return earliest, latest


class _IdAllocator:
    """Hands out each (county, birth date, sex, order code) once: ID numbers that cannot collide."""

    def __init__(self) -> None:
        self._used = array("H", bytes(2 * len(COUNTY_CODES) * _DAYS * 2))

    def _slot(self, county: int, birth: date, sex: Sex) -> int:
        return ((county * _DAYS) + (birth - _EARLIEST_BIRTH).days) * 2 + (sex is Sex.male)

    def allocate(self, birth: date, sex: Sex, home: int) -> tuple[str, date]:
        """An unused number for someone of this sex born on `birth` (or, when full, a day of the same age)."""
        slot = self._slot(home, birth, sex)
        sequence = self._used[slot]
        if sequence < ORDER_CODES_PER_DAY:
            self._used[slot] = sequence + 1
            return make_id_number(COUNTY_CODES[home], birth, sequence, sex), birth
        earliest, latest = _birth_window(age_on(birth))
        span = (latest - earliest).days + 1
        start = (birth - earliest).days
        counties = [home, *(c for c in range(len(COUNTY_CODES)) if c != home)]
        for shift in range(span):
            day = earliest + timedelta(days=(start + shift) % span)
            for county in counties:
                slot = self._slot(county, day, sex)
                sequence = self._used[slot]
                if sequence < ORDER_CODES_PER_DAY:
                    self._used[slot] = sequence + 1
                    return make_id_number(COUNTY_CODES[county], day, sequence, sex), day
        raise RuntimeError(f"no ID numbers left for age {age_on(birth)} ({sex})")


@dataclass
class _Person:
    relation: Relation
    age: int
    sex: Sex
    mongolian: bool
    surname: str | None = None  # None: a Mongolian name without surname
    name: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = _IdAllocator()
        self.account_rng = random.Random(seed + 3)
        self.refused = iter(BANK_REFUSALS.items())

    # --- people -------------------------------------------------------------------------------------

    def tri(self, low: float, high: float, mode: float) -> int:
        return round(self.rng.triangular(low, high, mode))

    def given_name(self, person: _Person) -> str:
        rng = self.rng
        if person.surname is None:
            return rng.choice(MONGOLIAN_MALE if person.sex is Sex.male else MONGOLIAN_FEMALE)
        born = REFERENCE_DATE.year - person.age
        era = 0 if born < 1966 else 1 if born <= 1990 else 2
        return person.surname + rng.choice(HAN_GIVEN[(era, person.sex)])

    def person(
        self, relation: Relation, age: int, sex: Sex, mongolian: bool, surname: str | None = None
    ) -> _Person:
        """A person; `surname` is the family's (for Han-style names), otherwise one is drawn."""
        if mongolian and (surname is None or self.rng.random() < 0.6):
            surname = self.rng.choice(MONGOLIAN_SURNAMES) if self.rng.random() < 0.15 else None
        elif not mongolian and surname is None:
            surname = self.rng.choice(HAN_SURNAMES)
        person = _Person(relation, age, sex, mongolian, surname)
        person.name = self.given_name(person)
        return person

    def child_age_range(self, parents: Sequence[_Person], minimum: int = 0) -> tuple[int, int]:
        """Ages a child of these parents can have: 20–38 years younger than each of them."""
        low = max(max(p.age for p in parents) - 38, minimum)
        high = min(p.age for p in parents) - 20
        return low, high

    def members(self, size: int, township: str) -> list[_Person]:
        rng = self.rng
        mongolian_share = 0.55 if township in PASTORAL else 0.1 if township in RIVERSIDE else 0.25
        head_age = self.tri(35, 90, 72) if size == 1 else self.tri(24, 84, 50)
        with_spouse = size > 1 and rng.random() < (0.92 if head_age < 70 else 0.7)
        head_sex = Sex.male if rng.random() < (0.88 if with_spouse else 0.5) else Sex.female
        head_mongolian = rng.random() < mongolian_share
        head = self.person(Relation.head, head_age, head_sex, head_mongolian)
        people = [head]
        couple = [head]
        if with_spouse:
            spouse_sex = Sex.female if head_sex is Sex.male else Sex.male
            gap = self.tri(-2, 7, 2) if head_sex is Sex.male else -self.tri(-2, 7, 2)
            spouse_age = max(head_age - gap, 20)
            same = rng.random() < 0.8
            spouse = self.person(Relation.spouse, spouse_age, spouse_sex, head_mongolian == same)
            people.append(spouse)
            couple.append(spouse)
        father = next((p for p in couple if p.sex is Sex.male), head)
        family_mongolian = any(p.mongolian for p in couple)

        def add_child(relation: Relation, parents: Sequence[_Person], minimum: int = 0) -> _Person | None:
            low, high = self.child_age_range(parents, minimum)
            if low > high or len(people) >= size:
                return None
            male_parent = next((p for p in parents if p.sex is Sex.male), parents[0])
            mongolian = any(p.mongolian for p in parents) and rng.random() < 0.9
            child = self.person(
                relation,
                rng.randint(low, high),
                rng.choice((Sex.male, Sex.female)),
                mongolian,
                male_parent.surname,
            )
            people.append(child)
            return child

        # a three-generation household: a married son, his wife and their children
        if head_age >= 50 and size - len(people) >= 2 and rng.random() < 0.45:
            son = add_child(Relation.child, couple, minimum=23)
            if son is not None:
                son.sex = Sex.male
                son.name = self.given_name(son)
                parents = [son]
                if size - len(people) >= 2 and rng.random() < 0.75:
                    wife_age = max(son.age - self.tri(-2, 6, 1), 20)
                    wife = self.person(Relation.child_in_law, wife_age, Sex.female, rng.random() < 0.4)
                    people.append(wife)
                    parents.append(wife)
                while add_child(Relation.grandchild, parents) is not None and rng.random() < 0.8:
                    pass
        # left-behind grandchildren raised by their grandparents
        elif head_age >= 52 and size > len(people) and rng.random() < 0.2:
            low, high = 0, min(head_age - 42, 17)
            for _ in range(min(size - len(people), rng.randint(1, 2))):
                if low <= high:
                    grandchild = self.person(
                        Relation.grandchild,
                        rng.randint(low, high),
                        rng.choice((Sex.male, Sex.female)),
                        family_mongolian and rng.random() < 0.9,
                        father.surname,
                    )
                    people.append(grandchild)
        # the head's own parents
        if head_age <= 58 and size > len(people) and rng.random() < 0.25:
            father_age = min(head_age + self.tri(20, 38, 27), 95)
            for parent_sex in (Sex.male, Sex.female)[: min(size - len(people), rng.randint(1, 2))]:
                parent_age = (
                    father_age if parent_sex is Sex.male else max(father_age - self.tri(-2, 6, 2), 20)
                )
                parent_age = max(min(parent_age, head_age + 38), head_age + 20)
                surname = head.surname if parent_sex is Sex.male else None
                people.append(self.person(Relation.parent, parent_age, parent_sex, head_mongolian, surname))
        # children fill the rest; where none can be (a young head), brothers and sisters
        while len(people) < size:
            if add_child(Relation.child, couple) is None:
                sibling_age = max(head_age + rng.randint(-10, 10), 16)
                people.append(
                    self.person(
                        Relation.sibling,
                        sibling_age,
                        rng.choice((Sex.male, Sex.female)),
                        head_mongolian,
                        head.surname,
                    )
                )
        return people

    # --- health, school, work -----------------------------------------------------------------------

    def fill_details(self, people: list[_Person], category: Category, township: str) -> None:
        rng = self.rng
        risk = 2.0 if category in AT_RISK else 1.4 if category == Category.lifted_supported else 1.0
        for p in people:
            disability = None
            if rng.random() < 0.035 * risk:
                disability = rng.choices((1, 2, 3, 4), weights=(1, 2, 3, 4))[0]
            chronic_rate = 0.02 if p.age < 40 else 0.12 if p.age < 60 else 0.3
            chronic = rng.random() < chronic_rate * risk
            serious = rng.random() < (0.01 if p.age < 45 else 0.03) * risk
            p.extra = {"disability_grade": disability, "chronic_disease": chronic, "serious_illness": serious}
        if category == Category.sudden_hardship and not any(
            p.extra["serious_illness"] or p.extra["disability_grade"] for p in people
        ):
            # the hardship usually has a cause in the family: a grave illness or an accident
            adults = [p for p in people if p.age >= 18] or people
            victim = rng.choice(adults)
            if rng.random() < 0.7:
                victim.extra["serious_illness"] = True
            elif rng.random() < 0.5:
                victim.extra["disability_grade"] = rng.choice((1, 2))
        for p in people:
            stage = school_stage_for_age(p.age)
            if stage == SchoolStage.kindergarten and rng.random() < 0.15:
                stage = SchoolStage.none
            elif stage == SchoolStage.senior and rng.random() < 0.1:
                stage = SchoolStage.none
            elif stage == SchoolStage.tertiary and rng.random() < 0.55:
                stage = SchoolStage.none
            p.extra["school_stage"] = stage
            p.extra["labour_ability"] = self.labour(p, stage)
            p.extra["employment"] = self.employment(p, township)
            p.extra["pension_insurance"] = p.age >= 16 and stage == SchoolStage.none and rng.random() < 0.9

    def labour(self, p: _Person, stage: SchoolStage) -> LabourAbility:
        grade = p.extra["disability_grade"]
        if p.age < 16 or stage != SchoolStage.none or p.age >= 70 or grade in (1, 2):
            return LabourAbility.none
        if p.extra["serious_illness"]:
            return LabourAbility.none if self.rng.random() < 0.6 else LabourAbility.partial
        if p.age >= 60 or grade in (3, 4) or (p.extra["chronic_disease"] and self.rng.random() < 0.5):
            return LabourAbility.partial
        return LabourAbility.full

    def employment(self, p: _Person, township: str) -> str | None:
        if p.extra["labour_ability"] == LabourAbility.none:
            return None
        home = "放牧" if township in PASTORAL else "种植" if township in RIVERSIDE else "种养结合"
        options = (home, "外出务工", "公益性岗位", "个体经营", "灵活就业", None)
        weights = (
            (50, 22, 6, 5, 7, 10)
            if p.extra["labour_ability"] == LabourAbility.full
            else (55, 3, 15, 2, 5, 20)
        )
        choice = self.rng.choices(options, weights=weights)[0]
        return "外出务工（鄂尔多斯市内）" if choice == "外出务工" and self.rng.random() < 0.6 else choice

    # --- the household ------------------------------------------------------------------------------

    def household(self, category: Category, village: str) -> HouseholdCreate:
        rng = self.rng
        township = village[:9]
        size = rng.choices((1, 2, 3, 4, 5, 6), weights=(12, 25, 24, 22, 11, 6))[0]
        people = self.members(size, township)
        self.fill_details(people, category, township)
        self.benefits(people, category)
        members = [self.member_in(p) for p in people]
        relocated = category in LIFTED and rng.random() < 0.1
        sheep, cattle, pigs = self.livestock(category, township)
        school_age = any(6 <= p.age <= 17 for p in people)
        at_risk = category in AT_RISK
        return HouseholdCreate(
            region_code=village,
            category=category,
            members=members,
            address=self.address(village, relocated),
            phone=None if rng.random() < 0.04 else self.phone(),
            lifted_year=rng.choices(range(2014, 2021), weights=(8, 12, 18, 20, 20, 14, 8))[0]
            if category in LIFTED
            else None,
            relocated=relocated,
            resettlement_site=RESETTLEMENT_SITES.get(township, "杭锦旗易地扶贫搬迁安置区")
            if relocated
            else None,
            education_secure=not (at_risk and school_age and rng.random() < 0.12),
            medical_secure=not (at_risk and rng.random() < 0.06),
            housing_secure=not (at_risk and rng.random() < 0.08),
            water_secure=not (at_risk and rng.random() < (0.08 if township in PASTORAL else 0.03)),
            sheep=sheep,
            cattle=cattle,
            pigs=pigs,
            income_per_capita_fen=self.income(category) * 100 + rng.choice((0, 0, 0, 50)),
            income_year=INCOME_YEAR,
            payee_account=self.account(category),
        )

    def account(self, category: Category) -> PayeeAccountIn | None:
        """The head's 一卡通: a card of one of the banner's agent banks, or none, or one the bank refuses."""
        rng = self.account_rng
        if rng.random() < NO_ACCOUNT_SHARE:
            return None
        refused = next(self.refused, None) if category == Category.lifted_supported else None
        if refused is not None:
            number = refused[0]
        else:
            stem = rng.choice(list(BANKS)) + f"{rng.randrange(10**12):012d}"
            number = stem + luhn.calc_check_digit(stem)
        return PayeeAccountIn(bank_name=BANKS[number[:6]], account_number=number)

    def benefits(self, people: list[_Person], category: Category) -> None:
        """低保 for the household, or 特困 for someone living alone without the ability to work."""
        rng = self.rng
        alone_unable = (
            len(people) == 1
            and (people[0].age >= 60 or people[0].extra["disability_grade"] in (1, 2))
            and people[0].extra["labour_ability"] != LabourAbility.full
        )
        tekun = alone_unable and category in AT_RISK | {Category.lifted_supported} and rng.random() < 0.5
        dibao_rate = {
            Category.sudden_hardship: 0.5,
            Category.monitored: 0.4,
            Category.marginal: 0.3,
            Category.lifted_supported: 0.2,
            Category.lifted_unsupported: 0.02,
            Category.ordinary: 0.01,
        }[category]
        dibao = not tekun and rng.random() < dibao_rate
        for p in people:
            p.extra["tekun"] = tekun
            p.extra["dibao"] = dibao

    def member_in(self, p: _Person) -> MemberIn:
        earliest, latest = _birth_window(p.age)
        birth = earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))
        married_in = p.relation in (Relation.spouse, Relation.child_in_law)
        local = self.rng.random() < (0.75 if married_in else 0.93)
        county = 0 if local else self.rng.randrange(1, len(COUNTY_CODES))
        number, birth = self.ids.allocate(birth, p.sex, county)
        return MemberIn(
            name=p.name,
            id_number=number,
            relation=p.relation,
            sex=p.sex,
            birth_date=birth,
            ethnicity="蒙古族" if p.mongolian else "汉族",
            **p.extra,  # type: ignore[arg-type]
        )

    def livestock(self, category: Category, township: str) -> tuple[int, int, int]:
        rng = self.rng
        scale = {
            Category.ordinary: 1.0,
            Category.lifted_unsupported: 0.9,
            Category.lifted_supported: 0.7,
            Category.monitored: 0.55,
            Category.marginal: 0.55,
            Category.sudden_hardship: 0.4,
        }[category]
        if township in PASTORAL:
            sheep, cattle, pigs = self.tri(20, 300, 130), self.tri(0, 20, 6), self.tri(0, 4, 0)
        elif township in RIVERSIDE:
            sheep = 0 if rng.random() < 0.4 else self.tri(0, 80, 20)
            cattle, pigs = self.tri(0, 6, 0), self.tri(0, 10, 3)
        else:
            sheep, cattle, pigs = self.tri(0, 160, 40), self.tri(0, 10, 2), self.tri(0, 8, 2)
        return min(round(sheep * scale), 300), min(round(cattle * scale), 20), min(round(pigs * scale), 10)

    def income(self, category: Category) -> int:
        """Per-capita net income in yuan; the monitoring line is around 6,000–9,000 yuan."""
        low, high, mode = {
            Category.ordinary: (13000, 36000, 19000),
            Category.lifted_unsupported: (11000, 24000, 15000),
            Category.lifted_supported: (8500, 17000, 11500),
            Category.monitored: (6000, 9500, 7600),
            Category.marginal: (6000, 9500, 8000),
            Category.sudden_hardship: (2000, 7500, 4500),
        }[category]
        return self.tri(low, high, mode)

    def address(self, village: str, relocated: bool) -> str:
        rng = self.rng
        township = village[:9]
        if relocated:
            site = RESETTLEMENT_SITES.get(township, "杭锦旗易地扶贫搬迁安置区")
            building, entrance, room = rng.randint(1, 12), rng.randint(1, 3), rng.randint(1, 5) * 100
            return f"{site}{building}号楼{entrance}单元{room + rng.randint(1, 4)}室"
        name = village_name(village)
        group = CHINESE_NUMERALS[rng.randrange(6)] + ("社" if name.endswith("嘎查") else "组")
        return f"{TOWNSHIP_NAMES.get(township, '')}{name}{group}{rng.randint(1, 80)}号"

    def phone(self) -> str:
        rng = self.rng
        return f"1{rng.choice(_PHONE_SECOND_DIGITS)}{rng.randrange(10**9):09d}"


# Per hundred households, as a banner's register holds them (lifted out 11%, at risk 9%).
CATEGORY_SHARES = {
    Category.ordinary: 80,
    Category.lifted_supported: 7,
    Category.lifted_unsupported: 4,
    Category.marginal: 4,
    Category.monitored: 4,
    Category.sudden_hardship: 1,
}


def category_sequence(n: int, rng: random.Random) -> Iterator[Category]:
    """Blocks of a hundred, each holding `CATEGORY_SHARES` in shuffled order."""
    shares = [category for category, count in CATEGORY_SHARES.items() for _ in range(count)]
    for start in range(0, n, len(shares)):
        block = shares[:]
        rng.shuffle(block)
        yield from block[: n - start]


def generate_households(n: int, *, villages: Sequence[str], seed: int = 2021) -> Iterator[HouseholdCreate]:
    """`n` synthetic households over `villages` (12-digit codes); see the module docstring."""
    if not villages:
        raise ValueError("no villages to place households in")
    generator = _Generator(seed)
    placement = random.Random(seed + 1)
    for category in category_sequence(n, random.Random(seed + 2)):
        yield generator.household(category, placement.choice(villages))


async def seed_households(session: AsyncSession, *, cipher: FieldCipher, n: int = 3000) -> int:
    """Register `n` demo households over the demo villages unless the registry already has households."""
    if (await session.exec(select(Household.id).limit(1))).first() is not None:
        return 0
    villages = [village.code for village in demo_villages()]
    batch: list[HouseholdCreate] = []
    added = 0
    for item in generate_households(n, villages=villages):
        batch.append(item)
        if len(batch) == SEED_CHUNK:
            added += len(await register_many(session, principal=DEMO_PRINCIPAL, cipher=cipher, items=batch))
            batch = []
    if batch:
        added += len(await register_many(session, principal=DEMO_PRINCIPAL, cipher=cipher, items=batch))
    return added
