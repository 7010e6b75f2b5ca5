"""The payments service's own enumerations; those it shares with the pages are in `shared.vocabulary`."""

from enum import StrEnum


class EndpointStatus(StrEnum):
    active = "active"
    retired = "retired"
