"""Agencies, their programs, and a person's applications and enrollments in them.

The database holds the invariants: one open application and one live enrollment per person and
program (partial unique indexes), whatever the code above it does.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from redangel.auth.models import Agency
from redangel.db import Base, UTCDateTime, new_id, utcnow

OPEN_APPLICATION = ("submitted", "in_review")
LIVE_ENROLLMENT = ("active", "suspended")
EXIT_REASONS = ("death", "moved_away", "no_longer_eligible", "voluntary", "end_of_term")
SUSPEND_REASONS = ("documents_missing", "under_investigation", "temporary_absence", "other")
CHANNELS = ("office", "kiosk", "website", "call_center", "agency", "proactive")


class Program(Base):
    """A social program as loaded from the catalog."""

    __tablename__ = "program"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey(Agency.code), index=True)
    name_es: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    legal_reference: Mapped[str] = mapped_column(String(400), default="")
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    expected_days: Mapped[int] = mapped_column(Integer, default=30)
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    excludes: Mapped[list[str]] = mapped_column(JSON, default=list)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Never named on a public screen (family violence, disability): `policy.shown_to`."""


class Application(Base):
    """A request (solicitud) for a program, tracked by its folio."""

    __tablename__ = "application"
    __table_args__ = (
        Index(
            "uq_application_one_open", "person_id", "program_code", unique=True,
            sqlite_where=text("status IN ('submitted', 'in_review')"),
            postgresql_where=text("status IN ('submitted', 'in_review')"),
        ),
        Index("ix_application_program_status", "program_code", "status", "expected_decision_on"),
        Index("ix_application_queue", "program_code", "status", "submitted_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    folio: Mapped[str] = mapped_column(String(20), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected_decision_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    documents: Mapped[list[Any]] = mapped_column(JSON, default=list)
    catalog_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)


class Enrollment(Base):
    """A person's place on a program's roll (padrón)."""

    __tablename__ = "enrollment"
    __table_args__ = (
        Index(
            "uq_enrollment_one_live", "person_id", "program_code", unique=True,
            sqlite_where=text("status IN ('active', 'suspended')"),
            postgresql_where=text("status IN ('active', 'suspended')"),
        ),
        Index("ix_enrollment_roll", "program_code", "status", "started_on", "id"),
        Index("ix_enrollment_roll_borough", "program_code", "status", "borough", "started_on",
              "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("application.id"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    exit_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)
    # The person's borough, copied and kept by the database (triggers of migration 0027): never
    # written by the application; the roll filtered by borough reads it from its index.
    borough: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Delivery(Base):
    """A service or benefit an agency delivered to an enrolled person (date, kind, amount, place)."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_person_on", "person_id", "delivered_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    program_code: Mapped[str] = mapped_column(ForeignKey("program.code"))
    delivered_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeHead(Base):
    """The last change number handed out for one agency's feed (locked while numbering)."""

    __tablename__ = "change_head"

    agency_code: Mapped[str] = mapped_column(ForeignKey(Agency.code), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeEntry(Base):
    """One change to an agency's applications, enrollments or deliveries, numbered in commit order.

    The number is taken under the agency's `ChangeHead` row lock, held until commit, so a reader
    never sees change n+1 without change n: the feed is a gap-free prefix at every instant.
    """

    __tablename__ = "change_entry"

    agency_code: Mapped[str] = mapped_column(ForeignKey(Agency.code), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    program_code: Mapped[str] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(String(24))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChangeArchive(Base):
    """A closed month of the change feed exported to a file and removed from the database;
    `agencies` holds, per agency, the first and last change number it held."""

    __tablename__ = "change_archive"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger)
    agencies: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    file_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Escalation(Base):
    """Where a late application stands in the chain of command (`escalation_rules`).

    One row per application, written by the escalation job when it first breaches: `level` is
    the chain's level last reached (0 once someone acted and the clock restarted). The job
    raises it with `UPDATE ... WHERE level = <the level it read>`, so two runs never raise the
    same request twice.
    """

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_level_agency", "level", "agency_code"),)

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"), primary_key=True)
    program_code: Mapped[str] = mapped_column(String(48))
    agency_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    restart_days: Mapped[int] = mapped_column(Integer, default=5)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EscalationNotice(Base):
    """Who was told of a late application, and when; or who acted and stopped its clock."""

    __tablename__ = "escalation_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(24))
    told: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(Base):
    """A citizen's rating (1 to 5) of a decided application's service; one per application.

    The optional comment is free text a citizen may fill with personal details, so it is sealed.
    """

    __tablename__ = "feedback"

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"), primary_key=True)
    program_code: Mapped[str] = mapped_column(String(48))
    agency_code: Mapped[str] = mapped_column(String(32), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


COMPLAINT_CATEGORIES = ("poor_treatment", "delay", "benefit_not_delivered", "wrong_decision",
                        "family_violence", "disability_access", "other")
"""What a complaint is about (a fixed list; the office pages say each in words)."""
RESTRICTED_CATEGORIES = ("family_violence", "disability_access")
"""Complaints only the office's supervisors may read (never clerks, agencies or the
coordination unit beyond counts)."""


class Complaint(Base):
    """A citizen's complaint (queja) recorded at the office, followed by its folio.

    The citizen's words and the supervisor's answer are free text a person may fill with
    personal details, so both are sealed; the answer is unsealed only for the folio page and the
    office. `expected_answer_on` is the complaint's own service level (business days); one still
    unanswered past it climbs the chain of command like a late application, `level` being the
    chain's level last reached (`program.complaint_escalation`).
    """

    __tablename__ = "complaint"
    __table_args__ = (Index("ix_complaint_office_status", "office_id", "status", "filed_at"),
                      Index("ix_complaint_late", "status", "expected_answer_on"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    folio: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("office.id"), nullable=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    category: Mapped[str] = mapped_column(String(32))
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected_answer_on: Mapped[date] = mapped_column(Date)
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    escalated_role: Mapped[str | None] = mapped_column(String(24), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ApplicationNote(Base):
    """A note a member of staff wrote on an application ("we called; she brings the proof on
    Monday"): acting on the request, it stops an escalated one's clock. The words may name the
    person's circumstances, so they are sealed."""

    __tablename__ = "application_note"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str] = mapped_column(String(64))
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
