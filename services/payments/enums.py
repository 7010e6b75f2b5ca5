"""The payments service's own enumerations; those it shares with the pages are in `shared.vocabulary`."""

from enum import StrEnum


class EndpointStatus(StrEnum):
    proposed = "proposed"  # by the banner admin; nothing goes to it until a banner official approves it
    active = "active"
    retired = "retired"


class ObjectionOutcome(StrEnum):
    upheld = "upheld"  # the line leaves the batch, its entitlement free for a later one
    dismissed = "dismissed"  # the line stays in the batch
