"""The system's words: every value has one Chinese label, and no two values of a word read the same."""

import importlib
import pkgutil
import re

import pytest

import shared.vocabulary
from shared.vocabulary import Term, labels
from shared.vocabulary.households import Category

CJK = re.compile(r"[\u4e00-\u9fff]")


def all_words() -> list[type[Term]]:
    """Every word of the kernel, wherever it is declared (region tiers and roles live with their rules)."""
    domains = [
        f"shared.vocabulary.{module.name}" for module in pkgutil.iter_modules(shared.vocabulary.__path__)
    ]
    for name in ["shared.regions", "shared.roles", *domains]:
        importlib.import_module(name)
    found: list[type[Term]] = []
    pending = Term.__subclasses__()
    while pending:
        word = pending.pop()
        found.append(word)
        pending.extend(word.__subclasses__())
    return found


WORDS = all_words()


def test_the_vocabulary_holds_the_shared_words() -> None:
    names = {word.__name__ for word in WORDS}
    assert {
        "Category",
        "SchoolStage",
        "Tier",
        "CaseStatus",
        "Action",
        "Kind",
        "BatchStatus",
        "AssetClass",
    } <= names


@pytest.mark.parametrize("word", WORDS, ids=lambda word: word.__name__)
def test_every_value_has_a_chinese_label_of_its_own(word: type[Term]) -> None:
    for value in word:
        assert CJK.search(value.label), f"{word.__name__}.{value.name} has no Chinese label"
    assert len(set(labels(word).values())) == len(word), f"two values of {word.__name__} read the same"


def test_a_plain_string_from_json_finds_its_label() -> None:
    assert labels(Category)["monitored"] == "脱贫监测户"
    assert Category("marginal").label == "边缘易致贫户"
    assert (
        f"{Category.ordinary}" == "ordinary"
    )  # the value, never the label, goes into the API and the tables
