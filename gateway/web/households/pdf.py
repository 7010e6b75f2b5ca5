"""The household file on one printable A4 page (一户一档), drawn server-side with fpdf2 and a CJK font the
system provides (fonts-wqy-zenhei): no browser needed. Paper leaves the system, so ID numbers and the
phone are masked whatever the reader's role; each list keeps its newest rows so the page stays one page."""

from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fpdf import FPDF

from gateway.web.render import local_time
from shared.idnumber import mask_id_number
from shared.money import format_yuan
from shared.vocabulary import labels
from shared.vocabulary.assets import PlanStatus
from shared.vocabulary.households import Category, LabourAbility, Relation
from shared.vocabulary.monitoring import (
    AlertKind,
    AlertStatus,
    CaseStatus,
    HousingGrade,
    MeasureStatus,
    RenovationKind,
    RenovationStatus,
    RiskType,
    WaterFixKind,
    WaterProblem,
)
from shared.vocabulary.payments import ClaimStatus, Kind, LineStatus

if TYPE_CHECKING:
    from gateway.web.households.file import HouseholdFile, Section

CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
ROWS = 4  # per list: the newest
WORDS: dict[str, str] = {}
for word in (Category, LabourAbility, Relation, AlertKind, AlertStatus, CaseStatus, MeasureStatus, RiskType):
    WORDS |= labels(word)
for word in (ClaimStatus, Kind, LineStatus, PlanStatus):
    WORDS |= labels(word)


class FontMissing(RuntimeError):
    """No CJK font on this machine (`make system-deps` installs one)."""


@cache
def cjk_font() -> Path:
    for path in CJK_FONTS:
        if path.exists():
            return path
    raise FontMissing("no CJK font installed")


def said(value: Any) -> str:
    return WORDS.get(str(value), str(value)) if value is not None else "—"


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else "—"


class Sheet(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font("cjk", "", str(cjk_font()))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=12)
        self.add_page()

    def heading(self, text: str) -> None:
        self.ln(1.5)
        self.set_font("cjk", size=10.5)
        self.set_fill_color(232, 238, 245)
        self.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", fill=True)
        self.set_font("cjk", size=8.5)

    def line_of(self, text: str) -> None:
        self.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")

    def rows(self, items: list[str], *, none: str = "无") -> None:
        for text in items[:ROWS] or [none]:
            self.line_of(f"· {text}")
        if len(items) > ROWS:
            self.line_of(f"  另有 {len(items) - ROWS} 条，详见系统")


GUARANTEES = (
    ("education_secure", "义务教育"),
    ("medical_secure", "基本医疗"),
    ("housing_secure", "住房安全"),
    ("water_secure", "饮水安全"),
)


def listed(section: "Section") -> list[dict[str, Any]]:
    return list(section.data or [])


def dividend_line(dividend: dict[str, Any]) -> str:
    return f"{dividend['year']} {format_yuan(dividend['amount_fen'])} 元（{said(dividend['status'])}）"


def case_line(case: dict[str, Any], steps: list[dict[str, Any]]) -> str:
    risks = "、".join(said(r) for r in case["risk_types"])
    path = "".join(f" → {said(step['to_status'])}" for step in steps[1:])
    return f"{local_time(case['discovered_at'])[:10]} 发现（{risks}）{path or ' ' + said(case['status'])}"


def visit_line(visit: dict[str, Any]) -> str:
    gaps = "、".join(name for key, name in GUARANTEES if not visit[key])
    text = f"{visit['visited_on']} 人均纯收入 {format_yuan(visit['income_per_capita_fen'])} 元"
    return text + (f"，{gaps}无保障" if gaps else "，三保障及饮水均有保障")


def payment_lines(file: "HouseholdFile") -> list[str]:
    s = file.sections
    claims = [
        f"{c['year']} {said(c['kind'])}申请 {format_yuan(c['amount_fen'])} 元（{said(c['status'])}）"
        for c in listed(s["claims"])
    ]
    paid = [
        f"{line['batch_year']} {said(line['batch_kind'])}发放 {format_yuan(line['amount_fen'])} 元"
        f"（{said(line['status'])}）"
        for line in listed(s["lines"])
    ]
    return paid + claims


