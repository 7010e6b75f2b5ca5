"""Calls to the assets service, whose approved dividend plans a handed-over batch is checked against, and to
monitoring, which holds the wages a month owes (the registry's calls are the kernel's,
`shared.registry_client`)."""

import uuid
from typing import Any

import httpx

from shared.errors import Unavailable
from shared.service_auth import TokenSource

TIMEOUT = httpx.Timeout(30.0, connect=3.0)


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


class MonitoringClient:
    """The wages monitoring says a month owes (posts, work-relief labour) and the 贴息 a year owes (loans),
    read with this service's own token when such a batch is drafted: the entitlements stay where the posts,
    labour and loans are recorded; and the industry result an industry reward is claimed for."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, credentials: TokenSource):
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials

    async def wages_owed(self, *, kind: str, month: str, region: str) -> list[dict[str, Any]]:
        """Each entitlement `{key, household_id, household_number, region_code, payee_name, payee_id_masked,
        amount_fen, detail}` of `kind` for `month` (YYYY-MM) in `region`."""
        return await self._owed("wage-entitlements", {"kind": kind, "month": month, "region": region})

    async def _owed(self, route: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An entitlements list of monitoring's, read with this service's own token."""
        token = await self.credentials.token()
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/monitoring/{route}",
                params=params,
                headers={"authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"监测帮扶服务暂不可用：{exc!r}") from None
        if response.status_code != 200:
            raise Unavailable(f"监测帮扶服务暂不可用（{response.status_code}）")
        owed: list[dict[str, Any]] = response.json()
        return owed

    async def loan_subsidies_owed(self, *, year: int, region: str) -> list[dict[str, Any]]:
        """Each loan's 贴息 for `year` in `region` that is settled, as an entitlement shaped like a wage's."""
        return await self._owed("loan-subsidies", {"year": year, "region": region})

    async def industry_result(self, result_id: uuid.UUID, *, token: str) -> dict[str, Any] | None:
        """An industry result as monitoring shows it to the caller (`token`: the claimant's, so monitoring
        applies their scope), or None when it shows none."""
        try:
            response = await self.client.get(
                f"{self.base_url}/api/v1/monitoring/industry-results/{result_id}",
                headers={"authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"监测帮扶服务暂不可用：{exc!r}") from None
        if response.status_code in (403, 404):
            return None
        if response.status_code != 200:
            raise Unavailable(f"监测帮扶服务暂不可用（{response.status_code}）")
        result: dict[str, Any] = response.json()
        return result
