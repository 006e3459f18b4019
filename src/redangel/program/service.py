"""Applications, enrollments and deliveries: submitting, deciding, enrolling, suspending, exiting.

Every transition keeps who, when and why (history), is audited, enters the owning agency's
change feed, and checks the state machine; an illegal move answers 409 naming the moves that
are allowed. The database holds the invariants (one open application, one live enrollment per
person and program); exclusions between programs are checked under the person's row lock
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serializes writers with BEGIN IMMEDIATE), so
concurrent approvals of two exclusive programs cannot both win.

Separation of duties (`authorize_application_move`, `authorize_enrollment_move`): deciding an
application (approving or rejecting it) and moving an enrollment belong to a supervisor of the
office whose persons it concerns or to the agency that owns the program, never to a clerk, and
nobody decides an application they submitted (the submitter is the actor of its "submitted"
history entry). The endpoints ask before checking `If-Match`, so a refused principal learns
nothing about versions.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.models import Agency
from redangel.auth.principal import SYSTEM, Principal
from redangel.common import clock
from redangel.common import folio as folios
from redangel.common.clock import city_today
from redangel.common.folio import new_folio
from redangel.common.names import full_name
from redangel.common.types import Names
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from redangel.history import service as history
from redangel.person import repository as persons
from redangel.person.policy import person_condition, verified_caller_condition
from redangel.program import changes, deadlines, escalation, repository
from redangel.program.models import (
    EXIT_REASONS,
    SUSPEND_REASONS,
    Application,
    Delivery,
    Enrollment,
    Program,
)
from redangel.program.policy import program_condition
from redangel.program.schemas import DeliveryCreate, OverdueApplication

APPLICATION_MOVES = {
    "submitted": ("in_review", "rejected"),
    "in_review": ("approved", "rejected"),
    "approved": (),
    "rejected": (),
}
ENROLLMENT_MOVES = {"active": ("suspended", "exited"), "suspended": ("active", "exited"),
                    "exited": ()}
DECISIONS = frozenset({"approved", "rejected"})
"""Application moves that decide it; putting it in review is work on the file, not a decision."""
DECIDERS = frozenset({"supervisor", "agency"})
"""The roles that may decide applications and move enrollments."""


LOADED_FOR_SECONDS = 30.0
"""How long a process trusts the programs on the books it read (`loaded_codes`): a catalog
loaded by another process (`redangel catalog load`) is seen within this time."""
_loaded: dict[str, tuple[float, frozenset[str]]] = {}


def loaded_codes(session: Session) -> frozenset[str]:
    """The codes of the programs on the registry's books (the loaded catalog), read at most once
    per `LOADED_FOR_SECONDS` per process and database; a catalog loaded in this process is seen
    at once."""
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _loaded.get(key)
    if cached is None or now - cached[0] > LOADED_FOR_SECONDS:
        cached = (now, frozenset(repository.program_codes(session)))
        _loaded[key] = cached
    return cached[1]


def sync_catalog(session: Session, catalog: Any) -> int:
    """Insert or update agencies and programs from the catalog; returns programs written."""
    _loaded.clear()
    for code, name in catalog.agencies.items():
        agency = session.get(Agency, code) or Agency(code=code)
        agency.name_es, agency.name_en = name.es, name.en
        session.add(agency)
    session.flush()
    for program in catalog.programs.values():
        row = session.get(Program, program.code) or Program(code=program.code)
        row.agency_code, row.name_es, row.name_en = program.agency, program.name.es, program.name.en
        row.legal_reference = program.legal_reference[:400]
        row.valid_from, row.valid_to = program.valid_from, program.valid_to
        row.expected_days = program.expected_days
        row.documents = [d.to_dict() for d in program.documents]
        row.excludes = list(program.excludes)
        row.sensitive = program.sensitive
        session.add(row)
    session.flush()
    return len(catalog.programs)


def application_data(app: Application) -> dict[str, Any]:
    """The state of an application as the change feed carries it."""
    return {"folio": app.folio, "person_id": str(app.person_id), "program": app.program_code,
            "channel": app.channel, "status": app.status,
            "submitted_at": app.submitted_at.isoformat(),
            "expected_decision_on": app.expected_decision_on.isoformat(),
            "decision_reason": app.decision_reason, "version": app.version}


def enrollment_data(row: Enrollment) -> dict[str, Any]:
    """The state of an enrollment as the change feed carries it."""
    return {"id": str(row.id), "person_id": str(row.person_id), "program": row.program_code,
            "status": row.status, "started_on": row.started_on.isoformat(),
            "ended_on": row.ended_on.isoformat() if row.ended_on else None,
            "exit_reason": row.exit_reason, "version": row.version}


def delivery_data(row: Delivery) -> dict[str, Any]:
    """A delivery as the change feed carries it."""
    return {"id": str(row.id), "enrollment_id": str(row.enrollment_id),
            "person_id": str(row.person_id), "program": row.program_code,
            "delivered_on": row.delivered_on.isoformat(), "kind": row.kind,
            "amount": str(row.amount) if row.amount is not None else None, "place": row.place}


def _feed(session: Session, program: Program, entity: str, entity_id: uuid.UUID,
          person_id: uuid.UUID, action: str, data: dict[str, Any]) -> None:
    changes.record(session, agency_code=program.agency_code, entity=entity, entity_id=entity_id,
                   person_id=person_id, program_code=program.code, action=action, data=data)


def announce_moved(session: Session, *, application_ids: list[uuid.UUID],
                   enrollment_ids: list[uuid.UUID], action: str) -> None:
    """Tell each agency that these applications and enrollments now belong to another record of
    the same person (a merge of two records, or its undoing): one feed change per row."""
    for application in repository.applications_by_ids(session, application_ids):
        program = repository.program(session, application.program_code)
        assert program is not None  # a foreign key: every application's program exists
        _feed(session, program, "application", application.id, application.person_id, action,
              application_data(application))
    for enrollment in repository.enrollments_by_ids(session, enrollment_ids):
        program = repository.program(session, enrollment.program_code)
        assert program is not None  # a foreign key: every enrollment's program exists
        _feed(session, program, "enrollment", enrollment.id, enrollment.person_id, action,
              enrollment_data(enrollment))


def submit(session: Session, *, principal: Principal, person_id: uuid.UUID, program_code: str,
           channel: str, catalog_version: str | None = None,
           evaluation: dict[str, Any] | None = None,
           caller_verified: bool = False) -> Application:
    """Open an application (one open per person and program, held by the database) for a person
    in scope (or, `caller_verified`, a person the call center proved by the stated answers)."""
    condition = verified_caller_condition() if caller_verified else person_condition(principal)
    if persons.get(session, person_id, condition) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    program = repository.program(session, program_code)
    if program is None:
        raise NotFound(fields=[FieldError("program", "not_found")])
    today = city_today()
    if (program.valid_from and today < program.valid_from) or (
        program.valid_to and today > program.valid_to
    ):
        raise Conflict("program_not_open", program=program.code)
    application = Application(
        id=uuid.uuid4(), folio=new_folio(), person_id=person_id, program_code=program_code,
        channel=channel, status="submitted", submitted_at=utcnow(),
        expected_decision_on=today + timedelta(days=program.expected_days),
        documents=[{**d, "received": False} for d in program.documents],
        catalog_version=catalog_version, evaluation=evaluation, office_id=principal.office_id,
    )
    try:
        with session.begin_nested():
            session.add(application)
    except IntegrityError as exc:
        raise Conflict("application_open", extra={"program": program_code}) from exc
    history.record(session, principal=principal, entity="application", entity_id=application.id,
                   action="submitted", changes={"program": program_code, "channel": channel})
    audit.record(session, principal=principal, action="application.submit", person_id=person_id,
                 purpose="application", detail={"program": program_code})
    _feed(session, program, "application", application.id, person_id, "submitted",
          application_data(application))
    return application


def find_application(session: Session, *, principal: Principal, folio: str,
                     for_update: bool = False) -> Application:
    """An application by its folio as someone typed it; a mistyped folio is caught by its check
    symbol, and one outside the principal's scope is not found."""
    canonical = folios.normalise(folio[:40])
    if canonical is None:
        raise NotFound(fields=[FieldError("folio", "folio_invalid")])
    app = repository.application_by_folio(
        session, canonical, person_condition(principal),
        program_condition(principal, Application.program_code), for_update=for_update)
    if app is None:
        raise NotFound()
    return app


