"""The data steward's review of the civil registry's events that found nobody, found more than
one person, or wait for a person not registered: the queue, each event's facts beside the
registered persons it may be about (compared field by field), and the steward's decision.

A steward who names the person sends the event through the same work as an automatic match
(`vital.run`: the cascade of a death, a birth's child and offers). The CURP the civil registry
gives is written on the chosen person when their record has none, so later events about them
match by themselves; a person holding another CURP is refused. A steward who says the event is
about nobody in the registry closes it as rejected with that reason. Nothing else is done for
a birth whose mother is not registered: registering her from the civil registry's few facts,
without her consent or an address, is not the steward's to do (`docs/crvs.md`).

Field policy: a steward sees names, birth date, sex, CURP and borough (`ReviewPerson`), never
contact or sensitive data; every page that shows them leaves an audit event with its purpose.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.names import sort_key
from redangel.crvs import repository, vital
from redangel.crvs.intake import CURP
from redangel.crvs.models import CrvsEvent
from redangel.crvs.schemas import (
    SEXES,
    EventReview,
    FieldAgreement,
    PersonRecord,
    ReviewCandidate,
    ReviewItem,
    ReviewPerson,
)
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.matching import compare, table
from redangel.matching.records import LEVELS, Record
from redangel.person import curp as curp_rules
from redangel.person import service as person_service
from redangel.person.models import Person
from redangel.person.schemas import PersonUpdate

REVIEWERS = ("steward", "admin")
PURPOSE = "data_stewardship"
PENDING = ("needs_review", "waiting")
DISMISS_REASONS = ("not_in_registry", "not_in_city")
"""Why a steward closes an event as about nobody: the person is not in the registry, or the
event is not about someone the city's programs serve."""
NAMES = ("given_names", "first_surname", "second_surname")
COMPARED = (*NAMES, "birth_date", "sex", "curp", "borough")
SCORE = {"exact": 2, "close": 1, "missing": 0, "different": -1}
SHOWN = 5


def _steward(principal: Principal) -> None:
    if principal.kind != "staff" or principal.role not in REVIEWERS:
        raise Forbidden()


def _item(row: CrvsEvent) -> ReviewItem:
    return ReviewItem(id=row.id, kind=row.kind, state=row.state, reason=row.reason,
                      registered_on=row.registered_on, received_at=row.received_at,
                      attempts=row.attempts)


def queue(session: Session, *, principal: Principal, limit: int = 200) -> list[ReviewItem]:
    """The events a steward reviews, oldest first (kinds, days and reasons: no personal data)."""
    _steward(principal)
    return [_item(r) for r in repository.pending_review(session, limit)]


def _opened(keyring: Keyring, row: CrvsEvent) -> PersonRecord:
    return PersonRecord.model_validate_json(keyring.open(
        row.record_sealed, table="crvs_event", column="record", row_id=row.id))


def _sought(record: PersonRecord, kind: str) -> tuple[ReviewPerson, bool]:
    """The person the event must be matched to (a birth's mother, else its subject), and
    whether their birth date and sex come from the CURP alone."""
    if kind == "birth":
        described = record.parents[0] if record.parents else None
        given = record.parent1_identifier
        curp = given.value if given is not None and given.identifier_type == "UIN" else None
        if curp is None and described is not None:
            curp = next((i.identifier_value for i in described.identifier
                         if i.identifier_type == "UIN"), None)
        name = described.name if described else None
        born = described.birth_date if described else None
        sex = None
        borough = next((a.borough for a in described.address if a.borough), None) if described else None
    else:
        curp, name, born = record.id_of("UIN"), record.name, record.birth_date
        sex = SEXES.get(record.sex or "")
        borough = next((a.borough for a in record.address if a.borough), None)
    first, second = name.surnames if name else (None, None)
    facts = ReviewPerson(given_names=name.given_name if name else None, first_surname=first,
                         second_surname=second, birth_date=born, sex=sex, curp=curp,
                         borough=borough)
    from_curp = False
    if curp and facts.birth_date is None:
        facts.birth_date, from_curp = curp_rules.birth_date_of(curp), True
    if curp and facts.sex is None and curp[10] in "HMX":
        facts.sex = curp[10]
    return facts, from_curp


