"""A record's row as it was, and back: the snapshot an unmerge restores from (sealed whole)."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

from redangel.person.models import Person

NOT_RESTORED = frozenset({"id", "version", "updated_at", "merged_into_id"})
"""Kept by the row itself: its id, its version (an ETag must change), when it last changed, and
whether it is merged (the unmerge says so)."""


def _out(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"uuid": str(value)}
    return {"value": value}


def _in(tagged: dict[str, Any]) -> Any:
    ((kind, value),) = tagged.items()
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "uuid":
        return uuid.UUID(value)
    return value


def dump(person: Person) -> dict[str, Any]:
    """Every column of a record, typed so that `restore` gives back the same values."""
    return {column.key: _out(getattr(person, column.key)) for column in Person.__table__.columns}


def restore(person: Person, saved: dict[str, Any]) -> None:
    """Put a record's columns back as they were (but its id, version and change time)."""
    for key, tagged in saved.items():
        if key not in NOT_RESTORED:
            setattr(person, key, _in(tagged))
