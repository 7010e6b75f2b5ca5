"""Calls to the registry, with the caller's token (the registry applies the caller's scope), and to the
assets service, whose approved dividend plans a handed-over batch is checked against."""

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx

from shared.errors import NotFound, Unavailable

LOOKUP_LIMIT = 1000  # the registry's bulk read takes up to 1000 ids per request
TIMEOUT = httpx.Timeout(30.0, connect=3.0)
# The bulk stream's first lines come once the registry's one query has grouped and sorted a whole banner.
STREAM_TIMEOUT = httpx.Timeout(300.0, connect=3.0)
Household = dict[str, Any]


class RegistryClient:
    """The registry's bulk reads. One pooled client per process, opened in the lifespan (or injected)."""

    def __init__(self, client: httpx.AsyncClient, base_url: str):
        self.client = client
        self.base_url = base_url.rstrip("/")

    async def _call(self, method: str, path: str, *, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        try:
            response = await self.client.request(method, self.base_url + path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable(f"户籍服务暂不可用：{exc!r}") from None
        if response.status_code >= 500:
            raise Unavailable(f"户籍服务暂不可用（{response.status_code}）")
        return response

    async def lookup(self, household_ids: Iterable[uuid.UUID], *, token: str) -> dict[uuid.UUID, Household]:
        """Households (with members) by id, within the caller's scope, up to 1000 per request."""
        wanted = list(dict.fromkeys(household_ids))
        found: dict[uuid.UUID, Household] = {}
        for start in range(0, len(wanted), LOOKUP_LIMIT):
            chunk = [str(i) for i in wanted[start : start + LOOKUP_LIMIT]]
            response = await self._call(
                "POST", "/api/v1/households/lookup", token=token, json={"household_ids": chunk}
            )
            response.raise_for_status()
            for item in response.json()["items"]:
                found[uuid.UUID(item["id"])] = item
        return found

    async def household(self, household_id: uuid.UUID, *, token: str) -> Household:
        """One household in the caller's scope; 404 when the registry does not show it to the caller."""
        found = await self.lookup([household_id], token=token)
        if household_id not in found:
            raise NotFound("household not found")
        return found[household_id]

    async def stream(
        self, *, region: str, categories: Iterable[str], school: bool, token: str
    ) -> AsyncIterator[Household]:
        """Every household of `categories` in `region` the caller may see, from the registry's NDJSON bulk
        read (`GET /api/v1/households/stream`): the head as payee, members' school stages; with `school`,
        only households with a member in school and only those members."""
        params: dict[str, Any] = {"region": region, "category": sorted(categories), "school": school}
        headers = {"authorization": f"Bearer {token}"}
        url = self.base_url + "/api/v1/households/stream"
        try:
            async with self.client.stream(
                "GET", url, params=params, headers=headers, timeout=STREAM_TIMEOUT
            ) as response:
                if response.status_code >= 500:
                    raise Unavailable(f"户籍服务暂不可用（{response.status_code}）")
                if response.status_code != 200:
                    await response.aread()
                    response.raise_for_status()
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
            raise Unavailable(f"户籍服务暂不可用：{exc!r}") from None

    async def region_names(self, code: str, *, token: str) -> dict[str, str]:
        """Names of a region and everything under it (one request), for notices."""
        response = await self._call("GET", f"/api/v1/regions/{code}", token=token)
        if response.status_code != 200:
            return {}
        names: dict[str, str] = {}
        stack = [response.json()]
        while stack:
            node = stack.pop()
            names[node["code"]] = node["name"]
            stack.extend(node.get("children", []))
        return names


class AssetsClient:
    """The assets service's plan read, with this service's own token: the plan is checked where approved."""

    def __init__(self, client: httpx.AsyncClient, base_url: str):
        self.client = client
        self.base_url = base_url.rstrip("/")

    async def plan(self, plan_id: uuid.UUID, *, token: str) -> dict[str, Any] | None:
        """The dividend plan as assets shows it, or None when assets has no such plan."""
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/assets/distributions/{plan_id}",
                headers={"authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"资产收益服务暂不可用：{exc!r}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise Unavailable(f"资产收益服务暂不可用（{response.status_code}）")
        plan: dict[str, Any] = response.json()
        return plan
