"""Every `date-time` the API answers carries its offset (RFC 3339), on SQLite as on PostgreSQL: each list a
banner official can read is walked along its documented schema."""

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from deploy.stack import Stack
from tests.conftest import TokenFactory, bearer

OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rpartition("/")[2]]
    return schema


def stamps(schema: dict[str, Any], value: Any, schemas: dict[str, Any]) -> Iterator[Any]:
    """The values in `value` its schema documents as `date-time`."""
    schema = _resolve(schema, schemas)
    if schema.get("format") == "date-time" and value is not None:
        yield value
    for option in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from stamps(option, value, schemas)
    if isinstance(value, dict):
        for key, item in value.items():
            if key in schema.get("properties", {}):
                yield from stamps(schema["properties"][key], item, schemas)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            yield from stamps(schema["items"], item, schemas)


def readable_lists(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """GET operations without path parameters that answer JSON."""
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path or not path.startswith("/api/"):
            continue
        body = operation.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
        if body is not None:
            yield path, body["schema"]


def test_every_documented_timestamp_carries_its_offset(live_stack: Stack, token_for: TokenFactory) -> None:
    gateway = live_stack.url("gateway")
    banner = bearer(token_for("banner_official", "150625"))
    document = httpx.get(gateway + "/openapi.json", timeout=60).json()
    schemas = document["components"]["schemas"]
    seen, naive = 0, []
    for path, schema in readable_lists(document):
        response = httpx.get(gateway + path, headers=banner, params={"year": datetime.now().year})
        if response.status_code != 200:
            continue
        for stamp in stamps(schema, response.json(), schemas):
            seen += 1
            if not OFFSET.search(str(stamp)):
                naive.append(f"{path}: {stamp}")
    assert seen > 0
    assert not naive, "\n".join(naive[:20])
