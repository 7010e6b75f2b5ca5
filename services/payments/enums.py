"""The payments service's own enumerations; those it shares with the pages are in `shared.vocabulary`."""

from enum import StrEnum

from shared.vocabulary import labels
from shared.vocabulary.households import SchoolStage
from shared.vocabulary.payments import LIVESTOCK, BatchStatus, ClaimStatus, Kind, LineStatus, Mode

# Under their old names for the pages, until they import `shared.vocabulary.payments`.
__all__ = ["LIVESTOCK", "BatchStatus", "ClaimStatus", "Kind", "LineStatus", "Mode", "SchoolStage"]
KIND_LABELS = labels(Kind)


class EndpointStatus(StrEnum):
    active = "active"
    retired = "retired"