def guarantee_lines(file: "HouseholdFile") -> list[str]:
    """三保障 beyond the flags: the dangerous house's renovation, the water fix, each member's insurance (the
    words looked up by their own vocabulary: `planned` and `other` mean other things elsewhere)."""
    s = file.sections
    renovations = []
    for r in listed(s["renovations"]):
        accepted = f"，{r['accepted_on']} 验收" if r.get("accepted_on") else ""
        house = f"{HousingGrade(r['grade']).label} {RenovationKind(r['kind']).label}"
        renovations.append(
            f"危房改造 {house} 补助 {format_yuan(r['subsidy_fen'])} 元"
            f"（{RenovationStatus(r['status']).label}{accepted}）"
        )
    water = [
        f"饮水安全 {WaterProblem(f['problem']).label} · {WaterFixKind(f['fix']).label}"
        f"（{f['done_on'] + ' 完成' if f['done'] else '整改中'}）"
        for f in listed(s["water_fixes"])
    ]
    insurance = [
        f"{i['year']} 年医疗保险 {i['member_name']} {'已参保' if i['enrolled'] else '未参保'}"
        f"，代缴 {format_yuan(i['paid_on_behalf_fen'])} 元"
        for i in listed(s["insurance"])
    ]
    return renovations + water + insurance


def reward_and_due_lines(file: "HouseholdFile") -> list[str]:
    """以奖代补's results (verified or waiting for a visit) and the safety net due this year per member."""
    s = file.sections
    results = [
        f"{r['achieved_on']} {r['what']} {r['quantity']} {r['unit']}"
        f"（{'已核实' if r['verified'] else '待走访核实'}）"
        for r in listed(s["results"])
    ]
    dues = (s["dues"].data or {}).get("safety_net", [])
    return results + [
        f"{d['name']} {said(d['kind'])} {format_yuan(d['amount_fen'])} 元（{d['reason']}）" for d in dues
    ]


def household_file(file: "HouseholdFile", *, village: str, printed_on: date) -> bytes:
    """The file as PDF bytes: the household, its members and what each service holds of it."""
    h, s = file.household, file.sections
    sheet = Sheet()
    sheet.set_font("cjk", size=15)
    sheet.cell(0, 8, "一户一档", new_x="LMARGIN", new_y="NEXT", align="C")
    sheet.set_font("cjk", size=8.5)
    sheet.line_of(f"户编号 {h['number']}　嘎查村 {village}　打印日期 {printed_on.isoformat()}")
    sheet.heading(f"{h['head_name']}户　{said(h['category'])}　{h['member_count']} 口人")
    incomes = "；".join(f"{i['year']} 年 {format_yuan(i['per_capita_fen'])} 元" for i in h.get("incomes", []))
    sheet.line_of(
        f"住址 {h['address']}　电话 {mask_phone(h.get('phone'))}　脱贫年度 {h.get('lifted_year') or '—'}"
    )
    sheet.line_of("　".join(f"{name}{'有' if h[key] else '无'}保障" for key, name in GUARANTEES))
    sheet.line_of(
        f"羊 {h['sheep']} 只 · 牛 {h['cattle']} 头 · 猪 {h['pigs']} 头　人均纯收入 {incomes or '—'}"
    )
    sheet.heading("家庭成员")
    for m in h["members"]:
        who = f"{m['name']}　{said(m['relation'])}　{mask_id_number(m['id_number'])}"
        sheet.line_of(f"· {who}　{m.get('age', '')} 岁　{said(m['labour_ability'])}")
    sheet.heading("类别变更")
    sheet.rows([f"{e['effective_date']} 变更为{said(e['to_category'])}：{e['reason']}" for e in file.history])
    for heading, keys, lines in (
        (
            "防返贫监测与帮扶",
            ("cases",),
            [case_line(c, file.steps.get(str(c["id"]), [])) for c in listed(s["cases"])],
        ),
        ("入户走访", ("visits",), [visit_line(v) for v in listed(s["visits"])]),
        (
            "预警",
            ("alerts",),
            [f"{a['year']} {said(a['kind'])}（{said(a['status'])}）" for a in listed(s["alerts"])],
        ),
        ("三保障", ("renovations", "water_fixes", "insurance"), guarantee_lines(file)),
        ("补贴申请与发放", ("claims", "lines"), payment_lines(file)),
        ("以奖代补与兜底保障", ("results", "dues"), reward_and_due_lines(file)),
        ("资产收益分红", ("dividends",), [dividend_line(d) for d in listed(s["dividends"])]),
    ):
        if not any(s[key].shown for key in keys):
            continue
        sheet.heading(heading)
        sheet.rows(lines, none="未能读取（见页末）" if any(s[key].notice for key in keys) else "无")
        if keys == ("cases",) and (plan := s["plan"].data):
            sheet.line_of(f"帮扶责任人 {plan['responsible']['display_name']}")
            sheet.rows([f"{m['target']}（{said(m['status'])}，{m['due_on']} 前）" for m in plan["measures"]])
    if file.notices:
        sheet.heading("未能读取")
        for notice in file.notices:
            sheet.line_of(notice)
    return bytes(sheet.output())
