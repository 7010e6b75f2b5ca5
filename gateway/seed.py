"""Demo accounts, created only by the demo seed (`make run`), never by migrations; idempotent."""

import hashlib
import hmac
from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import ApiClient, Assignment, User
from gateway.passwords import hash_secret
from shared.regions import BANNER_CODE
from shared.roles import Role
from shared.service_auth import service_client_id, service_client_secret
from shared.settings import SERVICES, Settings
from shared.vocabulary.people import AssignmentKind

DEMO_PASSWORD = "hangjin-demo"
# The agent bank's system under `make run`: the bank simulator signs in as this client.
DEMO_BANK_CLIENT_ID = "demo-bank"

# (username, role, region, what the account shows)
DEMO_USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("admin", Role.banner_admin, "150625", "旗级管理员"),
    ("banner", Role.banner_official, "150625", "旗乡村振兴局干部"),
    ("banner2", Role.banner_official, "150625", "旗乡村振兴局干部（复核）"),
    ("xini", Role.township_official, "150625100", "锡尼镇干部"),
    ("asier", Role.village_official, "150625100201", "阿斯尔嘎查两委"),
    ("asier-team", Role.work_team, "150625100201", "阿斯尔嘎查驻村工作队"),
    ("bayin", Role.village_official, "150625100202", "巴音乌素嘎查两委"),
    ("wulan-secretary", Role.work_team, "150625100203", "乌兰敖包嘎查第一书记"),
    ("wulan-team", Role.work_team, "150625100203", "乌兰敖包嘎查驻村工作队"),
    ("xibu-secretary", Role.work_team, "150625100204", "锡尼布拉格嘎查第一书记"),
    ("minzheng", Role.department_officer, "150625", "旗民政局"),
    ("audit", Role.auditor, "150625", "旗审计局"),
)

# The officials' own names (synthetic), as the pages and the assessment show them.
DEMO_NAMES = {
    "admin": "王建国",
    "banner": "李红梅",
    "banner2": "张志强",
    "xini": "刘海军",
    "asier": "巴特尔",
    "asier-team": "赵文静",
    "bayin": "其木格",
    "wulan-secretary": "高建华",
    "wulan-team": "乌日娜",
    "xibu-secretary": "马文斌",
    "minzheng": "孙立新",
    "audit": "陈静",
}


# Who the banner sent where (username, kind, village, 派出单位, visits owed a month per followed household),
# for a term from March of last year to February of next. A village has one 第一书记 at a time, so 阿斯尔嘎查
# and 巴音乌素嘎查 are left without one: there a new one can be sent (the browser and e2e tests do).
DEMO_ASSIGNMENTS: tuple[tuple[str, AssignmentKind, str, str, int], ...] = (
    ("asier-team", AssignmentKind.work_team, "150625100201", "旗乡村振兴局", 1),
    ("wulan-secretary", AssignmentKind.first_secretary, "150625100203", "旗财政局", 2),
    ("wulan-team", AssignmentKind.work_team, "150625100203", "旗农牧局", 1),
    ("xibu-secretary", AssignmentKind.first_secretary, "150625100204", "旗教育体育局", 1),
)


async def seed_users(session: AsyncSession) -> int:
    """Add the demo accounts that do not exist yet, and name those without a name; returns how many were
    added."""
    existing = {user.username: user for user in await session.exec(select(User))}
    demo_hash = hash_secret(DEMO_PASSWORD)  # the accounts share one demo password, so one hash serves all
    added = [
        User(
            username=name,
            password_hash=demo_hash,
            role=role,
            region=region,
            department=label,
            display_name=DEMO_NAMES[name],
        )
        for name, role, region, label in DEMO_USERS
        if name not in existing
    ]
    for name, user in existing.items():
        if name in DEMO_NAMES and user.display_name is None:
            user.display_name = DEMO_NAMES[name]
            session.add(user)
    session.add_all(added)
    await session.flush()
    return len(added)


async def seed_assignments(session: AsyncSession) -> int:
    """Send the demo work teams and 第一书记 to their villages, each once; returns how many were added."""
    year = date.today().year
    existing = {(a.username, a.kind, a.village_code) for a in await session.exec(select(Assignment))}
    added = [
        Assignment(
            username=username,
            kind=kind,
            village_code=village,
            dispatching_unit=unit,
            starts_on=date(year - 1, 3, 1),
            ends_on=date(year + 1, 3, 1) - timedelta(days=1),
            visits_per_month=visits,
            created_by="admin",
        )
        for username, kind, village, unit, visits in DEMO_ASSIGNMENTS
        if (username, kind, village) not in existing
    ]
    session.add_all(added)
    await session.flush()
    return len(added)


async def ensure_service_clients(session: AsyncSession, settings: Settings) -> int:
    """Register (or re-key and re-role) the services' own API clients, role `service` at the banner.

    Not demo data: `make run`, the tests and the deployment's migration Job all run it.
    """
    count = 0
    for process in SERVICES:
        client_id = service_client_id(process)
        secret_hash = hash_secret(service_client_secret(settings, process))
        client = (await session.exec(select(ApiClient).where(ApiClient.client_id == client_id))).first()
        if client is None:
            client = ApiClient(
                client_id=client_id,
                name=f"{process} service",
                secret_hash=secret_hash,
                role=Role.service,
                region=BANNER_CODE,
            )
            count += 1
        else:
            client.secret_hash, client.role, client.region = secret_hash, Role.service, BANNER_CODE
        session.add(client)
    await session.flush()
    return count


def demo_bank_client_secret(settings: Settings) -> str:
    """The demo bank client's secret, derived like the service clients' so `make run` needs none stored."""
    key = settings.service_clients_secret.encode()
    return hmac.new(key, f"demo-bank-client:{DEMO_BANK_CLIENT_ID}".encode(), hashlib.sha256).hexdigest()


async def seed_demo_bank_client(session: AsyncSession, *, settings: Settings) -> int:
    """The demo agent bank (role bank, whole banner) the bank simulator signs in as; returns 1 if added."""
    secret_hash = hash_secret(demo_bank_client_secret(settings))
    client = (await session.exec(select(ApiClient).where(ApiClient.client_id == DEMO_BANK_CLIENT_ID))).first()
    added = client is None
    if client is None:
        client = ApiClient(
            client_id=DEMO_BANK_CLIENT_ID,
            name="代理银行（模拟）",
            secret_hash=secret_hash,
            role=Role.bank,
            region=BANNER_CODE,
        )
    else:
        client.secret_hash = secret_hash  # re-keyed when SERVICE_CLIENTS_SECRET changes
    session.add(client)
    await session.flush()
    return int(added)
