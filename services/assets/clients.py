"""Calls to the other services: the registry (households to pay) and payments (dividend batches).

One pooled `httpx.AsyncClient` per process, opened in the lifespan. Reads on behalf of a user carry
the user's own token, so the registry applies the user's scope; background handovers carry this
service's own token (`svc-assets`).
"""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from shared.errors import Unavailable

REGISTRY_PAGE_SIZE = 200  # the registry's largest page
LOOKUP_CHUNK = 1000  # the registry's bulk lookup takes up to 1000 ids


@dataclass(frozen=True)
class Payee:
    household_id: uuid.UUID
    name: str


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class RegistryClient:
    """The registry's household reads the assets service needs."""

    def __init__(self, http: httpx.AsyncClient, base_url: str):
        self.http, self.base_url = http, base_url.rstrip("/")

    async def _get(self, path: str, *, token: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self.http.get(self.base_url + path, params=params, headers=_bearer(token))
        except httpx.HTTPError as exc:
            raise Unavailable(f"户籍服务暂不可用：{type(exc).__name__}") from None
        if response.status_code != 200:
            raise Unavailable(f"户籍服务返回 {response.status_code}")
        body: dict[str, Any] = response.json()
        return body

    async def payees(self, *, token: str, village: str, categories: list[str]) -> list[Payee]:
        """Every household of `village` in `categories`, with its head's name as the payee.

        Pages through `GET /api/v1/households` (200 a page, one category at a time): fine for villages
        of a few hundred households; a province-scale run would want the registry's streamed bulk read.
        """
        payees: dict[uuid.UUID, Payee] = {}
        for category in categories:
            page = 1
            while True:
                body = await self._get(
                    "/api/v1/households",
                    token=token,
                    params={
                        "region": village,
                        "category": category,
                        "page": page,
                        "page_size": REGISTRY_PAGE_SIZE,
                    },
                )
                for item in body["items"]:
                    household_id = uuid.UUID(item["id"])
                    payees[household_id] = Payee(household_id, item["head_name"])
                if page * REGISTRY_PAGE_SIZE >= body["total"] or not body["items"]:
                    break
                page += 1
        return list(payees.values())

    async def known_households(self, *, token: str, household_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these households exist within the caller's scope (one bulk lookup per 1000 ids)."""
        found: set[uuid.UUID] = set()
        for start in range(0, len(household_ids), LOOKUP_CHUNK):
            chunk = [str(h) for h in household_ids[start : start + LOOKUP_CHUNK]]
            try:
                response = await self.http.post(
                    self.base_url + "/api/v1/households/lookup",
                    json={"household_ids": chunk},
                    headers=_bearer(token),
                )
            except httpx.HTTPError as exc:
                raise Unavailable(f"户籍服务暂不可用：{type(exc).__name__}") from None
            if response.status_code != 200:
                raise Unavailable(f"户籍服务返回 {response.status_code}")
            found |= {uuid.UUID(item["id"]) for item in response.json()["items"]}
        return found


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
