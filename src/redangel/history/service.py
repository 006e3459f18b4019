"""Writing history rows in the same transaction as the change they describe.

A piece of work that changes several records (a death ends enrollments, leaves a household,
marks the person) may gather its rows (`batched`) and write them in one INSERT when it ends,
still in its transaction (and savepoint): rows of work that raised are dropped with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from redangel.auth.principal import Principal
from redangel.db import utcnow
from redangel.history import repository
from redangel.history.models import HistoryEntry


def record(
    session: Session,
    *,
    principal: Principal,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    changes: dict[str, Any],
) -> None:
    """Add a history row (flushed with the change, committed by the request; inside `batched`,
    written when the block ends)."""
    gathered: list[dict[str, Any]] | None = session.info.get(_BATCHED)
    if gathered is not None:
        gathered.append({"at": utcnow(), "actor_kind": principal.kind, "actor_id": principal.id,
                         "entity": entity, "entity_id": entity_id, "action": action,
                         "changes": changes})
        return
    session.add(
        HistoryEntry(
            actor_kind=principal.kind, actor_id=principal.id, entity=entity,
            entity_id=entity_id, action=action, changes=changes,
        )
    )


def record_many(session: Session, *, principal: Principal, entity: str, action: str,
                changes: list[tuple[uuid.UUID, dict[str, Any]]]) -> None:
    """History rows for several records changed alike (each with its own changes), in one
    statement however many, written now (inside `batched`, when the block ends)."""
    at = utcnow()
    rows = [{"at": at, "actor_kind": principal.kind, "actor_id": principal.id, "entity": entity,
             "entity_id": entity_id, "action": action, "changes": change}
            for entity_id, change in changes]
    gathered: list[dict[str, Any]] | None = session.info.get(_BATCHED)
    if gathered is not None:
        gathered.extend(rows)
        return
    repository.insert_many(session, rows)


_BATCHED = "history.batched"


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Gather the history rows recorded inside the block and write them in one INSERT when it
    ends without error (into an enclosing block's, when nested); a block that raises drops its
    rows, as the work they describe is undone."""
    outer: list[dict[str, Any]] | None = session.info.get(_BATCHED)
    rows: list[dict[str, Any]] = []
    session.info[_BATCHED] = rows
    try:
        yield
    finally:
        if outer is None:
            session.info.pop(_BATCHED, None)
        else:
            session.info[_BATCHED] = outer
    if outer is not None:
        outer.extend(rows)
    else:
        repository.insert_many(session, rows)
