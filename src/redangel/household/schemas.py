"""Request and response shapes of the household API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from redangel.common.types import Borough, Day, Strict

Relationship = Literal[
    "head", "spouse", "child", "parent", "grandparent", "other_relative", "other"
]
EndReason = Literal["moved_out", "moved_to_other_household", "death", "correction", "other"]


class MemberIn(Strict):
    """A person joining a household."""

    person_id: uuid.UUID
    relationship: Relationship
    since: Day


class HouseholdCreate(Strict):
    """A new household with its first members."""

    borough: Borough | None = None
    members: list[MemberIn] = Field(min_length=1, max_length=30)


class MembershipEnd(Strict):
    """Ending a membership: the person left on `until`."""

    until: Day
    reason: EndReason


class MemberOut(BaseModel):
    """A membership, current or past."""

    membership_id: int
    person_id: uuid.UUID
    full_name: str
    birth_date: date
    relationship: str
    since: date
    until: date | None
    end_reason: str | None


class HouseholdRead(BaseModel):
    """A household with every membership it has had of persons the reader may see, and how many
    of its persons are registered outside the reader's scope (counted, never shown)."""

    id: uuid.UUID
    version: int
    borough: str | None
    members: list[MemberOut]
    members_elsewhere: int = 0
