"""One OpenAPI document for partners: the gateway's own routes and every service's public API."""

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gateway.upstreams import Upstreams
from shared.settings import SERVICES

log = logging.getLogger("hangjin.openapi")
INTERNAL_PATHS = {"/healthz", "/readyz"}


def merge(gateway: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge the services' paths and schemas into the gateway's document.

    Schemas of the same name are the same model from the shared kernel (Problem, FieldProblem, …);
    a different schema under a taken name is kept under a service-prefixed name instead.
    """
    merged = {**gateway, "paths": dict(gateway.get("paths", {}))}
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, document in services.items():
        renames: dict[str, str] = {}
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                renames[name] = f"{service}_{name}"
            schemas[renames.get(name, name)] = schema
        for path, item in document.get("paths", {}).items():
            if path not in INTERNAL_PATHS:
                merged["paths"][path] = _renamed(item, renames) if renames else item
    merged.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    merged["security"] = [{"bearer": []}]
    return merged


def _renamed(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (_ref(v, renames) if k == "$ref" else _renamed(v, renames)) for k, v in node.items()}
    if isinstance(node, list):
        return [_renamed(v, renames) for v in node]
    return node


def _ref(ref: str, renames: dict[str, str]) -> str:
    prefix = "#/components/schemas/"
    name = ref.removeprefix(prefix)
    return prefix + renames[name] if name in renames else ref


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
