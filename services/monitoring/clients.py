"""What monitoring reads of the registry's households (the calls themselves are the kernel's)."""

import uuid
from datetime import date

from pydantic import BaseModel

from shared import registry_client


class RegistryMember(BaseModel):
    id: uuid.UUID
    name: str
    id_masked: str
    relation: str
    birth_date: date | None = None  # only for roles that see full ID numbers (the registry shows `age`)
    labour_ability: str
    matched: bool


class RegistryHousehold(BaseModel):
    """What monitoring needs of a household (the registry's `HouseholdBrief`, IDs masked)."""

    id: uuid.UUID
    number: str
    region_code: str
    category: str
    head_name: str
    income_per_capita_fen: int | None
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    members: list[RegistryMember]

    @property
    def has_labour(self) -> bool:
        """At least one member can work (full or partial labour ability)."""
        return any(m.labour_ability != "none" for m in self.members)


class RegistryClient(registry_client.RegistryClient[RegistryHousehold]):
    """The registry as monitoring reads it: households as `RegistryHousehold`."""

    def read(self, household: registry_client.Household) -> RegistryHousehold:
        return RegistryHousehold.model_validate(household)
