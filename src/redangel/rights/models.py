"""A data-rights request: who asked for which right, how their identity was checked, by when it
must be answered, and what came of it (the audit trail names it by its folio)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

RIGHTS = ("access", "rectification", "cancellation", "opposition")
STATUSES = ("open", "done", "refused")
IDENTITY_DOCUMENTS = ("voter_card", "passport", "professional_license", "military_card")
"""Official identifications a clerk may accept at the office (seen, never copied)."""
USES = ("outreach", "proactive_offers")
"""Uses of their data a person may refuse: calls and appointments of the outreach list, and
offers made to them before they ask."""
REFUSAL_REASONS = ("not_the_holder", "legal_obligation", "already_answered")


class RightsRequest(Base):
    """One ARCO request received at an office."""

    __tablename__ = "rights_request"
    __table_args__ = (
        Index("ix_rights_request_erase_due", "erase_after",
              sqlite_where=text("erased_at IS NULL"), postgresql_where=text("erased_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    folio: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    office_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("office.id"), index=True)
    right: Mapped[str] = mapped_column(String(16))
    use: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    identity_document: Mapped[str] = mapped_column(String(24))
    received_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    history_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    erase_after: Mapped[date | None] = mapped_column(Date, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
