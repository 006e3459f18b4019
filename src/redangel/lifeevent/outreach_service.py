"""Outreach as the office's work: the people of a supervisor's scope newly eligible for any
program, why (in the catalog's words), and the calls and appointments that followed.

The one door for the outreach page: the engine (`outreach.py`) finds who became eligible between
two days over the office's persons only; this module names them, explains each verdict with the
criteria that now hold, keeps every contact as a row of its own (never overwritten: the attempts
are the history), seals the free-text note, and audits what it shows and records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.bounds import FIRST_DAY, LAST_DAY, day_in_range
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.eligibility import evaluate
from redangel.errors import FieldError, Forbidden, InvalidInput, NotFound
from redangel.history import service as history
from redangel.lifeevent import outreach, repository
from redangel.lifeevent.facts import household_of
from redangel.lifeevent.models import CONTACT_KINDS, CONTACT_OUTCOMES, OutreachContact
from redangel.person import repository as persons
from redangel.person.policy import not_opposed, person_condition
from redangel.person.schemas import PersonBrief
from redangel.person.service import brief
from redangel.program import repository as programs

NOTE_LIMIT = 500


@dataclass(frozen=True)
class Contact:
    """One call or appointment and what came of it."""

    id: uuid.UUID
    kind: str
    outcome: str
    appointment_on: date | None
    note: str
    at: datetime


@dataclass(frozen=True)
class Candidate:
    """A person newly eligible for one program, why, and the office's contacts about it."""

    person: PersonBrief
    program: str
    program_name: dict[str, str]
    met: list[dict[str, str]]
    contacts: list[Contact] = field(default_factory=list)

    @property
    def latest(self) -> Contact | None:
        """The last contact, if any."""
        return self.contacts[0] if self.contacts else None


@dataclass(frozen=True)
class Worklist:
    """Who to reach: eligible on `as_of`, not on `since`, not applying or enrolled yet."""

    as_of: date
    since: date
    found: int
    candidates: list[Candidate]


def _supervisor(principal: Principal) -> None:
    if principal.kind != "staff" or principal.role != "supervisor":
        raise Forbidden()


def _met(catalog: Any, keyring: Keyring, session: Session, person_id: uuid.UUID, code: str,
         as_of: date) -> list[dict[str, str]]:
    """The program's criteria the person meets, in the catalog's words (es/en)."""
    person, household = household_of(session, keyring=keyring, person_id=person_id)
    result = evaluate(catalog, event_code=None, person=person, household=household, answers={},
                      as_of=as_of, programs=[code])
    found = result.to_dict()["results"][0]
    return [c["label"] for c in found["criteria"] if c["result"] is True]


def worklist(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
             since: date, limit: int, as_of: date | None = None,
             program: str | None = None) -> Worklist:
    """The supervisor's outreach list over the office's persons, for every program or one
    (the persons shown are audited)."""
    _supervisor(principal)
    if program is not None and program not in catalog.programs:
        raise NotFound(fields=[FieldError("program", "not_found")])
    as_of = as_of or city_today()
    registry = outreach.load_registry(session, keyring=keyring,
                                      visible=outreach.registry_scope(principal))
    pairs: list[tuple[uuid.UUID, str]] = []
    for code in [program] if program is not None else list(catalog.programs):
        found = outreach.newly_eligible(session, catalog=catalog, registry=registry,
                                        program_code=code, as_of=as_of, since=since)
        pairs.extend((registry.ids[i], code) for i in found)
    shown = pairs[:limit]
    ids = list(dict.fromkeys(pid for pid, _ in shown))
    briefs = {row.id: brief(row) for row in persons.briefs(session, ids)}
    notes: dict[tuple[uuid.UUID, str], list[Contact]] = {}
    for row in repository.contacts(session, person_ids=ids, office_id=principal.office_id):
        notes.setdefault((row.person_id, row.program_code), []).append(_contact(keyring, row))
    candidates = [
        Candidate(person=briefs[pid], program=code,
                  program_name=catalog.programs[code].name.to_dict(),
                  met=_met(catalog, keyring, session, pid, code, as_of),
                  contacts=notes.get((pid, code), []))
        for pid, code in shown]
    candidates.sort(key=lambda c: (c.latest is not None, c.person.full_name, c.program))
    audit.record_shown(session, principal=principal, action="outreach.worklist", person_ids=ids,
                       purpose="outreach", detail={"found": len(pairs)})
    return Worklist(as_of=as_of, since=since, found=len(pairs), candidates=candidates)


def _contact(keyring: Keyring, row: OutreachContact) -> Contact:
    note = b"" if row.note_sealed is None else keyring.open(
        row.note_sealed, table="outreach_contact", column="note", row_id=row.id)
    return Contact(id=row.id, kind=row.kind, outcome=row.outcome,
                   appointment_on=row.appointment_on, note=note.decode(), at=row.at)


def record_contact(session: Session, *, keyring: Keyring, principal: Principal,
                   person_id: uuid.UUID, program_code: str, kind: str, outcome: str,
                   appointment_on: date | None, note: str) -> OutreachContact:
    """Record a call or an appointment with a person of the office and what came of it."""
    _supervisor(principal)
    problems = []
    if kind not in CONTACT_KINDS:
        problems.append(FieldError("kind", "field_choice", {"choices": ", ".join(CONTACT_KINDS)}))
    allowed = CONTACT_OUTCOMES if kind == "appointment" else CONTACT_OUTCOMES[1:]
    if outcome not in allowed:
        problems.append(FieldError("outcome", "field_choice", {"choices": ", ".join(allowed)}))
    if kind == "appointment" and appointment_on is None:
        problems.append(FieldError("appointment_on", "field_required"))
    if appointment_on is not None and not day_in_range(appointment_on):
        problems.append(FieldError("appointment_on", "date_range",
                                   {"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}))
    if len(note) > NOTE_LIMIT:
        problems.append(FieldError("note", "field_too_long", {"max": NOTE_LIMIT}))
    if problems:
        raise InvalidInput(fields=problems)
    reachable = and_(person_condition(principal), not_opposed(outreach.OUTREACH))
    if persons.get(session, person_id, reachable) is None:  # refused outreach: not to be called
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    if programs.program(session, program_code) is None:
        raise NotFound(fields=[FieldError("program", "not_found")])
    row = OutreachContact(id=uuid.uuid4(), person_id=person_id, program_code=program_code,
                          office_id=principal.office_id, kind=kind, outcome=outcome,
                          appointment_on=appointment_on if kind == "appointment" else None,
                          actor_kind=principal.kind, actor_id=principal.id)
    if note:
        row.note_sealed = keyring.seal(note.encode(), table="outreach_contact", column="note",
                                       row_id=row.id)
    repository.add_contact(session, row)
    history.record(session, principal=principal, entity="outreach_contact", entity_id=row.id,
                   action=outcome, changes={"program": program_code, "kind": kind})
    audit.record(session, principal=principal, action="outreach.contact", person_id=person_id,
                 purpose="outreach",
                 detail={"program": program_code, "kind": kind, "outcome": outcome})
    return row
