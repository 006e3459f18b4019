"""Complaints (quejas): a citizen's complaint recorded at the office, answered by its supervisor,
followed by its folio like any request.

A clerk or supervisor records the complaint of a person in their scope: a category from a fixed
list, the agency concerned and the citizen's words (sealed). It gets a folio and its own answer
date, `ANSWER_BUSINESS_DAYS` business days later. The office's supervisor writes the answer the
citizen reads on the folio page (sealed too); the folio page shows the status in words and the
answer, never the citizen's words nor who they are. Complaints about family violence or
disability access are read only by the office's supervisors: a clerk neither lists nor opens
them. Every reading of a complaint's text is audited with the purpose `complaint`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common import folio as folios
from redangel.common.business_days import add_business_days
from redangel.common.clock import city_day, city_today
from redangel.common.folio import new_folio
from redangel.common.names import fold
from redangel.common.types import Names
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.person import repository as persons
from redangel.person.policy import person_condition
from redangel.program import complaint_repository as repository
from redangel.program import deadlines
from redangel.program.followup_schemas import FolioEvent, FolioStatus, HeldComplaint
from redangel.program.models import COMPLAINT_CATEGORIES, RESTRICTED_CATEGORIES, Complaint

ANSWER_BUSINESS_DAYS = 10
"""A complaint's service level: the supervisor answers within ten business days."""
TEXT_MAX = 1000
OFFICE_ROLES = ("clerk", "supervisor")


@dataclass(frozen=True)
class ComplaintRow:
    """One line of an office's list of complaints (no personal data)."""

    folio: str
    category: str
    status: str
    filed_at: datetime
    expected_answer_on: date
    agency_name: Names
    days_late: int
    escalated_to: str | None = None
    """Who the chain of command told last of a late complaint still unanswered (None: nobody)."""


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as the office reads it: the citizen's words and the answer unsealed."""

    folio: str
    person_id: uuid.UUID
    category: str
    agency_name: Names
    status: str
    filed_at: datetime
    expected_answer_on: date
    text: str
    answer: str | None
    may_answer: bool


def office_staff(principal: Principal) -> None:
    """Refuse anyone but the office's clerks and supervisors (the call center, the coordination
    unit, stewards, analysts, agencies and kiosks follow requests elsewhere)."""
    if principal.kind != "staff" or principal.role not in OFFICE_ROLES:
        raise Forbidden()


def _categories_for(principal: Principal) -> tuple[str, ...]:
    """The categories this principal may read: all for a supervisor, the others for a clerk."""
    if principal.role == "supervisor":
        return COMPLAINT_CATEGORIES
    return tuple(c for c in COMPLAINT_CATEGORIES if c not in RESTRICTED_CATEGORIES)


def clean_words(text: str, field: str, limit: int = TEXT_MAX) -> str:
    """Free words a person wrote, trimmed: refused when empty, longer than `limit`, or holding
    characters that are not text (naming the field)."""
    said = text.strip()
    if not said:
        raise InvalidInput(fields=[FieldError(field, "field_required")])
    if len(said) > limit:
        raise InvalidInput(fields=[FieldError(field, "field_too_long", {"max": limit})])
    if not all(ch.isprintable() or ch in "\n\r\t" for ch in said):
        raise InvalidInput(fields=[FieldError(field, "field_type")])
    return said


