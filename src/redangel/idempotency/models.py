"""What a retried POST needs to get the first answer back, and nothing a person could be read from.

A record names the created entity (kind and id) and the status; the answer is rebuilt on replay
by reading the entity again. Only where a route cannot rebuild its answer is the body kept, and
then sealed by the keyring (AES-GCM, bound to the record's principal and key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, utcnow


class IdempotencyRecord(Base):
    """The first response to a (principal, Idempotency-Key) pair, as a reference to what it made."""

    __tablename__ = "idempotency_record"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    route: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    entity_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sealed_body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
