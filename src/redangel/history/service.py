"""Writing history rows in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from redangel.auth.principal import Principal
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
