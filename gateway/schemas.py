"""Request and response models of the gateway's own API."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from shared.pages import Page
from shared.roles import Role
from shared.text import Input

REGION_PATTERN = r"^\d{6}(\d{3}){0,2}$"


class Me(BaseModel):
    username: str
    display_name: str | None = Field(description="the official's name, or the system's for a client")
    role: Role
    region: str


class UserCreate(Input):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=10, max_length=128)
    role: Role
    region: str = Field(pattern=REGION_PATTERN)
    department: str | None = Field(default=None, max_length=64)
    display_name: str | None = Field(default=None, min_length=1, max_length=50, examples=["张敏"])


class UserPublic(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str | None
    role: Role
    region: str
    department: str | None
    is_active: bool
    created_at: datetime


class UserPage(Page[UserPublic]): ...


class ClientCreate(Input):
    name: str = Field(min_length=1, max_length=128)
    role: Role
    region: str = Field(pattern=REGION_PATTERN)


class ClientPublic(BaseModel):
    id: uuid.UUID
    client_id: str
    name: str
    role: Role
    region: str
    is_active: bool
    created_at: datetime


class ClientCreated(ClientPublic):
    client_secret: str = Field(description="shown once; only its hash is kept")


class ClientPage(Page[ClientPublic]): ...