def _child(record: PersonRecord) -> ReviewPerson:
    first, second = record.name.surnames if record.name else (None, None)
    return ReviewPerson(given_names=record.name.given_name if record.name else None,
                        first_surname=first, second_surname=second, birth_date=record.birth_date,
                        sex=SEXES.get(record.sex or ""), curp=record.id_of("UIN"),
                        borough=next((a.borough for a in record.address if a.borough), None))


def _person(keyring: Keyring, person: Person, *, with_curp: bool = True) -> ReviewPerson:
    curp = (keyring.open(person.curp_sealed, table="person", column="curp",
                         row_id=person.id).decode() if with_curp and person.curp_sealed else None)
    return ReviewPerson(given_names=person.given_names, first_surname=person.first_surname,
                        second_surname=person.second_surname, birth_date=person.birth_date,
                        sex=person.sex, curp=curp, borough=person.borough)


def _record(key: str, facts: ReviewPerson) -> Record:
    return Record(key=key, given_names=facts.given_names or "", first_surname=facts.first_surname or "",
                  second_surname=facts.second_surname, birth_date=facts.birth_date, sex=facts.sex,
                  curp=facts.curp, borough=facts.borough, postal_code=None)


def _letters(curp: str, person: ReviewPerson) -> str:
    """Do the person's names give the letters the CURP starts with (and its consonants)?"""
    letters = curp_rules.name_letters(person.given_names or "", person.first_surname or "",
                                      person.second_surname)
    if letters[:4] == curp[:4]:
        return "exact" if letters[4:] == curp[13:16] else "close"
    return "different"


def _compared(facts: ReviewPerson, people: list[tuple[Person, ReviewPerson]],
              searched: bool) -> list[ReviewCandidate]:
    if not people:
        return []
    built = table.build([_record("event", facts)], [_record(str(p.id), v) for p, v in people])
    count = len(people)
    levels = compare.compare(built, np.zeros(count, dtype=np.int64), np.arange(1, count + 1, dtype=np.int64))
    out = []
    for (person, view), row in zip(people, levels, strict=True):
        found = dict(zip(compare.FIELDS, (LEVELS[int(v)] for v in row), strict=True))
        named = bool(facts.given_names)  # else the names are compared through the CURP's letters
        agreements = [FieldAgreement(field=f, level=found[f]) for f in COMPARED
                      if named or f not in NAMES]
        if facts.curp and not named:
            agreements.append(FieldAgreement(field="curp_letters",
                                             level=_letters(facts.curp, view)))
        out.append(ReviewCandidate(person_id=person.id, person=view, deceased_on=person.deceased_on,
                                   agreements=agreements, searched=searched))
    return out


def _likely(candidate: ReviewCandidate) -> bool:
    """The CURP's holder, or a person whose name agrees somewhat and whose fields score 3."""
    levels = {a.field: a.level for a in candidate.agreements}
    if levels.get("curp") == "exact":
        return True
    named = [levels[f] for f in (*NAMES, "curp_letters") if f in levels]
    return any(level in ("exact", "close") for level in named) and _score(candidate) >= 3


def _score(candidate: ReviewCandidate) -> int:
    return sum(SCORE[a.level] for a in candidate.agreements)


def _ranked(facts: ReviewPerson, people: list[tuple[Person, ReviewPerson]]) -> list[ReviewCandidate]:
    scored = [c for c in _compared(facts, people, False) if _likely(c)]
    scored.sort(key=lambda c: (-_score(c), str(c.person_id)))
    return scored


def _candidates(session: Session, keyring: Keyring, facts: ReviewPerson) -> list[ReviewCandidate]:
    """The registry's linkage candidates: the CURP's holder, and persons born that day or with
    that name, kept when their names agree and ranked by how many fields agree. They are ranked
    once without their CURPs, then again with the CURPs of the few kept: no CURP is opened for
    a person who is not shown."""
    holder = (repository.usable_person_by_curp_index(session, keyring.blind_index("curp", facts.curp))
              if facts.curp else None)
    name_key = (sort_key(facts.given_names, facts.first_surname or "", facts.second_surname)
                if facts.given_names and facts.first_surname else None)
    rows = {p.id: p for p in repository.review_candidates(session, birth_date=facts.birth_date,
                                                          name_key=name_key)}
    first = _ranked(facts, [(p, _person(keyring, p, with_curp=False)) for p in rows.values()])
    kept = [holder] if holder is not None else []
    kept += [rows[c.person_id] for c in first[:2 * SHOWN] if holder is None or c.person_id != holder.id]
    return _ranked(facts, [(p, _person(keyring, p)) for p in kept])[:SHOWN]


