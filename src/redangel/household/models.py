"""Households: a group of people living together. Who belongs to one, with dates, is
`person.models.Membership` (a person's read shows their household, and `person/` sits below
`household/`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
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
