"""Kiosk card sessions: one citizen, one kiosk, until the card leaves or the kiosk idles."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, utcnow


class KioskSession(Base):
    """A session opened at a kiosk by a verified card; the token is stored hashed."""

    __tablename__ = "kiosk_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kiosk_device.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    card_serial: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pin_verified: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