def overdue(session: Session, *, principal: Principal, limit: int) -> list[OverdueApplication]:
    """The open applications of persons in the principal's scope past their expected decision
    date, most late first."""
    today = city_today()
    rows = repository.overdue(session, person_condition(principal), today, limit)
    audit.record_shown(session, principal=principal, action="application.overdue",
                       person_ids=(r[0].person_id for r in rows), purpose="supervision")
    return [OverdueApplication(
                folio=a.folio, program=name_es, program_name=Names(es=name_es, en=name_en),
                person=full_name(given, first, second), person_id=a.person_id,
                expected_decision_on=a.expected_decision_on,
                days_late=deadlines.days_late(a.expected_decision_on, today), status=a.status)
            for a, name_es, name_en, given, first, second in (tuple(r) for r in rows)]


def queue(session: Session, *, principal: Principal, shown: int,
          most: int = 5000) -> dict[str, Any]:
    """The open applications of persons in the principal's scope, grouped overdue, at risk and
    on track (`deadlines.standing`), each group soonest-due first: counts of every group, and its
    first `shown` rows (the persons shown are audited). Counts stop at `most` applications."""
    today = city_today()
    rows = repository.open_queue(session, person_condition(principal), most + 1)
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in deadlines.STANDINGS}
    for a, name_es, name_en, given, first, second in (tuple(r) for r in rows[:most]):
        submitted = clock.city_day(a.submitted_at)
        where = deadlines.standing(a.status, submitted, a.expected_decision_on, today)
        groups[where].append({
            "folio": a.folio, "program_name": {"es": name_es, "en": name_en},
            "person": full_name(given, first, second), "person_id": str(a.person_id),
            "submitted_on": submitted.isoformat(), "status": a.status,
            "expected_decision_on": a.expected_decision_on.isoformat(),
            "days_late": deadlines.days_late(a.expected_decision_on, today),
            "days_left": max(0, (a.expected_decision_on - today).days)})
    visible = {s: items[:shown] for s, items in groups.items()}
    audit.record_shown(session, principal=principal, action="application.queue",
                       person_ids=(uuid.UUID(r["person_id"]) for items in visible.values()
                                   for r in items), purpose="supervision")
    return {"counts": {s: len(items) for s, items in groups.items()}, "groups": visible,
            "more_than": most if len(rows) > most else None}


