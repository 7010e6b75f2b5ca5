"""The system's shared words: English values for the API and the tables, one Chinese label each for people.

The words live by domain (`households`, `monitoring`, `payments`, `assets`); roles and region tiers are
kept with their rules in `shared.roles` and `shared.regions`. Services and pages import them from here, so
a word and its label have one home.
"""

from enum import StrEnum
from typing import Self, TypeVar


class Term(StrEnum):
    """A word of the system: its value is the API's, its `label` what an official reads."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


T = TypeVar("T", bound=Term)


def labels(words: type[T]) -> dict[T, str]:
    """Each word's label, keyed so that a plain string from JSON finds it too (for templates and pickers)."""
    return {word: word.label for word in words}
