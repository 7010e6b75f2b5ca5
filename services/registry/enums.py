"""The household words under their old names, for the pages until they import the vocabulary."""

from shared.vocabulary import labels
from shared.vocabulary.households import Category, LabourAbility, Relation, SchoolStage

__all__ = ["Category", "LabourAbility", "Relation", "SchoolStage"]

CATEGORY_LABELS = labels(Category)
SCHOOL_STAGE_LABELS = labels(SchoolStage)
RELATION_LABELS = labels(Relation)
LABOUR_LABELS = labels(LabourAbility)
