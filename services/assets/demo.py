"""Demo data for `make run`: a few assets, entities, products and fund investments in 锡尼镇, with
incomes that leave room for a dividend plan. Loading is idempotent (nothing is added twice)."""

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.assets.models import (
    INDUSTRY_FUND_ID,
    Asset,
    AssetIncome,
    AssetStatusChange,
    Entity,
    Investment,
    Product,
    Repayment,
)
from shared.vocabulary.assets import AssetClass, AssetStatus, EntityKind, FundingSource

DEMO = "demo-seed"
ASIER, BAYIN, WULAN, XINI = "150625100201", "150625100202", "150625100203", "150625100"


async def seed_assets(session: AsyncSession) -> int:
    """Add the demo assets and what goes with them unless they are there; returns the rows added."""
    if (await session.exec(select(Asset.id).where(Asset.created_by == DEMO))).first() is not None:
        return 0
    coop = Entity(
        name="杭锦旗阿斯尔绒山羊养殖专业合作社",
        kind=EntityKind.cooperative,
        region_code=ASIER,
        credit_code="93150625MA0DEMO001",
        contact="巴特尔 139****5678",
    )
    firm = Entity(
        name="鄂尔多斯天牧朔方农牧业有限公司",
        kind=EntityKind.leading_enterprise,
        region_code=XINI,
        credit_code="91150625MA0DEMO002",
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
            project="智慧农贸市场建设（seed §五(三)3）",
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
