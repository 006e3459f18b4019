"""All SQL about outreach contacts (the engine's own registry reads live in `outreach.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.lifeevent.models import OutreachContact


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
