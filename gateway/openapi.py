"""One OpenAPI document for partners: the gateway's own routes and every service's public API.

Partners generate typed clients from it, so the merge keeps what generators rely on: one operation id
per operation, one schema per name (titled by its name), problem+json error bodies described as such,
and the bearer and OAuth2 schemes that say where a token comes from.
"""

import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.upstreams import Upstreams
from shared.errors import PROBLEM_JSON
from shared.settings import SERVICES

log = logging.getLogger("hangjin.openapi")
INTERNAL_PATHS = {"/healthz", "/readyz"}
PUBLIC_PATHS = {"/auth/token", "/.well-known/jwks.json", *INTERNAL_PATHS}
SCHEMA_REF = "#/components/schemas/"
# JSON text sequences: the body is many JSON documents, one a line, not one document of the item's schema.
SEQUENTIAL_JSON = {"application/x-ndjson", "application/jsonl", "application/json-seq"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
TOKEN_URL = "/auth/token"
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "oauth2": {
        "type": "oauth2",
        "description": "officials use the password grant, agencies and banks client credentials",
        "flows": {
            "password": {"tokenUrl": TOKEN_URL, "scopes": {}},
            "clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": {}},
        },
    },
}

Operation = tuple[str, str, str, dict[str, Any]]  # process, path, method, operation


def merge(gateway: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge the services' paths and schemas into the gateway's document.

    A schema name every process that uses it means the same by (Problem, FieldProblem, …) is kept; a
    name that means different things in different services is prefixed with the service in each of them
    (`PaymentsNoticePublic`, `AssetsNoticePublic`), and so is an operation id two services use
    (`monitoring_list_deliveries`), so no name depends on the order the services are merged in.
    """
    documents = {"gateway": gateway, **services}
    schema_names = _schema_names(documents)
    operations = list(_operations(documents))
    users: dict[str, set[str]] = defaultdict(set)
    for process, _, _, operation in operations:
        users[operation["operationId"]].add(process)

    schemas: dict[str, Any] = {}
    for (process, name), merged_name in schema_names.items():
        schema = documents[process]["components"]["schemas"][name]
        schemas[merged_name] = {**_renamed(schema, process, schema_names), "title": merged_name}
    paths: dict[str, dict[str, Any]] = defaultdict(dict)
    for process, path, method, operation in operations:
        operation = _renamed(operation, process, schema_names)
        if len(users[operation["operationId"]]) > 1:
            operation["operationId"] = f"{process}_{operation['operationId']}"
        _problem_bodies(operation.get("responses", {}))
        _sequential_bodies(operation.get("responses", {}))
        if path in PUBLIC_PATHS:
            operation["security"] = []
        paths[path][method] = operation
    return {
        **gateway,
        "paths": dict(paths),
        "components": {
            **gateway.get("components", {}),
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
        },
        "security": [{"bearer": []}, {"oauth2": []}],
    }


def _operations(documents: dict[str, dict[str, Any]]) -> Iterator[Operation]:
    """Every operation partners see: the gateway's own and the services' except their health checks."""
    for process, document in documents.items():
        for path, item in document.get("paths", {}).items():
            if process != "gateway" and path in INTERNAL_PATHS:
                continue
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    yield process, path, method, operation


def _schema_names(documents: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    """The merged name of each (process, schema name)."""
    definitions: dict[str, dict[str, Any]] = defaultdict(dict)
    for process, document in documents.items():
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            definitions[name][process] = schema
    clashing = {name for name, by in definitions.items() if len({_text(s) for s in by.values()}) > 1}
    # Identical text that refers to a clashing schema still means different things in each service.
    while more := {
        name
        for name, by in definitions.items()
        if name not in clashing and len(by) > 1 and any(_references(s) & clashing for s in by.values())
    }:
        clashing |= more
    return {
        (process, name): f"{process.capitalize()}{name}" if name in clashing else name
        for name, by in definitions.items()
        for process in by
    }


def _text(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True)


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMA_REF)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set()


def _renamed(node: Any, process: str, names: dict[tuple[str, str], str]) -> Any:
    """A copy of `node` with its schema references pointing at the merged names."""
    if isinstance(node, dict):
        return {
            k: SCHEMA_REF + names.get((process, v.removeprefix(SCHEMA_REF)), v.removeprefix(SCHEMA_REF))
            if k == "$ref" and isinstance(v, str) and v.startswith(SCHEMA_REF)
            else _renamed(v, process, names)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_renamed(v, process, names) for v in node]
    return node


def _problem_bodies(responses: dict[str, Any]) -> None:
    """Errors are sent as problem+json: describe their schema under that media type only.

    FastAPI files a response model under application/json and leaves the declared problem+json empty,
    which generated clients read as an error without a body.
    """
    for code, response in responses.items():
        content = response.get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if code[:1] in {"4", "5"} and PROBLEM_JSON in content and schema is not None:
            response["content"] = {PROBLEM_JSON: {"schema": schema}}


def _sequential_bodies(responses: dict[str, Any]) -> None:
    """A JSON-lines body is a byte stream to a client; each line's schema stays under `x-item-schema`."""
    for response in responses.values():
        for media_type, body in response.get("content", {}).items():
            schema = body.get("schema")
            if media_type in SEQUENTIAL_JSON and schema is not None and schema.get("format") != "binary":
                body["schema"] = {"type": "string", "format": "binary"}
                body["x-item-schema"] = schema


async def merged_openapi(app: FastAPI, upstreams: Upstreams) -> dict[str, Any]:
    """Build once all services answer; until then each call tries again (and says which are missing)."""
    cached: dict[str, Any] | None = getattr(app.state, "merged_openapi", None)
    if cached is not None:
        return cached
    own = get_openapi(title="杭锦旗巩固衔接系统 API", version=app.version, routes=app.routes)
    documents: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        try:
            response = await upstreams.client.get(upstreams.base_urls[service] + "/openapi.json")
            response.raise_for_status()
            documents[service] = response.json()
        except Exception as exc:
            log.warning("openapi of %s unavailable: %r", service, exc)
    merged = merge(own, documents)
    if len(documents) == len(SERVICES):
        app.state.merged_openapi = merged
    else:
        merged["info"]["description"] = "incomplete: " + ", ".join(sorted(set(SERVICES) - set(documents)))
    return merged
