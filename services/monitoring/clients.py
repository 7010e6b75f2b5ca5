"""Calls to the registry: reads on behalf of the caller (its token, so its scope), and the category change
a confirmation causes, sent by the outbox with this service's own token."""

import uuid
from collections.abc import Sequence
from datetime import date

import httpx
from pydantic import BaseModel

from shared.errors import Forbidden, Unavailable
from shared.service_auth import ServiceCredentials

TIMEOUT = httpx.Timeout(15.0, connect=3.0)
LOOKUP_LIMIT = 1000  # the registry's bulk read takes up to 1000 ids or ID numbers per call


class RegistryMember(BaseModel):
    id: uuid.UUID
    name: str
    id_masked: str
    relation: str
    birth_date: date | None = None  # only for roles that see full ID numbers (the registry shows `age`)
    labour_ability: str
    matched: bool


class RegistryHousehold(BaseModel):
    """What monitoring needs of a household (the registry's `HouseholdBrief`, IDs masked)."""

    id: uuid.UUID
    number: str
    region_code: str
    category: str
    head_name: str
    income_per_capita_fen: int | None
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    members: list[RegistryMember]

    @property
    def has_labour(self) -> bool:
        """At least one member can work (full or partial labour ability)."""
        return any(m.labour_ability != "none" for m in self.members)


class _Lookup(BaseModel):
    items: list[RegistryHousehold]


class RegistryClient:
    """The registry's REST API, as monitoring uses it."""

    def __init__(self, base_url: str, client: httpx.AsyncClient, credentials: ServiceCredentials):
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.credentials = credentials

    async def _send(self, method: str, path: str, *, token: str, **kwargs: object) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        headers.update(kwargs.pop("headers", None) or {})  # type: ignore[arg-type]
        try:
            response = await self.client.request(
                method,
                self.base_url + path,
                headers=headers,
                timeout=TIMEOUT,
                **kwargs,  # type: ignore[arg-type]
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"登记服务暂不可用：{type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise Forbidden("登记服务拒绝了此次读取")
        if response.status_code >= 500:
            raise Unavailable(f"登记服务暂不可用：{response.status_code}")
        return response

    async def lookup(
        self, *, token: str, household_ids: Sequence[uuid.UUID] = (), id_numbers: Sequence[str] = ()
    ) -> list[RegistryHousehold]:
        """Households visible to the token's holder, by id or by a member's ID number (≤ 1000 each)."""
        body = {"household_ids": [str(i) for i in household_ids], "id_numbers": list(id_numbers)}
        response = await self._send("POST", "/api/v1/households/lookup", token=token, json=body)
        response.raise_for_status()
        return _Lookup.model_validate(response.json()).items

    async def household(self, *, token: str, household_id: uuid.UUID) -> RegistryHousehold | None:
        found = await self.lookup(token=token, household_ids=[household_id])
        return found[0] if found else None

    async def is_village(self, *, token: str, code: str) -> bool:
        response = await self._send("GET", f"/api/v1/regions/{code}", token=token)
        return response.status_code == 200 and response.json().get("tier") == "village"

    async def change_category(
        self, *, household_id: str, category: str, reason: str, effective_date: str, idempotency_key: str
    ) -> httpx.Response:
        """Post a category change as this service; the idempotency key makes a repeat harmless.

        Transport errors propagate as httpx errors, for the outbox to retry.
        """
        token = await self.credentials.token()
        return await self.client.post(
            f"{self.base_url}/api/v1/households/{household_id}/category-changes",
            json={"category": category, "reason": reason, "effective_date": effective_date},
            headers={"authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key},
            timeout=TIMEOUT,
        )