def _may_decide(principal: Principal, program: Program) -> None:
    if principal.kind == "agency" and principal.agency_code != program.agency_code:
        raise NotFound()
    if principal.kind not in ("staff", "agency") or principal.role in ("analyst", "admin"):
        raise Forbidden()


def _must_be_decider(principal: Principal) -> None:
    if principal.role not in DECIDERS:
        raise Forbidden("decision_role", fields=[FieldError("to", "decision_role")])


def authorize_application_move(session: Session, *, principal: Principal,
                               application: Application, to: str) -> None:
    """Separation of duties: a decision is for the office's supervisor or the owning agency,
    and never for whoever submitted the application (403 otherwise)."""
    program = repository.program(session, application.program_code)
    assert program is not None
    _may_decide(principal, program)
    if to not in DECISIONS:
        return
    _must_be_decider(principal)
    submitter = repository.submitter(session, application.id)
    if submitter is None:  # no record of who submitted it: separation cannot be shown
        raise Forbidden("submitter_unknown", fields=[FieldError("to", "submitter_unknown")])
    if submitter == (principal.kind, principal.id):
        raise Forbidden("own_submission", fields=[FieldError("to", "own_submission")])


def authorize_enrollment_move(session: Session, *, principal: Principal,
                              enrollment: Enrollment) -> None:
    """Suspending, reactivating or ending a benefit is a decision: supervisor or owning agency."""
    program = repository.program(session, enrollment.program_code)
    assert program is not None
    _may_decide(principal, program)
    _must_be_decider(principal)


