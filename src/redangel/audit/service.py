"""Recording audit events in the transaction they describe, and appending them to the chain.

Services call `record(...)`; the events wait in the session and are chained just before the
transaction commits (`append_pending`, wired as a session hook), holding the chain head's row
lock only for that instant. A rolled-back transaction leaves no audit of a change that never
happened; denied attempts are recorded in their own short transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from redangel.auth.principal import Principal
from redangel.db import utcnow

_PENDING = "redangel_audit_pending"
_CONFIG = "redangel_audit_config"


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
    """Queue an audit event; it is chained and written when this transaction commits."""
    pending: _Pending = session.info.setdefault(_PENDING, _Pending())
    pending.events.append(
        {
            "at": utcnow(),
            "actor_kind": principal.kind,
            "actor_id": principal.id,
            "actor_role": principal.role,
            "office_id": principal.office_id,
            "agency_code": principal.agency_code,
            "action": action,
            "person_id": person_id,
            "purpose": purpose[:64],
            "outcome": outcome,
            "detail": detail or {},
        }
    )


def append_pending(session: Session) -> None:
    """Chain and insert this transaction's queued events under the head row's lock."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if not pending or not pending.events:
        return
    head = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    ).one_or_none()
    seq, prev = (head.seq, head.hash) if head else (0, chain.GENESIS)
    rows = []
    for item in pending.events:
        seq += 1
        item = {**item, "seq": seq}
        digest = chain.link(prev, item)
        rows.append({**item, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditEvent), rows)
    if head is None:
        session.execute(insert(AuditHead).values(id=1, seq=seq, hash=prev))
    else:
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    config: AuditConfig | None = session.info.get(_CONFIG)
    if config is not None:
        first = rows[0]["seq"]
        crossed = [r for r in rows if r["seq"] % config.checkpoint_every == 0]
        if crossed or first == 1:
            last = crossed[-1] if crossed else rows[0]
            sign_checkpoint(session, config=config, seq=last["seq"], hash_=last["hash"])


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
