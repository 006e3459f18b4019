"""The wrapped data keys in the database: read them, add one, make it the active one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from redangel.crypto.models import DataKey


def data_keys(session: Session | Connection) -> Sequence[Any]:
    """Every wrapped data key (version, wrapped key, whether active), oldest first."""
    return session.execute(
        select(DataKey.version, DataKey.wrapped_key, DataKey.active).order_by(DataKey.version)
    ).all()


def add_active(session: Session, *, version: int, wrapped_key: bytes) -> None:
    """Store a new wrapped data key as the only active one."""
    session.execute(update(DataKey).values(active=False))
    session.add(DataKey(version=version, wrapped_key=wrapped_key, active=True))
    session.flush()
