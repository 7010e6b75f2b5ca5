"""Plain text: what every text field of every API input may hold. Control characters (a NUL breaks
PostgreSQL and Excel) and bidirectional overrides (they make a name or an amount read other than it is) are
refused; free-text fields may hold tab and line breaks."""

import re
from typing import Any, ClassVar

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SINGLE_LINE = re.compile(f"[\x00-\x1f\x7f{_BIDI}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f{_BIDI}]")  # tab, LF and CR allowed
# Free-text fields, by name in every input: what a person writes several lines of.
MULTI_LINE_FIELDS = frozenset(
    {
        "comment",
        "content",
        "description",
        "detail",
        "evidence",
        "medical_note",
        "note",
        "outcome",
        "reason",
        "resolution",
        "schooling_note",
        "timeline",
    }
)
REFUSED = "不能含有控制字符或双向文本控制符"


def refused_character(text: str, *, multi_line: bool = False) -> str | None:
    """The first character `text` may not hold, or None."""
    found = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(text)
    return found.group() if found else None


def _check(value: Any, *, multi_line: bool) -> None:
    """Every string inside `value` (lists, dicts, their keys); nested inputs check themselves."""
    if isinstance(value, str):
        if refused_character(value, multi_line=multi_line) is not None:
            raise ValueError(REFUSED)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item, multi_line=multi_line)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, multi_line=False)
            _check(item, multi_line=multi_line)


class Input(BaseModel):
    """The base of every API input model: no field of it holds a control character or a bidi override.

    The JSON schema says so (`x-plain-text`, and the fields that may hold line breaks `x-multi-line`), so a
    partner knows, and a test finds any input that was not built on this base.
    """

    multi_line: ClassVar[frozenset[str]] = MULTI_LINE_FIELDS

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        _check(value, multi_line=info.field_name in cls.multi_line)
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        target["x-plain-text"] = True
        multi_line = sorted(cls.multi_line & set(cls.model_fields))
        if multi_line:
            target["x-multi-line"] = multi_line
        return schema
