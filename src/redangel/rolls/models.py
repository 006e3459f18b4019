"""An import of one agency's roll, its rows and the pairs a data steward reviews.

Personal values (the row as read and as standardised, with every change) are sealed like a
person's contact details; only line numbers, flags, outcomes and place codes stay in clear.
Rows are unique per import and line, so an import killed while reading resumes where its
last committed batch ended and never writes a line twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

IMPORT_STATES = ("preview", "reading", "read", "linked", "stopped", "merged", "cancelled")
OUTCOMES = ("linked", "new", "same_as_row", "review", "held")
DECISIONS = ("same", "different", "skip")


class RollImport(Base):
    """One roll of one agency's program, imported as one unit."""

    __tablename__ = "roll_import"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(32), default="")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="reading")
    stop_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    link_threshold: Mapped[float] = mapped_column(Float, default=0.99)
    review_threshold: Mapped[float] = mapped_column(Float, default=0.60)
    duplicate_limit: Mapped[float] = mapped_column(Float, default=0.5)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    file_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    """The file as uploaded, sealed, so a killed import resumes from it; dropped once merged."""


class RollRow(Base):
    """One line of a roll: sealed values, flags in clear, and what linking made of it."""

    __tablename__ = "roll_row"
    __table_args__ = (
        UniqueConstraint("import_id", "line", name="uq_roll_row_line"),
        Index("ix_roll_row_outcome", "import_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roll_import.id"))
    line: Mapped[int] = mapped_column(Integer)
    refusal: Mapped[str | None] = mapped_column(String(32), nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    filled: Mapped[list[str]] = mapped_column(JSON, default=list)
    values_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer, default=0)
    borough: Mapped[str | None] = mapped_column(String(32), nullable=True)
    postal_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    start_date: Mapped[Any] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    same_as_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    enrolled: Mapped[str | None] = mapped_column(String(16), nullable=True)
    held_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RollPair(Base):
    """A candidate pair for the steward: two rows of the import, or a row and a registered
    person, with the field-by-field agreement (levels and weights, no values)."""

    __tablename__ = "roll_pair"
    __table_args__ = (UniqueConstraint("import_id", "left_key", "right_key", name="uq_roll_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roll_import.id"), index=True)
    left_key: Mapped[str] = mapped_column(String(48))
    right_key: Mapped[str] = mapped_column(String(48))
    probability: Mapped[float] = mapped_column(Float)
    agreements: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
