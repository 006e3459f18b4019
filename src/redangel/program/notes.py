"""Notes staff write on an application: what was done or agreed ("we called; she brings the
proof on Monday").

Writing a note is acting on the request, so it stops an escalated request's clock as a review
or a document does (`escalation.stop_clock`: the citizen is promised a new date). The words are
sealed (they may describe the person's circumstances); the history keeps that a note was
written, by whom and when, never its words. Only office staff who can open the application
write or read its notes; reading them is part of reading the application, which is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.history import service as history
from redangel.program import escalation
from redangel.program import repository as programs_sql
from redangel.program.complaints import OFFICE_ROLES, clean_words, office_staff
from redangel.program.followup_schemas import HeldNote
from redangel.program.models import OPEN_APPLICATION, Application, ApplicationNote

NOTE_MAX = 500


@dataclass(frozen=True)
class Note:
    """A note as the office reads it."""

    at: datetime
    mine: bool
    text: str


def add(session: Session, *, keyring: Keyring, principal: Principal, application: Application,
        text: str) -> ApplicationNote:
    """Write a note on an application found in the principal's scope; an open, escalated one
    stops climbing."""
    office_staff(principal)
    said = clean_words(text, "note", NOTE_MAX)
    note = ApplicationNote(id=uuid.uuid4(), application_id=application.id,
                           author_kind=principal.kind, author_id=principal.id)
    note.text_sealed = keyring.seal(said.encode(), table="application_note", column="text",
                                    row_id=note.id)
    session.add(note)
    history.record(session, principal=principal, entity="application", entity_id=application.id,
                   action="note", changes={})
    audit.record(session, principal=principal, action="application.note",
                 person_id=application.person_id, purpose="follow_up",
                 detail={"folio": application.folio})
    if application.status in OPEN_APPLICATION:
        program = programs_sql.program(session, application.program_code)
        assert program is not None
        escalation.stop_clock(session, principal=principal, application=application,
                              program=program, decided=False)
    return note


def of(session: Session, *, keyring: Keyring, principal: Principal,
       application: Application) -> list[Note]:
    """An application's notes, oldest first, for office staff who opened it."""
    if principal.kind != "staff" or principal.role not in OFFICE_ROLES:
        return []
    return [Note(at=n.at, mine=n.author_id == principal.id, text=_words(keyring, n))
            for n in programs_sql.notes(session, application.id)]


def held_by(session: Session, *, keyring: Keyring, person_id: uuid.UUID) -> list[HeldNote]:
    """Every note on a person's applications, for their own access copy (the caller checked the
    person's identity and audits the reading)."""
    return [HeldNote(folio=folio, at=n.at, text=_words(keyring, n))
            for n, folio in (tuple(r) for r in programs_sql.person_notes(session, person_id))]


def _words(keyring: Keyring, note: ApplicationNote) -> str:
    return keyring.open(note.text_sealed, table="application_note", column="text",
                        row_id=note.id).decode()
