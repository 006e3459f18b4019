"""Stored evaluations (what the engine said, under which catalog version, for whom and when) and
the office's outreach contacts with people newly eligible for a program."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow


class Evaluation(Base):
    """One life-event evaluation of a registered person, kept to explain later decisions."""

    __tablename__ = "evaluation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    event_code: Mapped[str] = mapped_column(String(48))
    catalog_version: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CONTACT_KINDS = ("call", "appointment")
CONTACT_OUTCOMES = ("scheduled", "reached", "not_reached", "applied", "declined")
"""What came of reaching out: an appointment booked, the person reached or not, applied or
declined (`scheduled` is for appointments only)."""


class OutreachContact(Base):
    """One attempt of an office to reach a person newly eligible for a program: a call or an
    appointment and what came of it. Rows are only added, so the attempts stay as history; the
    note is sealed (it is free text about a person)."""

    __tablename__ = "outreach_contact"
    __table_args__ = (Index("ix_outreach_contact_office", "office_id", "person_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    appointment_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
