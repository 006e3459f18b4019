"""The agencies' change feed over the years: monthly partitions made ahead, and closed months
exported to a file and removed once they are older than the retention the settings keep.

An agency that syncs keeps well within the retention; one that fell further behind than what
the database still holds is told so (`changes_archived`) with the number to continue from once it
has taken its roll again (the roll export says where the feed stood when it began).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from redangel.common.months import ArchiveRefused, may_leave, month_bounds
from redangel.db import utcnow
from redangel.program import repository
from redangel.program.models import ChangeArchive

log = logging.getLogger(__name__)

KIND = "redangel-change-archive-v1"
PARTITION_MONTHS_AHEAD = 3


def ensure_partitions(factory: Any, *, months_ahead: int = PARTITION_MONTHS_AHEAD) -> int:
    """PostgreSQL: create the change feed's monthly partitions from this month to
    `months_ahead` months ahead that do not exist yet; return how many were created."""
    with factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            return 0
        made = repository.ensure_change_partitions(session, months_ahead)
        session.commit()
    if made:
        log.info("created %d monthly change-feed partitions ahead", made)
    return made


@dataclass(frozen=True)
class Archive:
    """A month ready to be written: its file's bytes and what recording it needs."""

    month: str
    content: bytes
    entries: int
    agencies: dict[str, list[int]]


def prepare(session: Session, *, month: str, retention_months: int,
            now: datetime | None = None) -> Archive:
    """The month's changes as NDJSON (a header line, then one change per line)."""
    start, end = may_leave(month, retention_months=retention_months,
                           oldest=repository.oldest_change_at(session), now=now or utcnow(),
                           kept_by="the feed")
    rows = repository.changes_between(session, start, end)
    if not rows:
        raise ArchiveRefused(f"the database holds no change of {month}")
    agencies: dict[str, list[int]] = {}
    lines = []
    for row in rows:
        span = agencies.setdefault(row.agency_code, [row.seq, row.seq])
        span[1] = row.seq
        lines.append({"agency": row.agency_code, "seq": row.seq, "at": row.at.isoformat(),
                      "entity": row.entity, "id": str(row.entity_id),
                      "person_id": str(row.person_id), "program": row.program_code,
                      "action": row.action, "data": row.data})
    header = {"kind": KIND, "month": month, "entries": len(rows), "agencies": agencies}
    text = "\n".join(json.dumps(item, ensure_ascii=False, separators=(",", ":"))
                     for item in (header, *lines)) + "\n"
    return Archive(month, text.encode(), len(rows), agencies)


def remove(session: Session, archive: Archive) -> None:
    """Remove an archived (and safely written) month from the feed, and record it."""
    start, end = month_bounds(archive.month)
    repository.remove_changes_between(session, start, end,
                                      partition="change_entry_y" + archive.month.replace("-", "m"))
    session.add(ChangeArchive(month=archive.month, entries=archive.entries,
                              agencies=archive.agencies,
                              file_sha256=hashlib.sha256(archive.content).hexdigest(),
                              at=utcnow()))
    session.flush()


def archived_through(session: Session, agency_code: str) -> int:
    """The agency's last change number that left the database (0: none has)."""
    last = 0
    for row in repository.change_archives(session):
        span = row.agencies.get(agency_code)
        if span:
            last = max(last, int(span[1]))
    return last
