"""All SQL about outreach contacts and stored evaluations (the engine's own registry reads live
in `outreach.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from redangel.lifeevent.models import Evaluation, OutreachContact


def insert_evaluations(session: Session, rows: list[Evaluation]) -> None:
    """Insert evaluations in one statement however many (plain rows: none is loaded back, the
    objects given stay out of the session)."""
    if rows:
        session.execute(insert(Evaluation.__table__), [_columns(row) for row in rows])  # type: ignore[arg-type]


def _columns(row: Evaluation) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in Evaluation.__table__.columns}


def add_contact(session: Session, contact: OutreachContact) -> None:
    """Insert one contact."""
    session.add(contact)
    session.flush()


def contacts(session: Session, *, person_ids: Iterable[uuid.UUID],
             office_id: uuid.UUID | None) -> Sequence[OutreachContact]:
    """The office's contacts with the given persons, newest first."""
    wanted = list(person_ids)
    if not wanted:
        return []
    return session.scalars(
        select(OutreachContact)
        .where(OutreachContact.person_id.in_(wanted), OutreachContact.office_id == office_id)
        .order_by(OutreachContact.at.desc(), OutreachContact.id)).all()
