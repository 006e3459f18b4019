"""Verifying the audit chain: every link, the head, and every signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification: ok, or the first broken link and why."""

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str = ""


def verify(
    session: Session,
    *,
    public_key: Ed25519PublicKey,
    external_checkpoint: tuple[int, str, bytes] | None = None,
    batch: int = 5000,
) -> VerifyReport:
    """Walk the chain in order; report the first event whose link does not hold."""
    prev = chain.GENESIS
    expected_seq = 1
    count = 0
    hashes_at: dict[int, str] = {}
    checkpoints = session.execute(select(AuditCheckpoint)).scalars().all()
    wanted = {cp.seq for cp in checkpoints}
    if external_checkpoint:
        wanted.add(external_checkpoint[0])
    last_seq = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return VerifyReport(False, count, expected_seq, "missing or reordered event")
            event = {name: getattr(row, name) for name in chain.FIELDS}
            if row.prev_hash != prev or chain.link(prev, event) != row.hash:
                return VerifyReport(False, count, row.seq, "event altered or chain broken")
            prev = row.hash
            if row.seq in wanted:
                hashes_at[row.seq] = row.hash
            expected_seq += 1
            count += 1
            last_seq = row.seq
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    if head is not None and (head.seq != count or head.hash != prev):
        return VerifyReport(False, count, count + 1, "chain head does not match the last event")
    for cp in checkpoints:
        if not chain.verify_checkpoint(public_key, cp.seq, cp.hash, cp.signature):
            return VerifyReport(False, count, cp.seq, "checkpoint signature is not valid")
        if hashes_at.get(cp.seq) != cp.hash:
            return VerifyReport(False, count, cp.seq, "events before a signed checkpoint are gone")
    if external_checkpoint:
        seq, hash_, signature = external_checkpoint
        if not chain.verify_checkpoint(public_key, seq, hash_, signature):
            return VerifyReport(False, count, seq, "the external checkpoint's signature is invalid")
        if hashes_at.get(seq) != hash_:
            return VerifyReport(False, count, seq, "the log was truncated or rewritten")
    return VerifyReport(True, count)
