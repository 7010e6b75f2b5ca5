"""Calls to the registry from the other services: reads carry the caller's token, so the registry applies the
caller's scope; a category change carries the calling service's own token (it is sent by the outbox).

One pooled `httpx.AsyncClient` per process, opened in the service's lifespan (or injected by tests). A service
that holds households as its own model subclasses `RegistryClient[Model]` and overrides `read`.
"""

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any, Generic, TypeVar

import httpx

from shared.errors import Forbidden, Unavailable
from shared.service_auth import TokenSource
from shared.vocabulary.households import StreamMembers

TIMEOUT = httpx.Timeout(30.0, connect=3.0)
# The bulk stream's first lines come once the registry's one query has grouped and sorted a whole banner.
STREAM_TIMEOUT = httpx.Timeout(300.0, connect=3.0)
LOOKUP_LIMIT = 1000  # the registry's bulk lookup takes up to 1000 ids or ID numbers per request
UNAVAILABLE = "户籍服务暂不可用"

Household = dict[str, Any]
H = TypeVar("H")


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _chunks(values: list[str]) -> Iterable[list[str]]:
    return (values[start : start + LOOKUP_LIMIT] for start in range(0, len(values), LOOKUP_LIMIT))


def _refuse_failure(response: httpx.Response) -> None:
    """A refused read refuses the caller (403); an outage is `Unavailable` (503)."""
    if response.status_code in (401, 403):
        raise Forbidden("户籍服务拒绝了此次读取")
    if response.status_code >= 500:
        raise Unavailable(f"{UNAVAILABLE}（{response.status_code}）")


