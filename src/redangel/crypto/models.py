"""Wrapped data keys: the only place key material touches the database, always sealed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, utcnow


class DataKey(Base):
    """One version of the data-encryption key, wrapped by the key-encryption key."""

    __tablename__ = "data_key"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
