"""Tables of the gateway: the people and systems that may sign in."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel import Field

from shared.audit import audit_table
from shared.db import service_base

Base = service_base()
audit_log = audit_table(Base.metadata)


def _now() -> datetime:
    return datetime.now(UTC)


class User(Base, table=True):
    """An official who signs in with a password; one role, one region scope."""

    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    region: str = Field(max_length=12)
    department: str | None = Field(default=None, max_length=64)
    display_name: str | None = Field(default=None, max_length=50, description="the official's name")
    is_active: bool = True
    created_at: datetime = Field(default_factory=_now)


class ApiClient(Base, table=True):
    """A partner agency's or bank's system, signing in with client credentials."""

    __tablename__ = "api_clients"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=128)
    secret_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    region: str = Field(max_length=12)
    is_active: bool = True
    created_at: datetime = Field(default_factory=_now)


class Assignment(Base, table=True):
    """An official sent to a village for a term: a work team member or its 第一书记 (seed §六(二)(三)),
    with the visits a month each followed household is owed (the visit target, a policy parameter)."""

    __tablename__ = "assignments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, foreign_key="users.username", index=True)
    kind: str = Field(max_length=32)
    village_code: str = Field(max_length=12, index=True)
    dispatching_unit: str = Field(max_length=100, description="派出单位")
    starts_on: date
    ends_on: date | None = None
    visits_per_month: int = 1
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=_now)