class RegistryClient(Generic[H]):
    """The registry's REST API as the services call it: bulk lookup, the NDJSON stream, regions, and the
    category changes the monitoring procedure causes."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, *, credentials: TokenSource | None = None):
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials

    def read(self, household: Household) -> H:
        """A looked-up household as the service holds it: the registry's JSON, unless a subclass reads it."""
        return household  # type: ignore[return-value]

    async def _send(self, method: str, path: str, *, token: str, **kwargs: Any) -> httpx.Response:
        """A read as the caller."""
        try:
            response = await self.client.request(
                method, self.base_url + path, headers=_bearer(token), timeout=TIMEOUT, **kwargs
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"{UNAVAILABLE}：{type(exc).__name__}") from None
        _refuse_failure(response)
        return response

    async def lookup(
        self, household_ids: Iterable[uuid.UUID] = (), *, token: str, id_numbers: Iterable[str] = ()
    ) -> list[H]:
        """Households the caller may see, by id or by a member's ID number, 1000 a request; a household
        matched by ID numbers in two requests comes once from each, with that request's `matched` members."""
        ids = [{"household_ids": c} for c in _chunks(list(dict.fromkeys(str(i) for i in household_ids)))]
        numbers = [{"id_numbers": c} for c in _chunks(list(dict.fromkeys(id_numbers)))]
        found: list[H] = []
        for body in ids + numbers:
            response = await self._send("POST", "/api/v1/households/lookup", token=token, json=body)
            if response.status_code != 200:
                raise Unavailable(f"户籍服务返回 {response.status_code}")
            found.extend(self.read(item) for item in response.json()["items"])
        return found

    async def household(self, household_id: uuid.UUID, *, token: str) -> H | None:
        """One household, or None when the registry does not show it to the caller."""
        found = await self.lookup([household_id], token=token)
        return found[0] if found else None

    async def region(self, code: str, *, token: str) -> dict[str, Any] | None:
        """A region with everything under it, or None when the caller cannot see it."""
        response = await self._send("GET", f"/api/v1/regions/{code}", token=token)
        if response.status_code != 200:
            return None
        region: dict[str, Any] = response.json()
        return region

    async def is_village(self, code: str, *, token: str) -> bool:
        region = await self.region(code, token=token)
        return region is not None and region.get("tier") == "village"

    async def region_name(self, code: str, *, token: str) -> str:
        """A region's name as the pages say it, or its code when the registry cannot say (a message still
        names the place)."""
        region = await self.region(code, token=token)
        return str(region["name"]) if region else code

    async def region_names(self, code: str, *, token: str) -> dict[str, str]:
        """Names of a region and everything under it (one request), for notices."""
        names: dict[str, str] = {}
        stack = [region] if (region := await self.region(code, token=token)) else []
        while stack:
            node = stack.pop()
            names[node["code"]] = node["name"]
            stack.extend(node.get("children", []))
        return names

    async def stream(
        self,
        *,
        region: str,
        categories: Iterable[str],
        token: str,
        school: bool = False,
        school_age_in: int | None = None,
        with_account: bool = False,
        members: StreamMembers = StreamMembers.all,
        with_income: bool = False,
    ) -> AsyncIterator[Household]:
        """Every household of `categories` in `region` the caller may see, from the registry's NDJSON bulk
        read (`GET /api/v1/households/stream`): the head, the payee account, members' school stages; with
        `school`, only households with a member in school and only those members; with `school_age_in`,
        only those with a member 6–15 on 1 September of that year and only those members; with
        `with_account`, the account number too (payments' own client); `members` narrows which members (and
        so which households) come (`StreamMembers`); with `with_income`, the latest per-capita income."""
        params: dict[str, Any] = {
            "region": region,
            "category": sorted(categories),
            "school": school,
            "with_account": with_account,
            "members": str(members),
            "with_income": with_income,
        }
        if school_age_in is not None:
            params["school_age_in"] = school_age_in
        url = self.base_url + "/api/v1/households/stream"
        try:
            async with self.client.stream(
                "GET", url, params=params, headers=_bearer(token), timeout=STREAM_TIMEOUT
            ) as response:
                _refuse_failure(response)
                if response.status_code != 200:
                    raise Unavailable(f"户籍服务返回 {response.status_code}")
                rest = b""
                async for chunk in response.aiter_bytes():
                    # Split the bytes as they come (the registry sends a page of lines per chunk): no text
                    # decoding of the whole body, no line iterator between the socket and the parser.
                    *lines, rest = (rest + chunk).split(b"\n")
                    for line in lines:
                        if line:
                            yield json.loads(line)
                if rest.strip():
                    yield json.loads(rest)
        except httpx.TransportError as exc:
            raise Unavailable(f"{UNAVAILABLE}：{type(exc).__name__}") from None

    async def _send_own(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """A write as this service (its own credentials); transport errors propagate as httpx errors, for
        the outbox to retry."""
        if self.credentials is None:
            raise RuntimeError("a change to the registry is sent with this service's own credentials")
        token = await self.credentials.token()
        return await self.client.request(
            method,
            self.base_url + path,
            json=body,
            headers={**_bearer(token), **(headers or {})},
            timeout=TIMEOUT,
        )

    async def change_category(
        self, *, household_id: str, category: str, reason: str, effective_date: str, idempotency_key: str
    ) -> httpx.Response:
        """Post a category change as this service; the idempotency key makes a repeat harmless."""
        return await self._send_own(
            "POST",
            f"/api/v1/households/{household_id}/category-changes",
            {"category": category, "reason": reason, "effective_date": effective_date},
            {"Idempotency-Key": idempotency_key},
        )

    async def set_guarantees(self, *, household_id: str, findings: dict[str, Any]) -> httpx.Response:
        """Put a visit's 三保障 and water findings as this service; the same flags again change nothing."""
        return await self._send_own("PUT", f"/api/v1/households/{household_id}/guarantees", findings)

    async def set_member_flags(self, *, source: str, items: list[dict[str, Any]]) -> httpx.Response:
        """Set the members' flags a department's list states, as this service; a repeat changes nothing."""
        return await self._send_own(
            "POST", "/api/v1/households/members/flags", {"source": source, "items": items}
        )
