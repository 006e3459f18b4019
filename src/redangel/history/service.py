"""Writing history rows in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
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
    """Add a history row (flushed with the change, committed by the request)."""
    session.add(
        HistoryEntry(
            actor_kind=principal.kind, actor_id=principal.id, entity=entity,
            entity_id=entity_id, action=action, changes=changes,
        )
    )


def record_many(session: Session, *, principal: Principal, entity: str, action: str,
                changes: list[tuple[uuid.UUID, dict[str, Any]]]) -> None:
    """History rows for several records changed alike (each with its own changes), in one
    statement however many, written now."""
    at = utcnow()
    repository.insert_many(session, [
        {"at": at, "actor_kind": principal.kind, "actor_id": principal.id, "entity": entity,
         "entity_id": entity_id, "action": action, "changes": change}
        for entity_id, change in changes])