def _illegal(current: str, to: str, allowed: tuple[str, ...]) -> Conflict:
    return Conflict("transition_not_allowed", status=current, to=to,
                    allowed=", ".join(allowed) or "-",
                    extra={"current_status": current, "to": to, "allowed": list(allowed)})


def move_application(session: Session, *, principal: Principal, application: Application,
                     to: str, reason: str | None) -> Enrollment | None:
    """Move an application along its life; approval enrols the person."""
    authorize_application_move(session, principal=principal, application=application, to=to)
    program = repository.program(session, application.program_code)
    assert program is not None
    allowed = APPLICATION_MOVES[application.status]
    if to not in allowed:
        raise _illegal(application.status, to, allowed)
    if to == "rejected" and not reason:
        raise InvalidInput(fields=[FieldError("reason", "reason_required")])
    enrollment = None
    if to == "approved":
        enrollment = enrol(session, principal=principal, application=application, program=program)
    application.status = to
    application.version += 1
    if to in ("approved", "rejected"):
        application.decided_at, application.decision_reason = utcnow(), reason
    escalation.stop_clock(session, principal=principal, application=application, program=program,
                          decided=to in DECISIONS)
    session.flush()
    history.record(session, principal=principal, entity="application", entity_id=application.id,
                   action=to, changes={"reason": reason})
    audit.record(session, principal=principal, action=f"application.{to}",
                 person_id=application.person_id, purpose="program_administration",
                 detail={"folio": application.folio})
    _feed(session, program, "application", application.id, application.person_id, to,
          application_data(application))
    return enrollment


def _check_exclusions(session: Session, person_id: uuid.UUID, program: Program) -> None:
    """Under the person's row lock: refuse a program that excludes one the person holds."""
    persons.get_for_update(session, person_id, person_condition(SYSTEM))
    live = repository.live_enrollment_codes(session, person_id, exclude=program.code)
    clash = sorted(set(program.excludes) & live)
    if clash:
        raise Conflict("programs_exclusive_named", program=program.code,
                       excluded_by=", ".join(clash),
                       extra={"program": program.code, "excluded_by": clash})


def enrol(session: Session, *, principal: Principal, application: Application,
          program: Program) -> Enrollment:
    """Put an approved applicant on the roll, refusing programs that exclude a live one."""
    _check_exclusions(session, application.person_id, program)
    enrollment = Enrollment(id=uuid.uuid4(), person_id=application.person_id,
                            program_code=program.code, application_id=application.id,
                            status="active", started_on=city_today())
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError as exc:
        raise Conflict("enrollment_live", extra={"program": program.code}) from exc
    history.record(session, principal=principal, entity="enrollment", entity_id=enrollment.id,
                   action="active", changes={"application": application.folio})
    _feed(session, program, "enrollment", enrollment.id, enrollment.person_id, "active",
          enrollment_data(enrollment))
    return enrollment


def enrol_from_roll(session: Session, *, principal: Principal, person_id: uuid.UUID,
                    program: Program, started_on: date, status: str) -> Enrollment | None:
    """Put a person from an agency's legacy roll on the program's roll with the start date and
    status the roll gives; None when the person is already live on it. Exclusions are not
    refused here: the import lists the clashes for the agencies to resolve."""
    enrollment = Enrollment(id=uuid.uuid4(), person_id=person_id, program_code=program.code,
                            application_id=None, status=status, started_on=started_on,
                            ended_on=started_on if status == "exited" else None)
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError:
        return None
    history.record(session, principal=principal, entity="enrollment", entity_id=enrollment.id,
                   action=status, changes={"source": "roll_import"})
    _feed(session, program, "enrollment", enrollment.id, person_id, status,
          enrollment_data(enrollment))
    return enrollment


