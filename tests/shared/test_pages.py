"""Every paged list answers the kernel's one page shape, under a name partners' generated clients can read."""

import importlib
import pkgutil

import pytest
from pydantic import BaseModel

import services
from shared.pages import Page
from shared.settings import Settings

SERVICES = sorted(m.name for m in pkgutil.iter_modules(services.__path__))


def schema_modules() -> list[str]:
    return [
        f"services.{service}.{module.name}"
        for service in SERVICES
        for module in pkgutil.iter_modules(importlib.import_module(f"services.{service}").__path__)
        if module.name.endswith("schemas")
    ]


def test_every_page_model_is_the_kernel_page() -> None:
    handwritten = [
        f"{module}.{name}"
        for module in schema_modules()
        for name, value in vars(importlib.import_module(module)).items()
        if name.endswith("Page") and isinstance(value, type) and issubclass(value, BaseModel)
        if not issubclass(value, Page)
    ]
    assert not handwritten


@pytest.mark.parametrize("service", SERVICES)
def test_pages_keep_their_names_in_the_openapi_document(service: str) -> None:
    app = importlib.import_module(f"services.{service}.app").create_app(Settings())
    schemas = app.openapi()["components"]["schemas"]
    pages = {
        name: schema
        for name, schema in schemas.items()
        if {"items", "page"} <= set(schema.get("properties", {}))
    }
    assert pages, f"{service} answers no paged list"
    for name, schema in pages.items():
        assert name.endswith("Page") and schema["title"] == name
        assert {"items", "total", "page", "page_size"} <= set(schema["required"])
