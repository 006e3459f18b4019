"""Archiving a closed month of the audit trail: export it with its signed checkpoint, then
remove it from the database.

A month can be archived once it is over, older than the retention the settings keep
(`REDANGEL_AUDIT_RETENTION_MONTHS`), every older month is archived already, and all its events
are sealed. The file holds, in chain order, every seal up to the month's last one with its
event (the few events of the next month sealed among them at the month's edge go with it), the
hash the first seal continues from, and a checkpoint signed at the last seal. `verify` checks
such a file by itself (`redangel audit verify --archive FILE`), and continues the database's
chain from the newest archive's signed checkpoint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import chain, repository
from redangel.audit.models import AuditArchive
from redangel.common.months import ArchiveRefused, may_leave
from redangel.db import utcnow

KIND = "redangel-audit-archive-v1"


@dataclass(frozen=True)
class Archive:
    """A month ready to be written: its file's bytes and what removing it needs."""

    month: str
    content: bytes
    checkpoint: chain.Checkpoint
    first_seq: int
    event_ids: list[int]


def prepare(session: Session, *, secret_key: str, month: str, retention_months: int,
            now: datetime | None = None) -> Archive:
    """Everything sealed up to the month's last event, checked link by link and signed."""
    now = now or utcnow()
    start, end = may_leave(month, retention_months=retention_months,
                           oldest=repository.oldest_event_at(session), now=now,
                           kept_by="the trail")
    if repository.unsealed_between(session, start, end):
        raise ArchiveRefused(f"some events of {month} are not sealed yet; try again in a minute")
    last_seq = repository.last_seal_between(session, start, end)
    if last_seq is None:
        raise ArchiveRefused(f"the database holds no event of {month}")
    rows = repository.sealed_up_to(session, last_seq)
    key = chain.link_key(secret_key)
    anchor = rows[0][0].prev_hash
    prev, lines, ids = anchor, [], []
    for seal, event in rows:
        if event is None:
            raise ArchiveRefused(f"the event of seal {seal.seq} is missing: run audit verify")
        content = {name: getattr(event, name) for name in chain.FIELDS}
        if (chain.digest(content) != event.digest or seal.prev_hash != prev
                or seal.hash != chain.link(key, prev, seal.seq, event.id, event.digest)):
            raise ArchiveRefused(f"the chain does not hold at seal {seal.seq}: run audit verify")
        prev = seal.hash
        ids.append(event.id)
        lines.append({"seq": seal.seq, "prev_hash": seal.prev_hash, "hash": seal.hash,
                      "event": {"id": event.id, "digest": event.digest,
                                **json.loads(chain.canonical(content))}})
    checkpoint = chain.sign_checkpoint(secret_key, seq=last_seq, hash_=prev,
                                       prev_seq=repository.checkpoint_before(session, last_seq),
                                       at=now)
    header = {"kind": KIND, "month": month, "first_seq": rows[0][0].seq, "last_seq": last_seq,
              "anchor": anchor, "seals": len(rows),
              "checkpoint": json.loads(checkpoint.to_json(
                  chain.checkpoint_key(secret_key).public_key()))}
    text = "\n".join(json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                     for item in (header, *lines)) + "\n"
    return Archive(month, text.encode(), checkpoint, rows[0][0].seq, ids)


def remove(session: Session, archive: Archive) -> None:
    """Remove an archived (and safely written) month; record its signed checkpoint."""
    repository.remove_archived(session, last_seq=archive.checkpoint.seq,
                               event_ids=archive.event_ids,
                               month_partition="audit_event_y" + archive.month.replace("-", "m"))
    cp = archive.checkpoint
    session.add(AuditArchive(month=archive.month, first_seq=archive.first_seq, last_seq=cp.seq,
                             hash=cp.hash, prev_seq=cp.prev_seq, at=cp.at,
                             signature=cp.signature, events=len(archive.event_ids),
                             file_sha256=hashlib.sha256(archive.content).hexdigest()))
    session.flush()


def anchor(session: Session) -> chain.Checkpoint | None:
    """The newest archive's signed checkpoint: where the database's chain continues from."""
    row = repository.latest_archive(session)
    if row is None:
        return None
    return chain.Checkpoint(seq=row.last_seq, hash=row.hash, prev_seq=row.prev_seq, at=row.at,
                            signature=row.signature)


def check_file(lines: list[str], *, link_key: bytes, public_key: Any) -> tuple[bool, str]:
    """Whether an archive file holds: each event's digest, each link, and the signed end."""
    try:
        header = json.loads(lines[0])
        if header.get("kind") != KIND:
            return False, "this is not an audit archive"
        checkpoint, _ = chain.Checkpoint.from_json(json.dumps(header["checkpoint"]))
        prev, count = header["anchor"], 0
        for line in lines[1:]:
            item = json.loads(line)
            event = item["event"]
            content = {name: event.get(name) for name in chain.FIELDS}
            if chain.digest(content) != event["digest"]:
                return False, f"the event of seal {item['seq']} was altered"
            if item["prev_hash"] != prev or item["hash"] != chain.link(
                    link_key, prev, item["seq"], event["id"], event["digest"]):
                return False, f"the chain is broken at seal {item['seq']}"
            prev = item["hash"]
            count += 1
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        return False, f"the file cannot be read as an archive ({exc.__class__.__name__})"
    if not chain.verify_checkpoint(public_key, checkpoint):
        return False, "the archive's checkpoint signature is not valid"
    if checkpoint.hash != prev or count != header["seals"]:
        return False, "the archive was cut short or rewritten"
    return True, f"{header['month']}: {count} seals up to seal {checkpoint.seq}"
