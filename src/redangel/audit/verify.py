"""Verifying the audit trail: every event's digest, every seal's keyed link, the head, that no
event sits below the sealing horizon without a seal (an insertion), and that every checkpoint
that should exist does: the first seal's, each `checkpoint_every`-th up to the head, and each one
a later checkpoint names as its predecessor. After months were archived (`audit/archive.py`) the
chain is walked from the newest archive's signed checkpoint instead of from the first seal."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from redangel.audit import archive, chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of a verification: ok, or the first broken link and why."""

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str = ""
    pending: int = 0


@dataclass(frozen=True)
class TrailKeys:
    """What verification needs from outside the database: the link key and the public key."""

    link_key: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_secret(cls, secret_key: str) -> TrailKeys:
        """The keys derived from the service secret."""
        return cls(chain.link_key(secret_key), chain.checkpoint_key(secret_key).public_key())


def verify(
    session: Session,
    *,
    keys: TrailKeys,
    checkpoint_every: int,
    external_checkpoint: chain.Checkpoint | None = None,
    batch: int = 5000,
) -> VerifyReport:
    """Walk the seals in order; report the first one whose event or link does not hold."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for the whole walk: the sealer goes on sealing meanwhile, and a head
        # read after seals it added would look like a chain cut short (SQLite's read
        # transaction is one snapshot already).
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    prev = chain.GENESIS
    expected = 1
    floor = archive.anchor(session)
    if floor is not None:
        if not chain.verify_checkpoint(keys.public_key, floor):
            return VerifyReport(False, 0, floor.seq, "the archived months' checkpoint is not valid")
        prev, expected = floor.hash, floor.seq + 1
    archived = expected - 1
    hashes_at: dict[int, str] = {}
    checkpoints = [
        chain.Checkpoint(seq=cp.seq, hash=cp.hash, prev_seq=cp.prev_seq, at=cp.at,
                         signature=cp.signature)
        for cp in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).scalars()
    ]
    wanted = {cp.seq for cp in checkpoints}
    if external_checkpoint:
        wanted.add(external_checkpoint.seq)
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
            link = chain.link(keys.link_key, prev, seal_row.seq, seal_row.event_id,
                              event_row.digest)
            if seal_row.prev_hash != prev or seal_row.hash != link:
                return VerifyReport(False, expected - 1, seal_row.seq, "the chain is broken here")
            prev = seal_row.hash
            if seal_row.seq in wanted:
                hashes_at[seal_row.seq] = seal_row.hash
            expected += 1
    count = expected - 1
    walked = count - archived
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
    broken = _check_checkpoints(keys, checkpoints, hashes_at, count, checkpoint_every, archived)
    if broken is not None:
        return VerifyReport(False, walked, broken[0], broken[1])
    if external_checkpoint and external_checkpoint.seq > archived:
        broken = _check_external(keys, external_checkpoint, hashes_at)
        if broken is not None:
            return VerifyReport(False, walked, broken[0], broken[1])
    return VerifyReport(True, walked, pending=pending)


def _check_checkpoints(keys: TrailKeys, checkpoints: list[chain.Checkpoint],
                       hashes_at: dict[int, str], count: int,
                       every: int, archived: int = 0) -> tuple[int, str] | None:
    """The first stored checkpoint that is forged, stale or missing, and why (those up to the
    `archived` seal left with their months)."""
    previous = 0
    if archived and checkpoints and checkpoints[0].prev_seq <= archived:
        previous = checkpoints[0].prev_seq
    for cp in checkpoints:
        if not chain.verify_checkpoint(keys.public_key, cp):
            return cp.seq, "a checkpoint signature is not valid"
        if hashes_at.get(cp.seq) != cp.hash:
            return cp.seq, "events before a signed checkpoint are gone"
        if cp.prev_seq > previous:
            return cp.prev_seq, f"the signed checkpoint at seal {cp.prev_seq} is missing"
        if cp.prev_seq < previous:
            return cp.seq, "two checkpoints name the same predecessor"
        previous = cp.seq
    if not archived and count >= 1 and (not checkpoints or checkpoints[0].seq != 1):
        return 1, "the signed checkpoint at seal 1 is missing"
    due = count // every * every
    if due > archived and previous < due:
        return due, f"the signed checkpoint at seal {due} is missing"
    return None


def _check_external(keys: TrailKeys, kept: chain.Checkpoint,
                    hashes_at: dict[int, str]) -> tuple[int, str] | None:
    """Why a checkpoint kept off the machine does not match the chain, if it does not."""
    if not chain.verify_checkpoint(keys.public_key, kept):
        return kept.seq, "the external checkpoint's signature is invalid"
    if hashes_at.get(kept.seq) != kept.hash:
        return kept.seq, "the log was truncated or rewritten"
    return None
