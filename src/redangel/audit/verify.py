"""Verifying the audit trail: every event's digest, every seal's link, the head, checkpoints,
and that no event sits below the sealing horizon without a seal (an insertion)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification: ok, or the first broken link and why."""

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str = ""
    pending: int = 0


def verify(
    session: Session,
    *,
    public_key: Ed25519PublicKey,
    external_checkpoint: tuple[int, str, bytes] | None = None,
    batch: int = 5000,
) -> VerifyReport:
    """Walk the seals in order; report the first one whose event or link does not hold."""
    prev = chain.GENESIS
    expected = 1
    hashes_at: dict[int, str] = {}
    checkpoints = session.execute(select(AuditCheckpoint)).scalars().all()
    wanted = {cp.seq for cp in checkpoints}
    if external_checkpoint:
        wanted.add(external_checkpoint[0])
    while True:
        rows = session.execute(
            select(AuditSeal, AuditEvent)
            .outerjoin(AuditEvent, AuditEvent.id == AuditSeal.event_id)
            .where(AuditSeal.seq >= expected).order_by(AuditSeal.seq).limit(batch)
        ).all()
        if not rows:
            break
        for seal_row, event_row in rows:
            if seal_row.seq != expected:
                return VerifyReport(False, expected - 1, expected, "a sealed event is missing")
            if event_row is None:
                return VerifyReport(False, expected - 1, seal_row.seq, "a sealed event was deleted")
            content = {name: getattr(event_row, name) for name in chain.FIELDS}
            if chain.digest(content) != event_row.digest or seal_row.event_id != event_row.id:
                return VerifyReport(False, expected - 1, seal_row.seq, "an event was altered")
            link = chain.link(prev, seal_row.seq, seal_row.event_id, event_row.digest)
            if seal_row.prev_hash != prev or seal_row.hash != link:
                return VerifyReport(False, expected - 1, seal_row.seq, "the chain is broken here")
            prev = seal_row.hash
            if seal_row.seq in wanted:
                hashes_at[seal_row.seq] = seal_row.hash
            expected += 1
    count = expected - 1
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyReport(False, count, count + 1, "the chain head does not match the last seal")
    unsealed = ~exists().where(AuditSeal.event_id == AuditEvent.id)
    if head is not None:
        postgres = session.get_bind().dialect.name == "postgresql"
        below = AuditEvent.xid < head.horizon if postgres else AuditEvent.id <= head.horizon
        stray = session.scalar(select(func.min(AuditEvent.id)).where(unsealed, below))
        if stray is not None:
            return VerifyReport(False, count, None, f"event {stray} was inserted outside the chain")
    pending = session.scalar(select(func.count()).select_from(AuditEvent).where(unsealed)) or 0
    for cp in checkpoints:
        if not chain.verify_checkpoint(public_key, cp.seq, cp.hash, cp.signature):
            return VerifyReport(False, count, cp.seq, "a checkpoint signature is not valid")
        if hashes_at.get(cp.seq) != cp.hash:
            return VerifyReport(False, count, cp.seq, "events before a signed checkpoint are gone")
    if external_checkpoint:
        seq, hash_, signature = external_checkpoint
        if not chain.verify_checkpoint(public_key, seq, hash_, signature):
            return VerifyReport(False, count, seq, "the external checkpoint's signature is invalid")
        if hashes_at.get(seq) != hash_:
            return VerifyReport(False, count, seq, "the log was truncated or rewritten")
    return VerifyReport(True, count, pending=pending)
