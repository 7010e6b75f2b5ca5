"""Demo data of the payments service (`make run` only, never migrations): the agent bank's webhook endpoint,
pointing at the bank simulator (`python -m deploy.bank_simulator --secret DEMO_BANK_SECRET …`)."""

from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.enums import EndpointStatus
from services.payments.models import WebhookEndpoint

DEMO_BANK_HOST = "127.0.0.1"
DEMO_BANK_PORT = 8009
DEMO_BANK_URL = f"http://{DEMO_BANK_HOST}:{DEMO_BANK_PORT}/instructions"
# Demo only, like the demo passwords: base64 of "hangjin-demo-bank-simulator-key!".
DEMO_BANK_SECRET = "whsec_aGFuZ2ppbi1kZW1vLWJhbmstc2ltdWxhdG9yLWtleSE="


async def seed_bank_endpoint(session: AsyncSession, *, bank_client_id: str) -> int:
    """The simulator as the active endpoint, bound to the demo bank client, unless one exists; returns how
    many were added. As the two demo accounts would have it: proposed by `admin`, approved by `banner`."""
    existing = (await session.exec(select(WebhookEndpoint))).all()
    for endpoint in existing:  # demo databases made before endpoints were bound to a bank client
        if endpoint.url == DEMO_BANK_URL and endpoint.bank_client_id is None:
            endpoint.bank_client_id = bank_client_id
            session.add(endpoint)
    if existing:
        return 0
    session.add(
        WebhookEndpoint(
            url=DEMO_BANK_URL,
            secret=DEMO_BANK_SECRET,
            status=EndpointStatus.active,
            bank_client_id=bank_client_id,
            created_by="admin",
            approved_by="banner",
            approved_at=datetime.now(UTC),
        )
    )
    await session.flush()
    return 1
