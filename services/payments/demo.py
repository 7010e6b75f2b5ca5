"""Demo data of the payments service (`make run` only, never migrations): the agent bank's webhook endpoint,
pointing at the bank simulator (`python -m deploy.bank_simulator --secret DEMO_BANK_SECRET …`)."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payments.enums import EndpointStatus
from services.payments.models import WebhookEndpoint

DEMO_BANK_PORT = 8009
DEMO_BANK_URL = f"http://127.0.0.1:{DEMO_BANK_PORT}/instructions"
# Demo only, like the demo passwords: base64 of "hangjin-demo-bank-simulator-key!".
DEMO_BANK_SECRET = "whsec_aGFuZ2ppbi1kZW1vLWJhbmstc2ltdWxhdG9yLWtleSE="


async def seed_bank_endpoint(session: AsyncSession) -> int:
    """Register the simulator as the active endpoint unless one exists; returns how many were added."""
    if (await session.exec(select(WebhookEndpoint.id).limit(1))).first() is not None:
        return 0
    session.add(
        WebhookEndpoint(
            url=DEMO_BANK_URL, secret=DEMO_BANK_SECRET, status=EndpointStatus.active, created_by="demo seed"
        )
    )
    await session.flush()
    return 1
