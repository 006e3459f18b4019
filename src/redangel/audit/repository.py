"""Queries over the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, select, text
from sqlalchemy.orm import Session

from redangel.audit.models import AuditArchive, AuditCheckpoint, AuditEvent, AuditSeal
from redangel.auth.models import Agency, Office


def accesses_of(session: Session, person_id: uuid.UUID, *, limit: int) -> Sequence[Any]:
    """Who read or changed a person's data, newest first, with office and agency names."""
    return session.execute(
        select(AuditEvent.at, AuditEvent.actor_kind, AuditEvent.action, AuditEvent.purpose,
               AuditEvent.outcome, Office.name.label("office_name"),
               Agency.name_es.label("agency_es"), Agency.name_en.label("agency_en"))
        .outerjoin(Office, Office.id == AuditEvent.office_id)
        .outerjoin(Agency, Agency.code == AuditEvent.agency_code)
        .where(AuditEvent.person_id == person_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()


def _guards(session: Session, tables: Sequence[str]) -> list[tuple[str, str]]:
    """SQLite: the append-only triggers of these tables, as (name, sql) to drop and restore."""
    rows = session.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :tables")
        .bindparams(bindparam("tables", expanding=True)), {"tables": list(tables)}).all()
    return [(str(name), str(sql)) for name, sql in rows]


def remove_archived(session: Session, *, last_seq: int, event_ids: Sequence[int],
                    month_partition: str) -> None:
    """Delete the archived events, their seals and the checkpoints up to `last_seq`, past the
    append-only guards (the schema owner only; restored in the same transaction)."""
    tables = ("audit_event", "audit_seal", "audit_checkpoint")
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in tables:
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
        guards = []
    else:
        guards = _guards(session, tables)
        for name, _ in guards:
            session.execute(text(f'DROP TRIGGER "{name}"'))
    for start in range(0, len(event_ids), 5000):
        session.execute(delete(AuditEvent).where(AuditEvent.id.in_(event_ids[start:start + 5000])))
    session.execute(delete(AuditSeal).where(AuditSeal.seq <= last_seq))
    session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq <= last_seq))
    if postgres:
        for table in tables:
            session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))
        if session.execute(text("SELECT to_regclass(:name)"),
                           {"name": month_partition}).scalar() is not None:
            session.execute(text(f'DROP TABLE "{month_partition}"'))
    else:
        for _, sql in guards:
            session.execute(text(sql))


def oldest_event_at(session: Session) -> Any:
    """When the oldest event still in the database happened (None: no event)."""
    return session.scalar(select(func.min(AuditEvent.at)))


def unsealed_between(session: Session, start: Any, end: Any) -> int:
    """How many events of [start, end) are not sealed yet."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.at >= start, AuditEvent.at < end,
        ~exists().where(AuditSeal.event_id == AuditEvent.id))) or 0


def last_seal_between(session: Session, start: Any, end: Any) -> int | None:
    """The highest seal of an event of [start, end)."""
    return session.scalar(select(func.max(AuditSeal.seq)).join(
        AuditEvent, AuditEvent.id == AuditSeal.event_id).where(
        AuditEvent.at >= start, AuditEvent.at < end))


def sealed_up_to(session: Session, last_seq: int) -> Sequence[Any]:
    """Every seal up to `last_seq` with its event (None where the event is gone), in order."""
    return session.execute(
        select(AuditSeal, AuditEvent).outerjoin(AuditEvent, AuditEvent.id == AuditSeal.event_id)
        .where(AuditSeal.seq <= last_seq).order_by(AuditSeal.seq)).all()


def checkpoint_before(session: Session, seq: int) -> int:
    """The newest stored checkpoint at or before `seq` (0: none)."""
    return session.scalar(select(func.max(AuditCheckpoint.seq))
                          .where(AuditCheckpoint.seq <= seq)) or 0


def latest_archive(session: Session) -> AuditArchive | None:
    """The newest archived month's record."""
    return session.scalar(select(AuditArchive).order_by(AuditArchive.last_seq.desc()).limit(1))
