"""The civil registries redangel listens to, every message they sent (taken or refused), every
vital event those messages carried with its state and outcome, the proactive offers an event
opened, and deliveries found recorded after a registered death.

Personal data never sits here in clear: an event's record is sealed by the keyring, and the
person it is about is found through the CURP's blind index (`subject_index`), the same index
the person table uses, so a death that arrives before its birth can wait for it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime, new_id, utcnow

EVENT_KINDS = ("birth", "death", "death_reversal", "data_modification")
EVENT_STATES = ("received", "processed", "waiting", "needs_review", "rejected")
"""received → processed, or waiting (its person is not registered yet; retried), or
needs_review (no person or more than one matches; a data steward decides), or rejected."""
OFFER_STATES = ("offered", "accepted", "declined")
SUBSCRIPTION_STATES = ("requested", "active", "refused", "ending", "ended")
"""requested (subscribe sent) → active (the civil registry's on-subscribe gave its code) or
refused; active → ending (unsubscribe sent) → ended (on-unsubscribe confirmed)."""


class CrvsSource(Base):
    """A civil registry an admin registered: its DCI sender id and the key it signs with."""

    __tablename__ = "crvs_source"

    sender_id: Mapped[str] = mapped_column(String(99), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))
    receiver_id: Mapped[str] = mapped_column(String(99))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrvsSubscription(Base):
    """One event type redangel asked a civil registry to notify (`subscribe`), and what the
    civil registry answered (`on-subscribe`): its subscription code, or its refusal."""

    __tablename__ = "crvs_subscription"
    __table_args__ = (
        Index("uq_crvs_subscription_reference", "sender_id", "reference_id", unique=True),
        Index("ix_crvs_subscription_transaction", "sender_id", "transaction_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sender_id: Mapped[str] = mapped_column(ForeignKey("crvs_source.sender_id"))
    transaction_id: Mapped[str] = mapped_column(String(99))
    reference_id: Mapped[str] = mapped_column(String(99))
    reg_event_type: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(99), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(48), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CrvsMessage(Base):
    """One DCI message received: taken (its `message_id` once per sender) or refused, with the
    standard's code. Refusals are kept too: they are the record of what was turned away."""

    __tablename__ = "crvs_message"
    __table_args__ = (
        Index("uq_crvs_message_taken", "sender_id", "message_id", unique=True,
              sqlite_where=text("outcome = 'taken'"), postgresql_where=text("outcome = 'taken'")),
        Index("ix_crvs_message_received", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sender_id: Mapped[str] = mapped_column(String(99))
    known_sender: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str] = mapped_column(String(99))
    action: Mapped[str] = mapped_column(String(40))
    transaction_id: Mapped[str | None] = mapped_column(String(99), nullable=True)
    digest: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrvsEvent(Base):
    """One vital event a civil registry notified, its state and what it did."""

    __tablename__ = "crvs_event"
    __table_args__ = (
        Index("uq_crvs_event_reference", "sender_id", "reference_id", unique=True),
        Index("ix_crvs_event_state", "state", "received_at"),
        Index("ix_crvs_event_subject", "subject_index", "kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sender_id: Mapped[str] = mapped_column(ForeignKey("crvs_source.sender_id"))
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crvs_message.id"))
    transaction_id: Mapped[str] = mapped_column(String(99))
    reference_id: Mapped[str] = mapped_column(String(99))
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(48), nullable=True)
    registered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    subject_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), nullable=True,
                                                        index=True)
    record_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ProactiveOffer(Base):
    """A program a person is eligible for after a vital event, offered without their asking.

    Nothing is applied for until the person accepts; the acceptance keeps who took it, when
    and at which office (or kiosk), and the application it opened (channel `proactive`)."""

    __tablename__ = "proactive_offer"
    __table_args__ = (
        Index("uq_proactive_offer", "event_id", "person_id", "program_code", unique=True),
        Index("ix_proactive_offer_office", "office_id", "state", "offered_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crvs_event.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    life_event: Mapped[str] = mapped_column(String(48))
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation.id"))
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="offered")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_where: Mapped[str | None] = mapped_column(String(64), nullable=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("application.id"),
                                                             nullable=True)


class DeliveryAfterDeath(Base):
    """A delivery dated after a registered death, flagged for the program's agency."""

    __tablename__ = "delivery_after_death"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("delivery.id"), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("crvs_event.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    program_code: Mapped[str] = mapped_column(String(48))
    delivered_on: Mapped[date] = mapped_column(Date)
    died_on: Mapped[date] = mapped_column(Date)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
