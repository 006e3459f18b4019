"""The agencies' change feed: every change to an application, enrollment or delivery, in order.

Services call `record(...)` in the transaction of the change; just before that transaction
commits, each agency's pending changes get consecutive numbers from the agency's `change_head`
row (one `INSERT ... ON CONFLICT DO UPDATE SET seq = seq + n RETURNING seq` for all the
transaction's agencies). The row lock is held until commit, so numbers
commit in order: a reader sees change n+1 only after change n is visible, and paging by
`seq > cursor` never skips or repeats a change (PostgreSQL sequences would commit out of order).
Heads are locked in agency order, so two transactions touching two agencies cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from redangel.common.sql import upsert_adding
from redangel.db import utcnow
from redangel.program.models import ChangeEntry, ChangeHead

_PENDING = "redangel_changes_pending"


def record(session: Session, *, agency_code: str, entity: str, entity_id: uuid.UUID,
           person_id: uuid.UUID, program_code: str, action: str, data: dict[str, Any]) -> None:
    """Queue a change for the agency's feed; it is numbered and written at commit."""
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append({"agency_code": agency_code, "entity": entity, "entity_id": entity_id,
                    "person_id": person_id, "program_code": program_code, "action": action,
                    "data": data, "at": utcnow()})


def write_pending(session: Session) -> None:
    """Number this transaction's queued changes under each agency's head and insert them."""
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in pending:
        by_agency[item["agency_code"]].append(item)
    heads = advance_heads(session, {code: len(items) for code, items in by_agency.items()})
    rows: list[dict[str, Any]] = []
    for code in sorted(by_agency):
        items = by_agency[code]
        last = heads[code]
        for offset, item in enumerate(items):
            rows.append({**item, "seq": last - len(items) + 1 + offset})
    session.execute(insert(ChangeEntry), rows)


def advance_heads(session: Session, counts: dict[str, int]) -> dict[str, int]:
    """Move each agency's head on by its count, in one statement however many agencies (a head
    not there yet starts at 0); each agency's last number. The rows are locked in agency order."""
    table = ChangeHead.__table__
    rows = [{"agency_code": code, "seq": counts[code]} for code in sorted(counts)]
    return dict(upsert_adding(session, table, rows, on=("agency_code",), column="seq",  # type: ignore[arg-type]
                              returning=(table.c.agency_code, table.c.seq)))


def queued(session: Session) -> int:
    """How many changes this transaction has queued: a mark to roll back to (`forget_since`)."""
    return len(session.info.get(_PENDING, ()))


def forget_since(session: Session, mark: int) -> None:
    """Forget the changes queued after `mark`: the work they describe was rolled back to a
    savepoint, so the agencies must never see it."""
    pending: list[dict[str, Any]] = session.info.get(_PENDING, [])
    del pending[mark:]


def discard_pending(session: Session) -> None:
    """Forget queued changes of a transaction that rolled back."""
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)
    session.flush()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # Rolling back to a savepoint (a duplicate refused, one event of a notify) ends none of
    # the transaction's work before it: its changes stay queued. Whoever rolls back work that
    # queued changes inside the savepoint forgets them (`forget_since`).
    if not session.in_nested_transaction():
        discard_pending(session)
