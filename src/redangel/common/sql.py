"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(
    session: Session, table: FromClause, rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT rows, silently skipping those that collide with an existing unique key."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(table).on_conflict_do_nothing(), list(rows))  # type: ignore[arg-type]
    else:
        session.execute(sqlite.insert(table).on_conflict_do_nothing(), list(rows))  # type: ignore[arg-type]
