"""Beneficiary cards, the issuer keys that sign them, and one-time kiosk challenges.

The database holds the card invariant: at most one active card per person (a partial unique
index), whatever the code above does, even under concurrent issuance.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

CARD_STATUSES = ("pending_write", "active", "lost", "stolen", "damaged", "expired", "revoked",
                 "replaced")
REVOKED_STATUSES = ("lost", "stolen", "damaged", "revoked", "replaced")


class IssuerKey(Base):
    """An Ed25519 key that signs card payloads; the private half is sealed by the keyring."""

    __tablename__ = "issuer_key"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Card(Base):
    """One physical card issued to one person."""

    __tablename__ = "card"
    __table_args__ = (
        Index("uq_card_one_active_per_person", "person_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        Index("ix_card_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(120), nullable=True)
    kid: Mapped[str] = mapped_column(ForeignKey("issuer_key.kid"))
    card_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    puk_hash: Mapped[str] = mapped_column(String(200))
    issued_by: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_on: Mapped[date] = mapped_column(Date)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revocation_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class KioskChallenge(Base):
    """A random challenge a kiosk asks a card to sign; usable once, for a minute."""

    __tablename__ = "kiosk_challenge"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kiosk_device.id"), index=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
