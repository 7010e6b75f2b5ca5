"""Demo villages (synthetic names and codes), four or more under each township; loading is idempotent."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import Region
from shared.regions import Tier

DEMO_VILLAGES: dict[str, list[str]] = {
    "150625100": ["阿斯尔嘎查", "巴音乌素嘎查", "乌兰敖包嘎查", "锡尼布拉格嘎查", "图古日格嘎查"],
    "150625101": ["巴拉贡村", "黄河村", "乌兰淖尔嘎查", "新建村"],
    "150625102": ["吉日嘎朗图嘎查", "巴音温都尔嘎查", "布日嘎斯太嘎查", "哈日芒乃嘎查"],
    "150625103": ["独贵塔拉村", "杭锦淖村", "沙日召嘎查", "道图嘎查"],
    "150625104": ["呼和木独村", "吉祥村", "红旗村", "巴音恩格尔嘎查"],
    "150625200": ["伊和乌素嘎查", "苏里格嘎查", "巴音查干嘎查", "乌兰胡硕嘎查"],
}
FOCUS_VILLAGES = {"150625100203", "150625200202"}


def demo_villages() -> list[Region]:
    return [
        Region(
            code=f"{township}{201 + i}",
            name=name,
            tier=Tier.village,
            parent_code=township,
            is_focus=f"{township}{201 + i}" in FOCUS_VILLAGES,
        )
        for township, names in DEMO_VILLAGES.items()
        for i, name in enumerate(names)
    ]


async def seed_villages(session: AsyncSession) -> int:
    """Add the demo villages not yet present; returns how many were added."""
    existing = set((await session.exec(select(Region.code))).all())
    missing = [v for v in demo_villages() if v.code not in existing]
    session.add_all(missing)
    await session.flush()
    return len(missing)
