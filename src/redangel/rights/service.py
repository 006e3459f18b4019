"""The one door of the data rights (ARCO): receiving a request at the office, answering each
right, and erasing cancelled records once their retention has run out.

Who may do what: clerks and supervisors of the office receive requests (with the identity
document they saw), deliver an access, close a rectification after correcting the record
through the normal edit, and record an opposition; only the supervisor blocks a record
(cancellation) or refuses a request. A request belongs to the office that received it: another
office's answers "not found". Every step is audited with the request's folio.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.card import service as cards
from redangel.card.schemas import CardStatus
from redangel.common.business_days import add_business_days
from redangel.common.clock import city_day, city_today
from redangel.common.folio import new_folio
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.person import accesses
from redangel.person import service as persons
from redangel.program import complaints, notes
from redangel.program import overview as overviews
from redangel.rights import messages as _messages  # noqa: F401  (registers the texts)
from redangel.rights import repository
from redangel.rights.models import (
    IDENTITY_DOCUMENTS,
    REFUSAL_REASONS,
    RIGHTS,
    USES,
    RightsRequest,
)
from redangel.rights.schemas import AccessExport, RightsRequestCreate, RightsRequestOut

PURPOSE = "data_subject_rights"
ACCESS_LIMIT = 5000  # the accesses an export lists, newest first
LISTED = 200


def _office_staff(principal: Principal) -> None:
    """The office's clerks and supervisors, with the office their requests belong to."""
    complaints.office_staff(principal)
    if principal.office_id is None:
        raise Forbidden()


def _supervisor(principal: Principal) -> None:
    _office_staff(principal)
    if principal.role != "supervisor":
        raise Forbidden("rights_decision_role")


def out(row: RightsRequest) -> RightsRequestOut:
    """The read model of a request."""
    return RightsRequestOut(
        id=row.id, folio=row.folio, person_id=row.person_id, right=row.right,
        use=row.use, status=row.status, identity_document=row.identity_document,
        received_at=row.received_at, due_on=row.due_on,
        overdue=row.status == "open" and row.due_on < city_today(), outcome=row.outcome,
        decided_at=row.decided_at, history_id=row.history_id, erase_after=row.erase_after,
        erased_at=row.erased_at)


def receive(session: Session, *, principal: Principal, settings: Any,
            data: RightsRequestCreate) -> RightsRequest:
    """Receive a request at the office for a person of its scope, after checking identity."""
    _office_staff(principal)
    problems = []
    if not data.identity_document:
        problems.append(FieldError("identity_document", "identity_not_verified"))
    elif data.identity_document not in IDENTITY_DOCUMENTS:
        problems.append(FieldError("identity_document", "field_choice",
                                   {"choices": ", ".join(IDENTITY_DOCUMENTS)}))
    if data.right not in RIGHTS:  # the schema's Literal says so too; pages send plain text
        problems.append(FieldError("right", "field_choice", {"choices": ", ".join(RIGHTS)}))
    if data.right == "opposition" and data.use not in USES:
        problems.append(FieldError("use", "rights_use_required"))
    if problems:
        raise InvalidInput(fields=problems)
    persons.get(session, principal=principal, person_id=data.person_id, purpose=PURPOSE)
    today = city_today()
    row = RightsRequest(
        id=uuid.uuid4(), folio=new_folio(), person_id=data.person_id,
        office_id=principal.office_id, right=data.right,
        use=data.use if data.right == "opposition" else None, status="open",
        identity_document=data.identity_document, received_by=principal.id,
        received_at=utcnow(), due_on=add_business_days(today, settings.rights_deadline_days))
    repository.add(session, row)
    audit.record(session, principal=principal, action="rights.receive", person_id=row.person_id,
                 purpose=PURPOSE, detail={"folio": row.folio, "right": row.right})
    return row


def _open(session: Session, principal: Principal, request_id: uuid.UUID,
          right: str | None) -> RightsRequest:
    row = repository.of_office(session, request_id, principal.office_id, lock=True)
    if row is None:
        raise NotFound()
    if right is not None and row.right != right:
        raise Conflict("rights_wrong_right")
    if row.status != "open":
        raise Conflict("rights_not_open")
    return row


def _close(session: Session, principal: Principal, row: RightsRequest, *, status: str,
           outcome: str) -> None:
    row.status, row.outcome = status, outcome
    row.decided_by, row.decided_at = principal.id, utcnow()
    audit.record(session, principal=principal, action=f"rights.{row.right}", person_id=row.person_id,
                 purpose=PURPOSE, outcome=status,
                 detail={"folio": row.folio, "outcome": outcome})


def get(session: Session, *, principal: Principal, request_id: uuid.UUID) -> RightsRequest:
    """One request of the principal's office (404 for another office's)."""
    _office_staff(principal)
    row = repository.of_office(session, request_id, principal.office_id)
    if row is None:
        raise NotFound()
    return row


def view(session: Session, *, principal: Principal, request_id: uuid.UUID) -> RightsRequestOut:
    """One request of the office, to show (the showing is audited: a request says something
    about its person)."""
    row = get(session, principal=principal, request_id=request_id)
    audit.record(session, principal=principal, action="rights.read", person_id=row.person_id,
                 purpose=PURPOSE, detail={"folio": row.folio})
    return out(row)


