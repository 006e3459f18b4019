"""Who can act: offices, staff accounts and their sessions, agencies and their clients, kiosk devices."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

STAFF_ROLES = ("clerk", "supervisor", "analyst", "admin", "coordinator", "call_center", "steward")
"""`coordinator`: the city's coordination unit, which follows requests escalated past the
agencies; `call_center`: an operator answering callers about their requests; `steward`: the data
steward, who imports agency rolls and reviews pairs that may be one person."""


class Office(Base):
    """A neighborhood office (módulo) where clerks serve people."""

    __tablename__ = "office"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    borough: Mapped[str] = mapped_column(String(32))


class Agency(Base):
    """A city agency that runs programs."""

    __tablename__ = "agency"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class UserAccount(Base):
    """A member of staff who signs in with a password: clerk, supervisor, analyst or admin."""

    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """A signed-in browser or API session of a staff member; the token is stored hashed."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AgencyClient(Base):
    """An agency system's OAuth2 client-credentials identity."""

    __tablename__ = "agency_client"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The agency's DCI signing key, when it signs its messages: the sender id its signatures
    # name and the Ed25519 public key (base64 of 32 bytes). With a key, every DCI message from
    # this client must carry a signature that verifies.
    dci_sender_id: Mapped[str | None] = mapped_column(String(99), nullable=True)
    dci_public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class KioskDevice(Base):
    """A public kiosk; its device token is stored hashed."""

    __tablename__ = "kiosk_device"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
