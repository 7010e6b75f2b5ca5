"""Tables of the registry service: the region tree (households and members follow)."""

from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Region(Base, table=True):
    """A banner, township (苏木镇) or village (嘎查村); the code's prefix is its ancestry."""

    __tablename__ = "regions"

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    tier: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, foreign_key="regions.code", index=True, max_length=12)
    is_focus: bool = Field(default=False, description="重点帮扶村 (seed §四(一))")
