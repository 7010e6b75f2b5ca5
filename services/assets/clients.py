"""Calls to payments (dividend batches); the registry's calls are the kernel's (`shared.registry_client`).

One pooled `httpx.AsyncClient` per process, opened in the lifespan. Background handovers carry this
service's own token (`svc-assets`).
"""

from typing import Any

import httpx


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


UNKNOWN = "unknown"


class PaymentsClient:
    """The payments endpoints a dividend plan depends on (the contract is in `dividends.py`)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str):
        self.http, self.base_url = http, base_url.rstrip("/")

    @property
    def dividend_batches_url(self) -> str:
        return self.base_url + "/api/v1/payments/batches/dividends"

    async def hand_over(
        self, *, headers: dict[str, str], idempotency_key: str, payload: dict[str, Any]
    ) -> httpx.Response:
        """POST a dividend batch; transport errors propagate as `httpx.HTTPError`."""
        return await self.http.post(
            self.dividend_batches_url, json=payload, headers={**headers, "Idempotency-Key": idempotency_key}
        )

    async def batch_status(self, *, token: str, batch_id: str) -> str:
        """The batch's status as payments reports it, or `unknown` when payments cannot answer."""
        try:
            response = await self.http.get(
                f"{self.base_url}/api/v1/payments/batches/{batch_id}", headers=_bearer(token)
            )
            if response.status_code == 200:
                return str(response.json().get("status") or UNKNOWN)
        except (httpx.HTTPError, ValueError, AttributeError):
            pass
        return UNKNOWN