def file(session: Session, *, keyring: Keyring, principal: Principal, person_id: uuid.UUID,
         category: str, agency_code: str, text: str) -> Complaint:
    """Record a citizen's complaint at the office; its folio and answer date are returned."""
    office_staff(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    if category not in COMPLAINT_CATEGORIES:
        raise InvalidInput(fields=[FieldError("category", "complaint_category")])
    if agency_code not in {row.code for row in repository.agencies(session)}:
        raise InvalidInput(fields=[FieldError("agency", "complaint_agency")])
    said = clean_words(text, "text")
    row = Complaint(id=uuid.uuid4(), folio=new_folio(), person_id=person_id,
                    office_id=principal.office_id, agency_code=agency_code, category=category,
                    status="submitted", filed_at=utcnow(),
                    expected_answer_on=add_business_days(city_today(), ANSWER_BUSINESS_DAYS))
    row.text_sealed = keyring.seal(said.encode(), table="complaint", column="text", row_id=row.id)
    session.add(row)
    session.flush()
    audit.record(session, principal=principal, action="complaint.file", person_id=person_id,
                 purpose="complaint", detail={"folio": row.folio, **(
                     {} if category in RESTRICTED_CATEGORIES else {"category": category})})
    return row


def agencies(session: Session) -> list[tuple[str, Names]]:
    """The agencies a complaint may concern."""
    return [(r.code, Names(es=r.name_es, en=r.name_en)) for r in repository.agencies(session)]


def office_list(session: Session, *, principal: Principal) -> list[ComplaintRow]:
    """The office's complaints this principal may read, open ones first (one query)."""
    office_staff(principal)
    today = city_today()
    return [ComplaintRow(folio=r.folio, category=r.category, status=r.status,
                         filed_at=r.filed_at, expected_answer_on=r.expected_answer_on,
                         agency_name=Names(es=r.name_es, en=r.name_en),
                         days_late=deadlines.days_late(r.expected_answer_on, today)
                         if r.status == "submitted" else 0,
                         escalated_to=r.escalated_role if r.status == "submitted" else None)
            for r in repository.of_office(session, principal.office_id,
                                          _categories_for(principal))]


def _find(session: Session, principal: Principal, folio: str, *,
          for_update: bool = False) -> Complaint:
    """A complaint of the principal's office and readable category; any other is not found."""
    office_staff(principal)
    canonical = folios.normalise(folio[:40])
    row = repository.by_folio(session, canonical, for_update=for_update) if canonical else None
    if (row is None or row[0].office_id != principal.office_id
            or row[0].category not in _categories_for(principal)):
        raise NotFound(fields=[FieldError("folio", "not_found")])
    complaint: Complaint = row[0]
    return complaint


def read(session: Session, *, keyring: Keyring, principal: Principal, folio: str) -> ComplaintView:
    """A complaint with the citizen's words and the answer (the reading is audited)."""
    row = repository.by_folio(session, _find(session, principal, folio).folio)
    complaint: Complaint = row[0]
    audit.record(session, principal=principal, action="complaint.read",
                 person_id=complaint.person_id, purpose="complaint",
                 detail={"folio": complaint.folio})
    return ComplaintView(
        folio=complaint.folio, person_id=complaint.person_id, category=complaint.category,
        agency_name=Names(es=row.name_es, en=row.name_en), status=complaint.status,
        filed_at=complaint.filed_at, expected_answer_on=complaint.expected_answer_on,
        text=_open(keyring, complaint, "text") or "", answer=_open(keyring, complaint, "answer"),
        may_answer=principal.role == "supervisor" and complaint.status == "submitted")


def _open(keyring: Keyring, complaint: Complaint, column: str) -> str | None:
    blob = complaint.text_sealed if column == "text" else complaint.answer_sealed
    if blob is None:
        return None
    return keyring.open(blob, table="complaint", column=column, row_id=complaint.id).decode()


def answer(session: Session, *, keyring: Keyring, principal: Principal, folio: str,
           text: str) -> Complaint:
    """The office supervisor's answer, which the citizen reads on the folio page (once)."""
    complaint = _find(session, principal, folio, for_update=True)
    if principal.role != "supervisor":
        raise Forbidden(fields=[FieldError("answer", "complaint_supervisor_only")])
    if complaint.status != "submitted":
        raise Conflict("complaint_answered", fields=[FieldError("answer", "complaint_answered")])
    said = clean_words(text, "answer")
    complaint.answer_sealed = keyring.seal(said.encode(), table="complaint", column="answer",
                                           row_id=complaint.id)
    complaint.status = "answered"
    complaint.answered_at = utcnow()
    audit.record(session, principal=principal, action="complaint.answer",
                 person_id=complaint.person_id, purpose="complaint",
                 detail={"folio": complaint.folio})
    return complaint


def folio_status(session: Session, *, keyring: Keyring, principal: Principal, folio: str,
                 birth_date: date, surname: str | None = None) -> FolioStatus | None:
    """A complaint's status and answer for whoever holds its folio and the citizen's birth date
    (None when nothing matches: the caller gives the one refusal)."""
    canonical = folios.normalise(folio[:40])
    row = repository.by_folio(session, canonical) if canonical else None
    if row is None or row.birth_date != birth_date or (
            surname is not None and fold(surname) != fold(row.first_surname)):
        return None
    complaint: Complaint = row[0]
    audit.record(session, principal=principal, action="complaint.folio",
                 person_id=complaint.person_id, purpose="follow_up",
                 detail={"folio": complaint.folio})
    history = [FolioEvent(action="complaint_filed", at=complaint.filed_at)]
    history += [FolioEvent(action=action, at=at)
                for action, at in repository.escalations_of(session, complaint.id)]
    if complaint.answered_at is not None:
        history.append(FolioEvent(action="complaint_answered", at=complaint.answered_at))
    today = city_today()
    return FolioStatus(
        folio=complaint.folio, status=complaint.status, kind="complaint",
        category=None if complaint.category in RESTRICTED_CATEGORIES else complaint.category,
        program_name=None, agency_name=Names(es=row.name_es, en=row.name_en),
        requested_at=complaint.filed_at, updated_at=history[-1].at,
        expected_decision_on=complaint.expected_answer_on,
        standing=deadlines.standing(complaint.status, city_day(complaint.filed_at),
                                    complaint.expected_answer_on, today),
        days_late=deadlines.days_late(complaint.expected_answer_on, today),
        decision_reason=_open(keyring, complaint, "answer"), history=history,
        may_rate=False, rated=False)


def held_by(session: Session, *, keyring: Keyring, person_id: uuid.UUID,
            principal: Principal) -> list[HeldComplaint]:
    """Every complaint of a person, their words and the answers included, for their own access
    copy (the caller checked the person's identity and audits the reading). A complaint only the
    office's supervisors may read keeps its category and words out of a clerk's copy
    (category `reserved`): the supervisor gives it."""
    readable = _categories_for(principal)
    return [HeldComplaint(folio=c.folio, agency_name=Names(es=name_es, en=name_en),
                          status="answered" if c.status == "answered" else "submitted",
                          filed_at=c.filed_at, **(
                              {"category": c.category, "text": _open(keyring, c, "text") or "",
                               "answer": _open(keyring, c, "answer")}
                              if c.category in readable
                              else {"category": "reserved", "text": "", "answer": None}))
            for c, name_es, name_en in (tuple(r) for r in repository.of_person(session, person_id))]
