"""Merges of two registry records and the pairs that must never be merged again.

A merge keeps the survivor, hides the absorbed record (`Person.merged_into_id`), and moves
what the absorbed record held (enrollments, applications, deliveries, cards, household
memberships, evaluations, outreach contacts, history) to the survivor. The ids of every moved
row are kept in clear (ids say nothing about a person); both records as they were are kept
sealed (`snapshot_sealed`), so an unmerge restores them exactly.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

MERGE_REASONS = ("same_person_confirmed", "duplicate_registration", "roll_import", "other")
UNMERGE_REASONS = ("different_persons", "merged_by_mistake", "other")
"""Why a merge was made or undone: codes, so that nothing free about a person is written."""


class PersonMerge(Base):
    """One merge of an absorbed record into a survivor; `unmerged_at` once undone."""

    __tablename__ = "person_merge"
    __table_args__ = (
        Index("uq_person_merge_one_live_per_absorbed", "absorbed_id", unique=True,
              sqlite_where=text("unmerged_at IS NULL"), postgresql_where=text("unmerged_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    absorbed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    survivorship: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per field, which record's value the survivor kept and why (no values)."""
    moved: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per table, the ids of the rows moved from the absorbed record to the survivor."""
    snapshot_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    unmerged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unmerge_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unmerged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PersonPairBlock(Base):
    """Two records a person has said are different persons: never merged, never proposed."""

    __tablename__ = "person_pair_block"

    low_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    high_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    merge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person_merge.id"), nullable=True)
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
