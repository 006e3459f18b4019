"""The SQL of the history: several rows written in one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from redangel.history.models import HistoryEntry


def insert_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert history rows in one statement (their ids are not read back)."""
    if rows:
        session.execute(insert(HistoryEntry), rows)
