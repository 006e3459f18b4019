"""Request and response shapes of merging two registry records and undoing it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from redangel.common.types import Strict

MergeReason = Literal["same_person_confirmed", "duplicate_registration", "roll_import", "other"]
UnmergeReason = Literal["different_persons", "merged_by_mistake", "other"]
Source = Literal["survivor", "absorbed"]
Rule = Literal["trusted", "newest", "filled", "kept", "either"]


class MergeCreate(Strict):
    """Merge the absorbed record into the survivor (the same person registered twice)."""

    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    reason: MergeReason


class UnmergeIn(Strict):
    """Undo a merge: both records come back as they were, and are never merged again."""

    reason: UnmergeReason


class FieldSource(BaseModel):
    """Which record's value the survivor kept for one field, by which rule."""

    field: str
    source: Source
    rule: Rule


class RecordSource(BaseModel):
    """Where one of the two records came from: its office, its agencies, when it last changed."""

    person_id: uuid.UUID
    office_id: uuid.UUID | None
    agencies: list[str]
    updated_at: datetime


class MergeRead(BaseModel):
    """A merge: the two records, what the survivor kept from which, what moved, and its undoing."""

    id: uuid.UUID
    survivor_id: uuid.UUID
    absorbed_id: uuid.UUID
    reason: MergeReason
    merged_at: datetime
    merged_by: str
    fields: list[FieldSource]
    sources: list[RecordSource]
    moved: dict[str, int]
    unmerged_at: datetime | None
    unmerge_reason: UnmergeReason | None
