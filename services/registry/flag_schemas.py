"""The shapes of the members' flags a department's list describes (API.md "Assistance")."""

import uuid

from pydantic import BaseModel, Field, model_validator

from shared.text import Input


class Flags(Input):
    """The flags a list states; a flag it does not state is left as it is."""

    serious_illness: bool | None = None
    chronic_disease: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None


class MemberFlagsIn(Input):
    """One member, by ID number or by id, and the flags a list states for them."""

    id_number: str | None = Field(default=None, min_length=18, max_length=18)
    member_id: uuid.UUID | None = None
    flags: Flags

    @model_validator(mode="after")
    def _one_person(self) -> "MemberFlagsIn":
        if (self.id_number is None) == (self.member_id is None):
            raise ValueError("id_number 与 member_id 须给出其中之一")
        return self


class MemberFlagsBatch(Input):
    source: str = Field(min_length=1, max_length=100, description="the list that states them, for the trail")
    items: list[MemberFlagsIn] = Field(min_length=1, max_length=20_000)


class MemberFlagsResult(BaseModel):
    changed: int = Field(description="members whose flags changed (a repeat of the same list changes none)")
    unchanged: int
    unknown: list[int] = Field(description="the items (by index) naming no member in the caller's scope")
