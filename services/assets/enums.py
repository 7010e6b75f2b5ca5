"""The asset words under their old names, for the pages until they import the vocabulary."""

from shared.vocabulary import labels
from shared.vocabulary.assets import (
    AssetClass,
    AssetStatus,
    EntityKind,
    FundingSource,
    HouseholdLink,
    PlanStatus,
)
from shared.vocabulary.households import Category

__all__ = ["AssetClass", "AssetStatus", "EntityKind", "FundingSource", "HouseholdLink", "PlanStatus"]

ASSET_CLASS_LABELS = labels(AssetClass)
ASSET_STATUS_LABELS = labels(AssetStatus)
FUNDING_SOURCE_LABELS = labels(FundingSource)
ENTITY_KIND_LABELS = labels(EntityKind)
HOUSEHOLD_LINK_LABELS = labels(HouseholdLink)
ShareCategory = Category  # a dividend may go to any household category
