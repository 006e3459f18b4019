"""Recording audit events in the transaction they describe, and sealing them into the chain.

Services call `record(...)`; the events are inserted just before the transaction commits (a
session hook), so a rolled-back change leaves no audit of itself, and denied attempts are
recorded in their own short transaction. `seal` chains recorded events: on SQLite inline, right
after the insert; on PostgreSQL a background sealer (one per process; only one at a time wins
the head row) seals every event whose transaction is older than the oldest one still running,
so no request ever waits on the chain.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, exists, insert, select, text, update
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal
from redangel.auth.principal import Principal
from redangel.db import utcnow

log = logging.getLogger(__name__)
_PENDING = "redangel_audit_pending"
_CONFIG = "redangel_audit_config"
_XID = text("pg_current_xact_id()::text::bigint")
_ENSURE_HEAD_PG = text(
    "INSERT INTO audit_head (id, seq, hash, horizon) VALUES (1, 0, :genesis, 0) "
    "ON CONFLICT (id) DO NOTHING"
)
_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")


@dataclass(frozen=True)
class AuditConfig:
    """How often to sign a checkpoint, and with what secret."""

    secret_key: str
    checkpoint_every: int = 1000


@dataclass
class _Pending:
    events: list[dict[str, Any]] = field(default_factory=list)


def configure(session: Session, config: AuditConfig) -> None:
    """Attach the audit configuration to a session (done by the session factory)."""
    session.info[_CONFIG] = config


def record(
    session: Session,
    *,
    principal: Principal,
    action: str,
    person_id: uuid.UUID | None,
    purpose: str,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> None:
    """Queue an audit event; it is written when this transaction commits."""
    pending: _Pending = session.info.setdefault(_PENDING, _Pending())
    item = {
        "at": utcnow(),
        "actor_kind": principal.kind,
        "actor_id": principal.id,
        "actor_role": principal.role,
        "office_id": principal.office_id,
        "agency_code": principal.agency_code,
        "action": action[:48],
        "person_id": person_id,
        "purpose": purpose[:64],
        "outcome": outcome[:16],
        "detail": detail or {},
    }
    item["digest"] = chain.digest(item)
    pending.events.append(item)


def append_pending(session: Session) -> None:
    """Insert this transaction's queued events (and seal them at once on SQLite)."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if not pending or not pending.events:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = insert(AuditEvent)
    if postgres:
        statement = statement.values(xid=_XID)
    session.execute(statement, pending.events)
    if not postgres:
        seal(session)


def _ensure_head(session: Session) -> None:
    exists = session.execute(select(AuditHead.id).where(AuditHead.id == 1)).first()
    if exists is None:
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=chain.GENESIS, horizon=0))
        session.flush()


def seal(session: Session, *, limit: int = 20_000) -> int:
    """Chain the events that are safe to seal; return how many were sealed."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(_ENSURE_HEAD_PG, {"genesis": chain.GENESIS})
    else:
        _ensure_head(session)
    head = session.scalar(
        select(AuditHead).where(AuditHead.id == 1).with_for_update(skip_locked=postgres)
    )
    if head is None:  # another sealer holds the head: it will seal these events
        return 0
    if postgres:
        # Every transaction older than xmin has ended, so no event below it can still appear.
        xmin = int(session.execute(_XMIN).scalar_one())
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.digest, AuditEvent.xid)
            .where(AuditEvent.xid >= head.horizon, AuditEvent.xid < xmin,
                   ~exists().where(AuditSeal.event_id == AuditEvent.id))
            .order_by(AuditEvent.xid, AuditEvent.id).limit(limit)
        ).all()
        # A full batch may stop inside one transaction's events: resume from that transaction.
        horizon = rows[-1].xid if len(rows) == limit else xmin
    else:
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.digest, AuditEvent.xid)
            .where(AuditEvent.id > head.horizon).order_by(AuditEvent.id).limit(limit)
        ).all()
        horizon = rows[-1].id if rows else head.horizon
    seq, prev = head.seq, head.hash
    seals = []
    for row in rows:
        seq += 1
        digest = chain.link(prev, seq, row.id, row.digest)
        seals.append({"seq": seq, "event_id": row.id, "prev_hash": prev, "hash": digest})
        prev = digest
    if seals:
        session.execute(insert(AuditSeal), seals)
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(seq=seq, hash=prev, horizon=max(horizon, head.horizon)))
    config: AuditConfig | None = session.info.get(_CONFIG)
    if config is not None and seals:
        crossed = [s for s in seals if s["seq"] % config.checkpoint_every == 0]
        if crossed or seals[0]["seq"] == 1:
            last = crossed[-1] if crossed else seals[0]
            sign_checkpoint(session, config=config, seq=last["seq"], hash_=last["hash"])
    return len(seals)


def sign_checkpoint(session: Session, *, config: AuditConfig, seq: int, hash_: str) -> None:
    """Store a signed checkpoint for the chain at `seq`."""
    key = chain.checkpoint_key(config.secret_key)
    session.add(
        AuditCheckpoint(
            seq=seq, hash=hash_, at=utcnow(), signature=key.sign(chain.checkpoint_message(seq, hash_))
        )
    )


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    append_pending(session)
    session.flush()


class Sealer:
    """A daemon thread sealing PostgreSQL audit events about once a second."""

    def __init__(self, factory: Any, interval: float = 1.0) -> None:
        self.factory = factory
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        """Begin sealing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                seal_all(self.factory)
            except Exception:  # keep sealing: the next round retries
                log.exception("audit sealing failed; will retry")


def seal_all(factory: Any) -> int:
    """Seal rounds until nothing sealable is left; return the number sealed."""
    total = 0
    while True:
        with factory() as session:
            count = seal(session)
            session.commit()
        total += count
        if count < 20_000:
            return total