def _searched(session: Session, keyring: Keyring, facts: ReviewPerson, text: str) -> list[ReviewCandidate]:
    """The registered person a steward looked up by CURP or by record id."""
    typed = text.strip().upper()
    if CURP.match(typed):
        found = repository.usable_person_by_curp_index(session, keyring.blind_index("curp", typed))
    else:
        try:
            found = repository.usable_person(session, uuid.UUID(typed.lower()))
        except ValueError:
            raise InvalidInput(fields=[FieldError("q", "crvs_search_invalid")]) from None
    return _compared(facts, [(found, _person(keyring, found))], True) if found else []


def _event(session: Session, event_id: uuid.UUID, *, for_update: bool = False) -> CrvsEvent:
    row = repository.event(session, event_id, for_update=for_update)
    if row is None:
        raise NotFound(fields=[FieldError("event_id", "not_found")])
    return row


def review(session: Session, *, keyring: Keyring, principal: Principal, event_id: uuid.UUID,
           search: str | None = None) -> EventReview:
    """An event's facts beside its candidates (and the person a steward searched for); the
    reading of the event and of every person shown is audited."""
    _steward(principal)
    row = _event(session, event_id)
    record = _opened(keyring, row)
    facts, from_curp = _sought(record, row.kind)
    pending = row.state in PENDING
    searched = _searched(session, keyring, facts, search) if search and pending else []
    candidates = _candidates(session, keyring, facts) if pending else []
    detail = {"event": str(row.id)}
    audit.record(session, principal=principal, action="crvs.review_read", person_id=row.person_id,
                 purpose=PURPOSE, detail=detail)
    shown = [c.person_id for c in searched + candidates]
    if shown:
        audit.record_shown(session, principal=principal, action="crvs.review_candidates",
                           person_ids=shown, purpose=PURPOSE, detail=detail)
    return EventReview(item=_item(row), sought="mother" if row.kind == "birth" else "person",
                       facts=facts, from_curp=from_curp,
                       child=_child(record) if row.kind == "birth" else None,
                       death_date=record.death_date, candidates=candidates, searched=searched,
                       pending=pending, outcome=row.outcome or {})


def resolve(session: Session, *, keyring: Keyring, catalog: Any, principal: Principal,
            event_id: uuid.UUID, person_id: uuid.UUID) -> ReviewItem:
    """The steward names the person (a birth's mother): the event runs as a matched one would."""
    _steward(principal)
    row = _event(session, event_id, for_update=True)
    if row.state not in PENDING:
        raise Conflict("event_not_pending")
    person = repository.usable_person(session, person_id, for_update=True)
    if person is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    record = _opened(keyring, row)
    facts, _ = _sought(record, row.kind)
    if facts.curp:
        index = keyring.blind_index("curp", facts.curp)
        if person.curp_index is None:
            person_service.update(session, keyring=keyring, principal=principal, person=person,
                                  data=PersonUpdate(curp=facts.curp), source="civil_registry")
        elif person.curp_index != index:
            raise Conflict("crvs_curp_differs")
    row.attempts += 1
    vital.run(vital.Context(session=session, keyring=keyring, catalog=catalog,
                            sender_id=row.sender_id,
                            chosen_mother=person.id if row.kind == "birth" else None), row, record)
    row.outcome = {**(row.outcome or {}), "chosen_by": principal.id}
    audit.record(session, principal=principal, action="crvs.review_chosen", person_id=person.id,
                 purpose=PURPOSE, detail={"event": str(row.id), "state": row.state})
    return _item(row)


def dismiss(session: Session, *, principal: Principal, event_id: uuid.UUID, reason: str) -> ReviewItem:
    """The steward says the event is about nobody in the registry: it closes as rejected."""
    _steward(principal)
    if reason not in DISMISS_REASONS:
        raise InvalidInput(fields=[FieldError("reason", "field_choice",
                                              {"choices": ", ".join(DISMISS_REASONS)})])
    row = _event(session, event_id, for_update=True)
    if row.state not in PENDING:
        raise Conflict("event_not_pending")
    row.state, row.reason, row.processed_at = "rejected", reason, utcnow()
    row.outcome = {**(row.outcome or {}), "dismissed_by": principal.id}
    audit.record(session, principal=principal, action="crvs.review_dismissed", person_id=None,
                 purpose=PURPOSE, detail={"event": str(row.id), "reason": reason})
    return _item(row)