def office_requests(session: Session, *, principal: Principal) -> list[RightsRequestOut]:
    """The office's requests, open ones first by due day."""
    _office_staff(principal)
    return [out(r) for r in repository.office_requests(session, principal.office_id, LISTED)]


def export(session: Session, *, keyring: Keyring, principal: Principal,
           request_id: uuid.UUID) -> AccessExport:
    """Everything held about the person of an access request (each read audited)."""
    row = get(session, principal=principal, request_id=request_id)
    if row.right != "access":
        raise Conflict("rights_wrong_right")
    if row.status == "refused":
        raise Conflict("rights_not_open")
    overview = overviews.overview(session, keyring=keyring, principal=principal,
                                  person_id=row.person_id, purpose="data_subject_access")
    held = cards.cards_of(session, principal=principal, person_id=row.person_id)
    trail = accesses.accesses(session, principal=principal, person_id=row.person_id,
                              limit=ACCESS_LIMIT)
    return AccessExport(
        folio=row.folio, generated_at=utcnow(), overview=overview,
        cards=[CardStatus(serial=c.serial, status=c.status, generation=c.generation,
                          issued_at=c.issued_at, expires_on=c.expires_on) for c in held],
        refused_uses=repository.oppositions(session, row.person_id),
        complaints=complaints.held_by(session, keyring=keyring, person_id=row.person_id,
                                      principal=principal),
        notes=notes.held_by(session, keyring=keyring, person_id=row.person_id),
        requests=[out(r) for r in repository.person_requests(session, row.person_id)],
        accesses=trail)


def deliver_access(session: Session, *, principal: Principal,
                   request_id: uuid.UUID) -> RightsRequest:
    """Record that the person received their data (printed page or file)."""
    _office_staff(principal)
    row = _open(session, principal, request_id, "access")
    _close(session, principal, row, status="done", outcome="delivered")
    return row


def close_rectification(session: Session, *, principal: Principal,
                        request_id: uuid.UUID) -> RightsRequest:
    """Close a rectification, linking it to the change saved through the person's edit."""
    _office_staff(principal)
    row = _open(session, principal, request_id, "rectification")
    persons.for_update(session, principal=principal, person_id=row.person_id)
    change = repository.latest_person_change(session, row.person_id, row.received_at)
    if change is None:
        raise Conflict("rights_no_change")
    row.history_id = change
    _close(session, principal, row, status="done", outcome="rectified")
    return row


def record_opposition(session: Session, *, principal: Principal,
                      request_id: uuid.UUID) -> RightsRequest:
    """Record the use the person refuses; outreach leaves them out from now on."""
    _office_staff(principal)
    row = _open(session, principal, request_id, "opposition")
    persons.for_update(session, principal=principal, person_id=row.person_id)
    repository.oppose(session, row.person_id, str(row.use), utcnow())
    _close(session, principal, row, status="done", outcome="use_refused")
    return row


def block(session: Session, *, principal: Principal, settings: Any,
          request_id: uuid.UUID) -> RightsRequest:
    """Decide a cancellation: the record is blocked from every use now, erased after the
    retention the law requires (`erase_due`)."""
    _supervisor(principal)
    row = _open(session, principal, request_id, "cancellation")
    persons.for_update(session, principal=principal, person_id=row.person_id)
    now = utcnow()
    repository.block(session, row.person_id, now)
    row.erase_after = city_day(now) + timedelta(days=settings.rights_retention_days)
    _close(session, principal, row, status="done", outcome="blocked")
    return row


def refuse(session: Session, *, principal: Principal, request_id: uuid.UUID,
           reason: str) -> RightsRequest:
    """Refuse a request for one of the reasons the law allows (the supervisor's decision)."""
    _supervisor(principal)
    if reason not in REFUSAL_REASONS:
        raise InvalidInput(fields=[FieldError("reason", "field_choice",
                                              {"choices": ", ".join(REFUSAL_REASONS)})])
    row = _open(session, principal, request_id, None)
    _close(session, principal, row, status="refused", outcome=reason)
    return row


def opposes(session: Session, person_id: uuid.UUID, use: str) -> bool:
    """Whether the person refused this use of their data (for proactive offers and outreach;
    queries over many persons use `person.policy.not_opposed(use)` instead)."""
    return repository.opposes(session, person_id, use)


def erase_due(session: Session, *, principal: Principal) -> list[str]:
    """Erase every blocked person whose retention has run out; returns the folios erased.
    Idempotent: an erased request is not due again, and erasing twice finds nothing."""
    erased = []
    now = utcnow()
    for row in repository.due_erasures(session, city_today()):
        touched = repository.erase_person(session, row.person_id, now)
        row.erased_at = now
        audit.record(session, principal=principal, action="rights.erase", person_id=row.person_id,
                     purpose=PURPOSE, detail={"folio": row.folio,
                                              "rows": sum(touched.values())})
        erased.append(row.folio)
    return erased


def compact(engine: Engine) -> None:
    """Rewrite the database files so the erased values leave them (after the erasure commits)."""
    repository.compact(engine)
