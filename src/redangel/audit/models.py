"""The append-only audit trail: events, the seals that chain them, the head, signed checkpoints.

Events are inserted by the transaction they describe and never change. Seals chain the events
in the order they are sealed: inline on SQLite (writers are serialized anyway), by a background
sealer on PostgreSQL once no older transaction can still add an event (the snapshot's xmin), so
that no request waits on a chain-wide lock.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from redangel.db import Base, UTCDateTime

EventId = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """One access to, or change of, personal data — or a denied attempt. Never PII."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_person", "person_id", "id"),
        Index("ix_audit_event_xid", "xid"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    agency_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(48))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    purpose: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(64))
    xid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AuditSeal(Base):
    """The chain: seal n binds event `event_id` to seal n-1 by hash."""

    __tablename__ = "audit_seal"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                     primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(EventId, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last seal, and the horizon below which every event is sealed.

    The sealer updates it; it is never deleted and its `seq` never goes back (triggers).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    horizon: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditCheckpoint(Base):
    """An Ed25519-signed statement that the chain had `hash` at `seq`: truncation evidence.

    Each names the checkpoint before it (`prev_seq`, signed too), so removing one is noticed.
    """

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    prev_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")


class AuditArchive(Base):
    """A month of the trail exported to a file and removed from the database: the signed
    checkpoint at its last seal, from which `verify` continues the chain."""

    __tablename__ = "audit_archive"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    prev_seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    events: Mapped[int] = mapped_column(BigInteger)
    file_sha256: Mapped[str] = mapped_column(String(64))


# Rows the application may add and read but never change (triggers, and the app role's grants).
APPEND_ONLY_TABLES = ("audit_event", "audit_seal", "audit_checkpoint", "audit_archive")

# On PostgreSQL `audit_event` and the agencies' `change_entry` are partitioned by month
# (migrations 0015_partitions and 0025_change_feed_partitions); their partitions are made by
# the database's own functions, not by these models.
_PARTITION = re.compile(r"(audit_event|change_entry)_(y\d{4}m\d{2}|default)")


def is_partition(table: str) -> bool:
    """Whether a table is a monthly (or default) partition of the audit trail or change feed."""
    return _PARTITION.fullmatch(table) is not None


def not_a_partition(obj: object, name: str | None, type_: str, reflected: bool,
                    compare_to: object) -> bool:
    """Alembic's include_object: leave the partitions out of schema comparisons."""
    table = getattr(getattr(obj, "table", None), "name", None) if type_ != "table" else name
    return not (reflected and table is not None and is_partition(str(table)))
