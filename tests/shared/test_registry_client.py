"""The registry client every service calls: bulk reads in the registry's request size, its refusals and
outages as the caller's 403 and 503, and the NDJSON stream read line by line however the bytes arrive."""

import json
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from shared.errors import Forbidden, Unavailable
from shared.registry_client import LOOKUP_LIMIT, Household, RegistryClient


def registry(answer: Callable[[httpx.Request], httpx.Response]) -> RegistryClient[Household]:
    return RegistryClient(httpx.AsyncClient(transport=httpx.MockTransport(answer)), "http://registry/")


async def test_a_large_lookup_is_sent_in_the_registry_s_request_size_and_returns_every_household() -> None:
    sizes: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["household_ids"]
        sizes.append(len(ids))
        return httpx.Response(200, json={"items": [{"id": i} for i in ids]})

    wanted = [uuid.uuid4() for _ in range(2 * LOOKUP_LIMIT + 1)]
    found = await registry(answer).lookup([*wanted, wanted[0]], token="t")
    assert sizes == [LOOKUP_LIMIT, LOOKUP_LIMIT, 1]
    assert [uuid.UUID(h["id"]) for h in found] == wanted


async def test_a_service_reads_households_into_its_own_model() -> None:
    class Ids(RegistryClient[uuid.UUID]):
        def read(self, household: Household) -> uuid.UUID:
            return uuid.UUID(household["id"])

    household_id = uuid.uuid4()
    found = {"items": [{"id": str(household_id)}]}
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json=found))
    client = Ids(httpx.AsyncClient(transport=transport), "http://registry")
    assert await client.household(household_id, token="t") == household_id


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        (httpx.Response(403), Forbidden),
        (httpx.Response(401), Forbidden),
        (httpx.Response(503), Unavailable),
        (httpx.Response(422), Unavailable),
        (httpx.ConnectError("refused"), Unavailable),
    ],
)
async def test_refusals_and_outages_reach_the_caller_as_403_and_503(
    answer: httpx.Response | Exception, refusal: type[Exception]
) -> None:
    def respond(_: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(refusal):
        await registry(respond).lookup([uuid.uuid4()], token="t")


async def test_a_region_the_caller_cannot_see_is_not_a_village() -> None:
    villages = {"150625001001": {"code": "150625001001", "name": "嘎查", "tier": "village", "children": []}}

    def answer(request: httpx.Request) -> httpx.Response:
        found = villages.get(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(200, json=found) if found else httpx.Response(404)

    client = registry(answer)
    assert await client.is_village("150625001001", token="t")
    assert not await client.is_village("150625001999", token="t")
    assert await client.region_names("150625001999", token="t") == {}


async def test_the_stream_yields_each_line_whatever_the_chunks() -> None:
    lines = [{"id": str(uuid.uuid4()), "head_name": name} for name in ("巴特尔", "苏和", "其其格")]
    body = b"\n".join(json.dumps(line, ensure_ascii=False).encode() for line in lines)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 7):  # splits lines and the UTF-8 of names alike
            yield body[start : start + 7]

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get_list("category") == ["monitored", "ordinary"]
        return httpx.Response(200, content=chunks())

    client = registry(answer)
    streamed = client.stream(region="150625001001", categories={"ordinary", "monitored"}, token="t")
    assert [household async for household in streamed] == lines
