"""Demo data for `make run`: a few assets, entities, products and fund investments in 锡尼镇, with
incomes that leave room for a dividend plan; the catalogue's checks and sales; 百企兴百村 partnerships; and
two years of money put in with its projects' targets and three-level notices; and, given the registry's
households of 阿斯尔嘎查, a dividend plan made from its photovoltaic station's 2025 income, published to the
village with its notice run, waiting for approval. Loading is idempotent (each part is added once) and
deterministic."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets import rules, supervision
from services.assets.models import (
    INDUSTRY_FUND_ID,
    Allocation,
    Asset,
    AssetIncome,
    AssetStatusChange,
    Commitment,
    Delivery,
    DividendLine,
    DividendPlan,
    Entity,
    FundProject,
    Investment,
    Partnership,
    PerformanceTarget,
    Product,
    ProductCheck,
    Repayment,
    Sale,
)
from services.assets.schemas import NoticeGeneration
from shared.auth import Principal
from shared.roles import Role
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    CertificationCheck,
    CommitmentKind,
    Comparison,
    EntityKind,
    FundingSource,
    IndicatorKind,
    PlanStatus,
    SalesChannel,
)

DEMO = "demo-seed"
ASIER, BAYIN, WULAN, XINI = "150625100201", "150625100202", "150625100203", "150625100"
BALAGONG, BALAGONG_VILLAGE, BANNER = "150625101", "150625101201", "150625"
YUAN = 100


async def seed_assets(session: AsyncSession) -> int:
    """Add each part of the demo unless it is there; returns the rows added."""
    added = await _seed_register(session)
    added += await _seed_consumption(session)
    added += await _seed_partnerships(session)
    return added + await _seed_allocations(session)


async def _seed_register(session: AsyncSession) -> int:
    """Assets, their incomes, entities, products and fund investments."""
    if (await session.exec(select(Asset.id).where(Asset.created_by == DEMO))).first() is not None:
        return 0
    coop = Entity(
        name="杭锦旗阿斯尔绒山羊养殖专业合作社",
        kind=EntityKind.cooperative,
        region_code=ASIER,
        credit_code="93150625MA0HJ0001C",
        contact="巴特尔 139****5678",
    )
    firm = Entity(
        name="鄂尔多斯天牧朔方农牧业有限公司",
        kind=EntityKind.leading_enterprise,
        region_code=XINI,
        credit_code="91150625MA0HJ0002M",
        contact="锡尼镇工业园区",
    )
    collective = Entity(
        name="巴音乌素嘎查股份经济合作社", kind=EntityKind.village_collective, region_code=BAYIN
    )
    farm = Entity(name="乌兰敖包苏和家庭牧场", kind=EntityKind.family_farm, region_code=WULAN)
    entities = [coop, firm, collective, farm]
    session.add_all(entities)
    await session.flush()
    assets = [
        Asset(
            name="阿斯尔嘎查标准化肉羊棚圈",
            asset_class=AssetClass.operating,
            region_code=ASIER,
            project="2019年肉羊产业扶贫项目",
            funding_source=FundingSource.central,
            funding_year=2019,
            value_fen=180_000_000,
            operator_entity_id=coop.id,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
        Asset(
            name="阿斯尔嘎查村级光伏电站",
            asset_class=AssetClass.operating,
            region_code=ASIER,
            project="光伏扶贫项目",
            funding_source=FundingSource.autonomous_region,
            funding_year=2018,
            value_fen=320_000_000,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
        Asset(
            name="巴音乌素嘎查饲草料加工厂",
            asset_class=AssetClass.operating,
            region_code=BAYIN,
            project="2024年饲草料产业项目",
            funding_source=FundingSource.banner_special,
            funding_year=2024,
            value_fen=95_000_000,
            operator_entity_id=collective.id,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
        Asset(
            name="锡尼镇智慧农贸市场冷库",
            asset_class=AssetClass.operating,
            region_code=XINI,
            project="锡尼镇智慧农贸市场建设项目",
            funding_source=FundingSource.banner_special,
            funding_year=2025,
            value_fen=260_000_000,
            operator_entity_id=firm.id,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
        Asset(
            name="乌兰敖包嘎查人畜饮水工程",
            asset_class=AssetClass.public_welfare,
            region_code=WULAN,
            project="饮水安全巩固提升工程",
            funding_source=FundingSource.city,
            funding_year=2021,
            value_fen=42_000_000,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
        Asset(
            name="到户基础母羊（阿斯尔嘎查）",
            asset_class=AssetClass.household,
            region_code=ASIER,
            project="产业到户项目",
            funding_source=FundingSource.banner_special,
            funding_year=2026,
            value_fen=27_000_000,
            status=AssetStatus.in_use,
            created_by=DEMO,
        ),
    ]
    session.add_all(assets)
    await session.flush()
    rows: list[object] = [
        AssetStatusChange(
            asset_id=a.id, to_status=a.status, reason="登记", actor=DEMO, role="banner_official"
        )
        for a in assets
    ]
    incomes = [
        (assets[0], 2024, 10_800_000),
        (assets[0], 2025, 11_520_000),
        (assets[1], 2025, 19_200_000),
        (assets[2], 2025, 5_700_000),
        (assets[3], 2025, 15_600_000),
    ]
    rows += [AssetIncome(asset_id=a.id, year=y, amount_fen=fen, created_by=DEMO) for a, y, fen in incomes]
    rows += [
        Product(
            name="阿尔巴斯白绒山羊羊绒",
            entity_id=coop.id,
            region_code=coop.region_code,
            category="畜牧产品",
            certified_on=date(2025, 6, 1),
            certificate_no="HJQ-FP-2025-001",
            valid_until=date(2028, 5, 31),
        ),
        Product(
            name="天牧朔方羊肉礼盒",
            entity_id=firm.id,
            region_code=firm.region_code,
            category="畜牧产品",
            certified_on=date(2025, 9, 1),
            certificate_no="HJQ-FP-2025-002",
            valid_until=date(2028, 8, 31),
        ),
        Product(
            name="杭锦旗沙地甘草",
            entity_id=farm.id,
            region_code=farm.region_code,
            category="中药材",
            certified_on=date(2024, 5, 1),
            certificate_no="HJQ-FP-2024-003",
            valid_until=date(2027, 4, 30),
        ),
    ]
    firm_investment = Investment(
        fund_id=INDUSTRY_FUND_ID,
        entity_id=firm.id,
        region_code=firm.region_code,
        amount_fen=500_000_000,
        self_raised_fen=300_000_000,
        term_months=36,
        expected_return_bp=400,
        start_date=date(2025, 3, 1),
        created_by=DEMO,
    )
    coop_investment = Investment(
        fund_id=INDUSTRY_FUND_ID,
        entity_id=coop.id,
        region_code=coop.region_code,
        amount_fen=80_000_000,
        self_raised_fen=80_000_000,
        term_months=24,
        expected_return_bp=300,
        start_date=date(2025, 5, 1),
        created_by=DEMO,
        repaid_principal_fen=20_000_000,
        income_fen=2_400_000,
    )
    session.add_all([*rows, firm_investment, coop_investment])
    await session.flush()
    session.add(
        Repayment(
            investment_id=coop_investment.id,
            principal_fen=20_000_000,
            income_fen=2_400_000,
            paid_on=date(2026, 5, 1),
            actor=DEMO,
        )
    )
    await session.flush()
    return len(entities) + len(assets) + len(rows) + 3


def _at(day: date) -> datetime:
    return datetime.combine(day, time(1, 0), tzinfo=UTC)


@dataclass(frozen=True)
class DemoHousehold:
    """A registry household the demo plan pays (read by deploy/manage.py: no service reads another's
    database)."""

    id: uuid.UUID
    number: str
    head_name: str


PLAN_SOURCE = "阿斯尔嘎查村级光伏电站"
PLAN_CATEGORIES = ["lifted_supported", "marginal", "monitored"]
PLAN_SHARES = rules.Shares(households=60, public_posts=20, collective=20)


async def seed_plan(session: AsyncSession, households: list[DemoHousehold]) -> int:
    """阿斯尔嘎查's plan from the photovoltaic station's 2025 income, drafted and published by its village
    official eight days ago (the week's notice has run), for a township or banner official to approve."""
    if (await session.exec(select(DividendPlan).where(DividendPlan.made_by == "asier"))).first():
        return 0
    income = (
        await session.exec(
            select(AssetIncome)
            .join(Asset, col(Asset.id) == col(AssetIncome.asset_id))
            .where(Asset.name == PLAN_SOURCE, AssetIncome.year == 2025)
        )
    ).first()
    if income is None or not households:
        return 0
    parts, split = rules.split_dividend(
        income.amount_fen, PLAN_SHARES, [(h.number, h.id) for h in households]
    )
    heads = {h.id: h.head_name for h in households}
    posted = datetime.now(UTC) - timedelta(days=rules.PLAN_NOTICE_DAYS + 1)
    plan = DividendPlan(
        year=2025,
        region_code=ASIER,
        total_fen=income.amount_fen,
        households_pct=PLAN_SHARES.households,
        public_posts_pct=PLAN_SHARES.public_posts,
        collective_pct=PLAN_SHARES.collective,
        households_fen=parts.households_fen,
        public_posts_fen=parts.public_posts_fen,
        collective_fen=parts.collective_fen,
        categories=PLAN_CATEGORIES,
        income_id=income.id,
        status=PlanStatus.in_notice,
        made_by="asier",
        made_role="village_official",
        published_by="asier",
        notice_posted_at=posted,
        notice_until=rules.plan_notice_until(posted, None),
        created_at=posted - timedelta(hours=2),
        updated_at=posted,
    )
    session.add(plan)
    await session.flush()
    lines = [
        DividendLine(
            plan_id=plan.id, household_id=h, household_no=number, payee_name=heads[h], amount_fen=fen
        )
        for (number, h), fen in split
        if fen > 0
    ]
    session.add_all(lines)
    await session.flush()
    return 1 + len(lines)


async def _seed_consumption(session: AsyncSession) -> int:
    """The catalogue's decisions (two products pass all four checks, the licorice fails on benefit) and
    the certified products' sales by channel."""
    products = {
        p.certificate_no: p
        for p in await session.exec(select(Product).where(col(Product.certificate_no).startswith("HJQ-FP-")))
    }
    if (
        not products
        or (await session.exec(select(ProductCheck.id).where(ProductCheck.decided_by == DEMO))).first()
    ):
        return 0
    cashmere, mutton, licorice = (products[f"HJQ-FP-{n}"] for n in ("2025-001", "2025-002", "2024-003"))
    notes = {
        CertificationCheck.quality: "第三方检测合格",
        CertificationCheck.price: "价格不高于同类产品市场均价",
        CertificationCheck.integrity: "无失信记录",
        CertificationCheck.benefit: "带动脱贫户、监测户稳定增收",
    }
    rows: list[object] = [
        ProductCheck(
            product_id=product.id,
            check=check,
            passed=True,
            note=note,
            decided_by=DEMO,
            decided_role=Role.banner_official,
            decided_at=_at(product.certified_on),
        )
        for product in (cashmere, mutton)
        for check, note in notes.items()
    ]
    rows += [
        ProductCheck(
            product_id=licorice.id,
            check=check,
            passed=check != CertificationCheck.benefit,
            note="联结农牧户不足 5 户，带贫效益未达认定条件" if check == CertificationCheck.benefit else note,
            decided_by=DEMO,
            decided_role=Role.banner_official,
            decided_at=_at(licorice.certified_on),
        )
        for check, note in notes.items()
    ]
    sales = [
        (cashmere, SalesChannel.enterprise_purchase, date(2025, 11, 12), 120_000, "鄂尔多斯羊绒制品厂"),
        (cashmere, SalesChannel.ecommerce, date(2026, 3, 8), 45_600, None),
        (cashmere, SalesChannel.hall, date(2026, 6, 18), 18_300, None),
        (mutton, SalesChannel.counter, date(2025, 12, 20), 8_600, "杭锦旗人民医院"),
        (mutton, SalesChannel.zone, date(2026, 1, 15), 15_200, "锡尼镇超市消费扶贫专区"),
        (mutton, SalesChannel.hall, date(2026, 2, 1), 23_800, None),
        (mutton, SalesChannel.ecommerce, date(2026, 9, 10), 31_500, None),
        (mutton, SalesChannel.enterprise_purchase, date(2026, 9, 25), 56_000, "旗直机关食堂"),
    ]
    rows += [
        Sale(
            product_id=product.id,
            region_code=product.region_code,
            channel=channel,
            sold_on=sold_on,
            amount_fen=yuan * YUAN,
            buyer=buyer,
            created_by=DEMO,
        )
        for product, channel, sold_on, yuan, buyer in sales
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def _seed_partnerships(session: AsyncSession) -> int:
    """Four 百企兴百村 pairs: one has delivered everything, the others part, one little and late."""
    if (await session.exec(select(Partnership.id).where(Partnership.created_by == DEMO))).first():
        return 0
    enterprises = [
        Entity(
            name="杭锦旗恒源牧业有限公司",
            kind=EntityKind.enterprise,
            region_code=XINI,
            credit_code="91150625MA0HJ0003Q",
            contact="锡尼镇工业园区",
        ),
        Entity(
            name="鄂尔多斯市草原情食品有限公司",
            kind=EntityKind.enterprise,
            region_code=BALAGONG,
            credit_code="91150600MA0HJ0004L",
            contact="巴拉贡镇",
        ),
        Entity(
            name="杭锦旗库布其沙产业有限公司",
            kind=EntityKind.enterprise,
            region_code=XINI,
            credit_code="91150625MA0HJ0005Y",
            contact="锡尼镇",
        ),
    ]
    session.add_all(enterprises)
    await session.flush()
    hengyuan, caoyuan, kubuqi = enterprises
    # (enterprise, village, signed, [(kind, promised, due, delivered amounts with dates)])
    plans = [
        (
            hengyuan,
            ASIER,
            date(2025, 3, 1),
            [
                (
                    CommitmentKind.investment,
                    500_000 * YUAN,
                    date(2025, 12, 31),
                    [(500_000 * YUAN, date(2025, 9, 30))],
                ),
                (
                    CommitmentKind.jobs,
                    12,
                    date(2025, 12, 31),
                    [(8, date(2025, 6, 1)), (4, date(2025, 10, 1))],
                ),
            ],
        ),
        (
            kubuqi,
            BAYIN,
            date(2025, 5, 10),
            [
                (
                    CommitmentKind.purchases,
                    300_000 * YUAN,
                    date(2026, 10, 31),
                    [(180_000 * YUAN, date(2026, 9, 30))],
                ),
                (
                    CommitmentKind.donations,
                    50_000 * YUAN,
                    date(2025, 12, 31),
                    [(50_000 * YUAN, date(2025, 11, 20))],
                ),
                (CommitmentKind.jobs, 6, date(2026, 6, 30), [(3, date(2026, 4, 1))]),
            ],
        ),
        (
            caoyuan,
            BALAGONG_VILLAGE,
            date(2025, 4, 15),
            [
                (
                    CommitmentKind.purchases,
                    800_000 * YUAN,
                    date(2026, 12, 31),
                    [(600_000 * YUAN, date(2026, 11, 15))],
                ),
                (CommitmentKind.jobs, 20, date(2026, 12, 31), [(15, date(2026, 5, 1))]),
            ],
        ),
        (
            hengyuan,
            WULAN,
            date(2026, 1, 20),
            [
                (
                    CommitmentKind.investment,
                    1_200_000 * YUAN,
                    date(2026, 9, 30),
                    [(200_000 * YUAN, date(2026, 7, 1))],
                ),
                (CommitmentKind.donations, 30_000 * YUAN, date(2026, 6, 30), []),
            ],
        ),
    ]
    rows = 0
    for enterprise, village, signed_on, commitments in plans:
        partnership = Partnership(
            enterprise_id=enterprise.id, region_code=village, signed_on=signed_on, created_by=DEMO
        )
        session.add(partnership)
        await session.flush()
        for kind, amount, due_on, deliveries in commitments:
            commitment = Commitment(partnership_id=partnership.id, kind=kind, amount=amount, due_on=due_on)
            session.add(commitment)
            await session.flush()
            session.add_all(
                Delivery(
                    partnership_id=partnership.id,
                    commitment_id=commitment.id,
                    amount=delivered,
                    delivered_on=on,
                    evidence=f"{kind.label}兑现凭证（{on.isoformat()}）：合同、转账回单或用工花名册存档",
                    members=[],
                    created_by=DEMO,
                )
                for delivered, on in deliveries
            )
            rows += 1 + len(deliveries)
        rows += 1
    await session.flush()
    return len(enterprises) + rows


# (name, region, implementer, content, {year: [(source, yuan, allocated_on)]}, targets)
# A target: (kind, indicator, unit, comparison, target, value reached or None).
PROJECTS = [
    (
        "阿斯尔嘎查肉羊养殖棚圈建设项目",
        ASIER,
        "阿斯尔嘎查股份经济合作社",
        "新建标准化棚圈 10 座",
        2025,
        [
            (FundingSource.central, 1_200_000, date(2025, 3, 10)),
            (FundingSource.banner_special, 300_000, date(2025, 4, 1)),
        ],
        [
            (IndicatorKind.output, "新建标准化棚圈", "座", Comparison.at_least, 10, 10),
            (IndicatorKind.benefit, "带动脱贫户增收", "户", Comparison.at_least, 35, 38),
        ],
    ),
    (
        "巴音乌素嘎查饲草料基地项目",
        BAYIN,
        "巴音乌素嘎查股份经济合作社",
        "建设饲草料基地 800 亩",
        2025,
        [
            (FundingSource.autonomous_region, 650_000, date(2025, 4, 20)),
            (FundingSource.banner_special, 250_000, date(2025, 5, 6)),
        ],
        [
            (IndicatorKind.output, "饲草料基地面积", "亩", Comparison.at_least, 800, 760),
            (IndicatorKind.benefit, "受益农牧户", "户", Comparison.at_least, 60, 64),
        ],
    ),
    (
        "锡尼镇智慧农贸市场冷链项目",
        XINI,
        "鄂尔多斯天牧朔方农牧业有限公司",
        "冷库及冷链配送设施",
        2025,
        [
            (FundingSource.banner_special, 2_000_000, date(2025, 5, 20)),
            (FundingSource.city, 400_000, date(2025, 6, 3)),
        ],
        [
            (IndicatorKind.output, "冷库库容", "吨", Comparison.at_least, 500, 500),
            (IndicatorKind.benefit, "单位冷藏成本", "元/吨", Comparison.at_most, 120, 110),
        ],
    ),
    (
        "巴拉贡村人畜饮水巩固提升工程",
        BALAGONG_VILLAGE,
        "杭锦旗水利事业发展中心",
        "新打机电井 4 眼，铺设管网 6 公里",
        2025,
        [
            (FundingSource.central, 900_000, date(2025, 3, 28)),
            (FundingSource.social, 100_000, date(2025, 7, 1)),
        ],
        [
            (IndicatorKind.output, "新打机电井", "眼", Comparison.at_least, 4, 4),
            (IndicatorKind.benefit, "饮水安全保障人口", "人", Comparison.at_least, 420, 435),
        ],
    ),
    (
        "阿斯尔嘎查绒山羊良种繁育项目",
        ASIER,
        "杭锦旗阿斯尔绒山羊养殖专业合作社",
        "引进优质种公羊 200 只",
        2026,
        [
            (FundingSource.central, 1_500_000, date(2026, 3, 12)),
            (FundingSource.banner_special, 600_000, date(2026, 4, 8)),
        ],
        [
            (IndicatorKind.output, "引进种公羊", "只", Comparison.at_least, 200, 200),
            (IndicatorKind.benefit, "带动养殖户", "户", Comparison.at_least, 80, 71),
        ],
    ),
    (
        "乌兰敖包嘎查光伏提水项目",
        WULAN,
        "乌兰敖包嘎查村民委员会",
        "光伏提水设施 12 套",
        2026,
        [
            (FundingSource.autonomous_region, 480_000, date(2026, 4, 16)),
            (FundingSource.banner_special, 320_000, date(2026, 5, 9)),
        ],
        [
            (IndicatorKind.output, "光伏提水设施", "套", Comparison.at_least, 12, 12),
            (IndicatorKind.benefit, "受益草场面积", "亩", Comparison.at_least, 15_000, None),
        ],
    ),
    (
        "锡尼镇消费帮扶专馆建设项目",
        XINI,
        "锡尼镇人民政府",
        "消费帮扶专馆 1 处及配套电商直播间",
        2026,
        [
            (FundingSource.banner_special, 1_900_000, date(2026, 5, 18)),
            (FundingSource.city, 300_000, date(2026, 6, 2)),
        ],
        [
            (IndicatorKind.output, "专馆建筑面积", "平方米", Comparison.at_least, 600, 620),
            (IndicatorKind.benefit, "年销售扶贫产品", "万元", Comparison.at_least, 300, None),
        ],
    ),
    (
        "全旗防返贫监测信息化项目",
        BANNER,
        "杭锦旗乡村振兴局",
        "监测预警平台及移动端采集",
        2026,
        [
            (FundingSource.banner_special, 180_000, date(2026, 3, 30)),
            (FundingSource.social, 120_000, date(2026, 8, 1)),
        ],
        [
            (IndicatorKind.output, "覆盖嘎查村", "个", Comparison.at_least, 88, 88),
            (IndicatorKind.benefit, "风险发现到认定平均天数", "天", Comparison.at_most, 15, 12),
        ],
    ),
]


async def _seed_allocations(session: AsyncSession) -> int:
    """Two years of money put in: the banner's special fund 2,550,000 yuan in 2025 and 3,000,000 in 2026
    (not lower, honestly), central and regional money alongside, targets mostly met; the 2025 allocations
    published at the three levels."""
    if (await session.exec(select(Allocation.id).where(Allocation.created_by == DEMO))).first():
        return 0
    rows = 0
    for name, region_code, implementer, content, year, money, targets in PROJECTS:
        project = FundProject(
            name=name,
            region_code=region_code,
            year=year,
            implementer=implementer,
            content=content,
            timeline=f"{year}年3月至{year}年10月",
            created_by=DEMO,
        )
        session.add(project)
        await session.flush()
        session.add_all(
            Allocation(
                project_id=project.id,
                region_code=region_code,
                year=year,
                source=source,
                amount_fen=yuan * YUAN,
                allocated_on=on,
                document_no=f"杭财农〔{year}〕{index + 11}号",
                created_by=DEMO,
            )
            for index, (source, yuan, on) in enumerate(money)
        )
        session.add_all(
            PerformanceTarget(
                project_id=project.id,
                kind=kind,
                indicator=indicator,
                unit=unit,
                comparison=comparison,
                target_value=target,
                actual_value=reached,
                recorded_on=date(year, 11, 30) if reached is not None else None,
                recorded_by=DEMO if reached is not None else None,
            )
            for kind, indicator, unit, comparison, target, reached in targets
        )
        rows += 1 + len(money) + len(targets)
    await session.flush()
    banner = Principal(subject=DEMO, role=Role.banner_official, region=BANNER)
    notices = await supervision.generate_notices(
        session, principal=banner, data=NoticeGeneration(year=2025, posted_on=date(2025, 8, 1))
    )
    return rows + len(notices.items)
