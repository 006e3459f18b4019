"""Households and who belongs to them, with dates: history is kept, never overwritten."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

RELATIONSHIPS = (
    "head", "spouse", "child", "parent", "grandparent", "other_relative", "other",
)


class Household(Base):
    """A group of people living together."""

    __tablename__ = "household"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1)
    borough: Mapped[str | None] = mapped_column(String(32), nullable=True)
    registered_office_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("office.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A person's membership of a household from `since` until `until` (open when null)."""

    __tablename__ = "household_membership"
    __table_args__ = (
        Index(
            "uq_membership_one_open_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("until IS NULL"),
            postgresql_where=text("until IS NULL"),
        ),
        Index(
            "uq_membership_one_open_head",
            "household_id",
            unique=True,
            sqlite_where=text("until IS NULL AND relationship = 'head'"),
            postgresql_where=text("until IS NULL AND relationship = 'head'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(20))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