def move_enrollment(session: Session, *, principal: Principal, enrollment: Enrollment, to: str,
                    reason: str | None, note: str | None = None) -> None:
    """Suspend, reactivate or exit an enrollment (exits and suspensions name their reason)."""
    authorize_enrollment_move(session, principal=principal, enrollment=enrollment)
    program = repository.program(session, enrollment.program_code)
    assert program is not None
    allowed = ENROLLMENT_MOVES[enrollment.status]
    if to not in allowed:
        raise _illegal(enrollment.status, to, allowed)
    wanted = {"exited": EXIT_REASONS, "suspended": SUSPEND_REASONS}.get(to)
    if wanted is not None and reason not in wanted:
        raise InvalidInput(fields=[FieldError("reason", "field_choice",
                                              {"choices": ", ".join(wanted)})])
    if to == "active":
        _check_exclusions(session, enrollment.person_id, program)
    enrollment.status = to
    enrollment.version += 1
    if to == "exited":
        enrollment.ended_on, enrollment.exit_reason = city_today(), reason
    session.flush()
    history.record(session, principal=principal, entity="enrollment", entity_id=enrollment.id,
                   action=to, changes={"reason": reason, "note": note})
    audit.record(session, principal=principal, action=f"enrollment.{to}",
                 person_id=enrollment.person_id, purpose="program_administration",
                 detail={"program": enrollment.program_code})
    _feed(session, program, "enrollment", enrollment.id, enrollment.person_id, to,
          enrollment_data(enrollment))


def mark_documents(session: Session, *, principal: Principal, application: Application,
                   received: list[int]) -> None:
    """Tick documents of an open application's checklist as received."""
    if application.status not in ("submitted", "in_review"):
        raise _illegal(application.status, "documents", ())
    documents = [dict(d) for d in application.documents or []]
    for index in received:
        if not 0 <= index < len(documents):  # a negative position would count from the end
            raise InvalidInput(fields=[FieldError("received", "field_range")])
        documents[index]["received"] = True
    application.documents = documents
    application.version += 1
    program = repository.program(session, application.program_code)
    assert program is not None
    escalation.stop_clock(session, principal=principal, application=application, program=program,
                          decided=False)
    session.flush()
    history.record(session, principal=principal, entity="application", entity_id=application.id,
                   action="documents", changes={"received": sorted(set(received))})
    audit.record(session, principal=principal, action="application.documents",
                 person_id=application.person_id, purpose="application",
                 detail={"folio": application.folio})


def record_delivery(session: Session, *, principal: Principal, enrollment: Enrollment,
                    data: DeliveryCreate) -> Delivery:
    """Record a service delivered under an active enrollment."""
    program = repository.program(session, enrollment.program_code)
    assert program is not None
    _may_decide(principal, program)
    if enrollment.status != "active":
        raise Conflict("delivery_not_active", status=enrollment.status)
    if data.delivered_on > city_today() or data.delivered_on < enrollment.started_on:
        raise InvalidInput(fields=[FieldError("delivered_on", "delivery_date")])
    row = Delivery(id=uuid.uuid4(), enrollment_id=enrollment.id, person_id=enrollment.person_id,
                   program_code=enrollment.program_code, delivered_on=data.delivered_on,
                   kind=data.kind, amount=data.amount, place=data.place,
                   actor_kind=principal.kind, actor_id=principal.id)
    session.add(row)
    session.flush()
    audit.record(session, principal=principal, action="delivery.record",
                 person_id=enrollment.person_id, purpose="program_administration",
                 detail={"program": enrollment.program_code, "kind": data.kind})
    _feed(session, program, "delivery", row.id, row.person_id, "delivered", delivery_data(row))
    return row
