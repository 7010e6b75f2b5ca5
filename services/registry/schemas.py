"""Request and response models of the registry service."""

from pydantic import BaseModel, Field

from shared.regions import Tier


class RegionPublic(BaseModel):
    code: str
    name: str
    tier: Tier
    parent_code: str | None
    is_focus: bool
    children: list["RegionPublic"] = Field(default_factory=list)


class RegionCreate(BaseModel):
    """A village (嘎查村) under a township: a 12-digit code starting with the township's 9 digits."""

    code: str = Field(pattern=r"^\d{12}$", examples=["150625100201"])
    name: str = Field(min_length=1, max_length=64)
    is_focus: bool = False


class RegionUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    is_focus: bool | None = Field(default=None, description="重点帮扶村 (seed §四(一)); villages only")
