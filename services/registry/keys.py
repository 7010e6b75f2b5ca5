"""Key rotation for encrypted ID numbers: after a new key is put first in ID_ENCRYPTION_KEYS, rewrite the
rows still sealed under an older key, in batches, so the old key can then be retired."""

from sqlalchemy import not_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.registry.models import Member
from shared.crypto import FieldCipher


async def reencrypt_batch(session: AsyncSession, *, cipher: FieldCipher, batch_size: int = 1000) -> int:
    """Re-seal up to `batch_size` members under the active key; returns how many were rewritten."""
    prefix = cipher.active_key_id + ":"
    rows = (
        await session.exec(
            select(Member.id, Member.id_cipher)
            .where(not_(col(Member.id_cipher).startswith(prefix)))
            .limit(batch_size)
        )
    ).all()
    for member_id, sealed in rows:
        await session.exec(  # type: ignore[call-overload]
            update(Member)
            .where(col(Member.id) == member_id)
            .values(id_cipher=cipher.encrypt(cipher.decrypt(sealed)))
        )
    return len(rows)
