"""`Idempotency-Key` digests: a request as understood, so a retry with the same body is known again and a
key reused with another body is refused."""

import hashlib
import json

from pydantic import BaseModel


def request_hash(body: BaseModel) -> str:
    """A digest of the request as understood (canonical JSON), so key order and spacing do not matter."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
