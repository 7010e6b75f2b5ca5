"""Plain text in every API input: control characters and bidi overrides are refused (tab and line breaks only
in free-text fields), and no input model of any process can be left out of the rule."""

import importlib
from typing import Any

import pytest
from fastapi.openapi.utils import get_openapi
from pydantic import Field, ValidationError

from shared.settings import SERVICES, Settings
from shared.text import Input, refused_character

# The sign-in form is compared with what is stored, never stored or shown.
NOT_STORED = {"Body_issue_token"}


class Member(Input):
    name: str
    aliases: list[str] = Field(default_factory=list)


class Report(Input):
    address: str
    description: str
    members: list[Member]


@pytest.mark.parametrize(
    ("text", "multi_line", "refused"),
    [
        ("阿斯尔嘎查一社3号", False, None),
        ("一社\x003号", False, "\x00"),
        ("一社\x1b3号", True, "\x1b"),
        ("张三\u202e321", False, "\u202e"),
        ("巴特尔\u2066", True, "\u2066"),
        ("第一行\n第二行", False, "\n"),
        ("第一行\r\n第二行\t完", True, None),
        ("\x7f", True, "\x7f"),
    ],
)
def test_which_characters_a_text_may_hold(text: str, multi_line: bool, refused: str | None) -> None:
    assert refused_character(text, multi_line=multi_line) == refused


def report(**changes: Any) -> dict[str, Any]:
    return {"address": "一社3号", "description": "因病\n致贫", "members": [{"name": "巴特尔"}], **changes}


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (report(address="一社\x003号"), ("address",)),
        (report(address="一社\n3号"), ("address",)),
        (report(description="因病\u202e致贫"), ("description",)),
        (report(members=[{"name": "巴特尔"}, {"name": "乌日娜\x00"}]), ("members", 1, "name")),
        (report(members=[{"name": "巴特尔", "aliases": ["\u2067"]}]), ("members", 0, "aliases")),
    ],
)
def test_an_input_names_the_field_that_holds_one(body: dict[str, Any], location: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        Report.model_validate(body)
    assert refused.value.errors()[0]["loc"] == location


def test_a_free_text_field_keeps_its_lines() -> None:
    assert Report.model_validate(report()).description == "因病\n致贫"


def _documents() -> dict[str, dict[str, Any]]:
    from gateway.app import create_app as gateway_app

    settings = Settings(hangjin_env="test")
    documents = {
        process: importlib.import_module(f"services.{process}.app").create_app(settings).openapi()
        for process in SERVICES
    }
    gateway = gateway_app(settings)
    documents["gateway"] = get_openapi(title="gateway", version="1", routes=gateway.routes)
    return documents


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rpartition("/")[2]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set()


def _holds_text(schema: Any) -> bool:
    """Whether a property's schema takes free text (not a file, an enum or a fixed format)."""
    if isinstance(schema, dict):
        if schema.get("type") == "string":
            return not {"enum", "format", "contentMediaType"} & set(schema)
        return any(
            _holds_text(v)
            for k, v in schema.items()
            if k in {"anyOf", "oneOf", "items", "additionalProperties"}
        )
    if isinstance(schema, list):
        return any(_holds_text(v) for v in schema)
    return False


def test_every_input_with_text_is_plain_text() -> None:
    """Every schema a request body reaches, in the gateway and every service, that has a text property."""
    uncovered = []
    for process, document in _documents().items():
        schemas = document["components"]["schemas"]
        bodies = {
            name
            for item in document["paths"].values()
            for operation in item.values()
            if isinstance(operation, dict)
            for name in _references(operation.get("requestBody", {}))
        }
        reached, todo = set(), list(bodies)
        while todo:
            name = todo.pop()
            if name not in reached:
                reached.add(name)
                todo += _references(schemas[name])
        for name in sorted(reached - NOT_STORED):
            schema = schemas[name]
            texts = [k for k, v in schema.get("properties", {}).items() if _holds_text(v)]
            if texts and not schema.get("x-plain-text"):
                uncovered.append(f"{process}: {name} {texts}")
    assert not uncovered, "inputs not built on shared.text.Input:\n" + "\n".join(uncovered)
