"""API schemas of client groups (a family, a flight, a raid: people handled together)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from app.clients.models import ClientGroup
from app.clients.schemas import FORBID_EXTRA, clean_value


class GroupCreate(BaseModel):
    model_config = FORBID_EXTRA
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)

    _n = field_validator("name", mode="before")(lambda cls, v: clean_value(v))
    _d = field_validator("description", mode="before")(lambda cls, v: clean_value(v, multiline=True))


class GroupPublic(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    version: int
    created_at: datetime
    member_count: int

    @classmethod
    def of(cls, group: ClientGroup, count: int) -> GroupPublic:
        """``count``: the group's live members (``groups.list_groups`` counts them in one query)."""
        return GroupPublic(id=group.id, name=group.name, description=group.description, version=group.version,
                           created_at=group.created_at, member_count=count)


class GroupMember(BaseModel):
    client_id: uuid.UUID
    display_name: str
    added_at: datetime


class GroupDetail(GroupPublic):
    members: list[GroupMember]


class GroupMembersIn(BaseModel):
    model_config = FORBID_EXTRA
    client_ids: list[uuid.UUID] = Field(min_length=1, max_length=10_000)


class GroupMembersResult(BaseModel):
    group_id: uuid.UUID
    added: int
    already_members: int
    member_count: int
