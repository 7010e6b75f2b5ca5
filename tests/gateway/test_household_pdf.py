"""The printed 一户一档 (gateway/web/households/pdf.py) holds the 三保障 records, the industry results and the
safety net due, on one page, and says a section could not be read when its service was down."""

import re
from datetime import date
from typing import Any

import pytest

from gateway.web.households import pdf
from gateway.web.households.file import SOURCES, HouseholdFile, Section
from shared.idnumber import Sex, make_id_number
from tests.support.households import TEST_COUNTY

HOUSEHOLD = {
    "number": "150625100201000123",
    "head_name": "测户甲",
    "category": "lifted_supported",
    "member_count": 1,
    "address": "测试路 1 号",
    "phone": "13800001234",
    "lifted_year": 2019,
    "education_secure": True,
    "medical_secure": True,
    "housing_secure": False,
    "water_secure": True,
    "sheep": 30,
    "cattle": 0,
    "pigs": 0,
    "incomes": [],
    "members": [
        {
            "name": "测户甲",
            "relation": "head",
            "id_number": make_id_number(TEST_COUNTY, date(1960, 3, 1), 1, Sex.male),
            "age": 66,
            "labour_ability": "none",
        }
    ],
}
RENOVATION = {
    "grade": "d",
    "kind": "rebuild",
    "subsidy_fen": 4_000_000,
    "status": "accepted",
    "accepted_on": "2026-10-01",
}
WATER_FIX = {"problem": "quality", "fix": "other", "done": False, "done_on": None}
INSURANCE = {"year": 2026, "member_name": "测户甲", "enrolled": True, "paid_on_behalf_fen": 38_000}
RESULT = {
    "achieved_on": "2026-09-01",
    "what": "新建标准化棚圈",
    "quantity": 1,
    "unit": "座",
    "verified": True,
}
DUE = {
    "kind": "disability_nursing",
    "name": "测户甲",
    "amount_fen": 180_000,
    "reason": "残疾等级1级，每月150.00元，12个月",
}


def household_file(**data: Any) -> HouseholdFile:
    sections = {source.key: Section(data=data.get(source.key, [])) for source in SOURCES}
    return HouseholdFile(dict(HOUSEHOLD), [], sections)


def test_the_guarantee_records_are_said_in_their_own_words() -> None:
    found = household_file(renovations=[RENOVATION], water_fixes=[WATER_FIX], insurance=[INSURANCE])
    assert pdf.guarantee_lines(found) == [
        "危房改造 D级危房 拆除翻建 补助 40,000.00 元（已验收，2026-10-01 验收）",
        "饮水安全 水质不达标 · 其他（整改中）",  # `other` is a fix here, not an alert's kind
        "2026 年医疗保险 测户甲 已参保，代缴 380.00 元",
    ]


def test_industry_results_and_the_safety_net_due_are_listed() -> None:
    found = household_file(results=[RESULT], dues={"year": 2026, "safety_net": [DUE]})
    assert pdf.reward_and_due_lines(found) == [
        "2026-09-01 新建标准化棚圈 1 座（已核实）",
        "测户甲 重度残疾人护理补贴 1,800.00 元（残疾等级1级，每月150.00元，12个月）",
    ]


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every line the sheet prints, headings included."""
    lines: list[str] = []
    for name in ("heading", "line_of"):
        draw = getattr(pdf.Sheet, name)

        def noted(sheet: pdf.Sheet, text: str, draw: Any = draw) -> None:
            lines.append(text)
            draw(sheet, text)

        monkeypatch.setattr(pdf.Sheet, name, noted)
    return lines


def test_the_page_holds_the_new_sections_on_one_page(printed: list[str]) -> None:
    found = household_file(
        renovations=[RENOVATION],
        water_fixes=[WATER_FIX],
        insurance=[INSURANCE] * 5,
        results=[RESULT],
        dues={"year": 2026, "safety_net": [DUE]},
    )
    content = pdf.household_file(found, village="阿斯尔嘎查", printed_on=date(2026, 12, 5))
    assert re.findall(rb"/Count (\d+)", content) == [b"1"]
    for heading in ("三保障", "以奖代补与兜底保障"):
        assert heading in printed
    guarantees = printed[printed.index("三保障") + 1 : printed.index("补贴申请与发放")]
    assert guarantees[0].startswith("· 危房改造") and guarantees[-1] == "  另有 3 条，详见系统"


def test_a_section_whose_service_was_down_says_so(printed: list[str]) -> None:
    found = household_file(results=[RESULT])
    found.sections["dues"] = Section(notice="补贴发放服务暂时无法读取，以下相关内容未能显示。")
    pdf.household_file(found, village="阿斯尔嘎查", printed_on=date(2026, 12, 5))
    after = printed[printed.index("以奖代补与兜底保障") + 1 :]
    assert after[0].startswith("· 2026-09-01 新建标准化棚圈")  # what monitoring answered is still printed
    assert printed[-2:] == ["未能读取", "补贴发放服务暂时无法读取，以下相关内容未能显示。"]
    empty = household_file()
    empty.sections["dues"] = found.sections["dues"]
    printed.clear()
    pdf.household_file(empty, village="阿斯尔嘎查", printed_on=date(2026, 12, 5))
    assert printed[printed.index("以奖代补与兜底保障") + 1] == "· 未能读取（见页末）"
    assert printed[printed.index("三保障") + 1] == "· 无"
