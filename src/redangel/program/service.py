"""Applications and enrollments: submitting, deciding, enrolling, suspending, exiting.

Every transition keeps who, when and why (history), is audited, and checks the state machine;
an illegal move answers 409 naming the moves that are allowed. The database holds the
invariants (one open application, one live enrollment per person and program); exclusions
between programs are checked under the person's row lock so concurrent approvals cannot both
win.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.policy import person_condition
from redangel.auth.principal import Principal
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, NotFound
from redangel.history import service as history
from redangel.person import repository as persons
from redangel.program import repository
from redangel.program.folio import new_folio
from redangel.program.models import Agency, Application, Enrollment, Program

APPLICATION_MOVES = {
    "submitted": ("in_review", "rejected"),
    "in_review": ("approved", "rejected"),
    "approved": (),
    "rejected": (),
}
ENROLLMENT_MOVES = {"active": ("suspended", "exited"), "suspended": ("active", "exited"),
                    "exited": ()}


def sync_catalog(session: Session, catalog: Any) -> int:
    """Insert or update agencies and programs from the catalog; returns programs written."""
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
        session.add(row)
    session.flush()
    return len(catalog.programs)


def submit(session: Session, *, principal: Principal, person_id: uuid.UUID, program_code: str,
           channel: str, catalog_version: str | None = None,
           evaluation: dict[str, Any] | None = None) -> Application:
    """Open an application (one open per person and program, held by the database)."""
    program = repository.program(session, program_code)
    if program is None:
        raise NotFound(fields=[FieldError("program", "not_found")])
    application = Application(
        id=uuid.uuid4(), folio=new_folio(), person_id=person_id, program_code=program_code,
        channel=channel, status="submitted", submitted_at=utcnow(),
        expected_decision_on=date.today() + timedelta(days=program.expected_days),
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
    return application


def _may_decide(principal: Principal, program: Program) -> None:
    if principal.kind == "agency" and principal.agency_code != program.agency_code:
        raise NotFound()
    if principal.kind not in ("staff", "agency") or principal.role in ("analyst", "admin"):
        raise Forbidden()


def move_application(session: Session, *, principal: Principal, application: Application,
                     to: str, reason: str | None) -> Enrollment | None:
    """Move an application along its life; approval enrols the person."""
    program = repository.program(session, application.program_code)
    assert program is not None
    _may_decide(principal, program)
    allowed = APPLICATION_MOVES[application.status]
    if to not in allowed:
        raise Conflict("illegal_transition", extra={"status": application.status,
                                                    "allowed": list(allowed)})
    enrollment = None
    if to == "approved":
        enrollment = enrol(session, principal=principal, application=application, program=program)
    application.status = to
    application.version += 1
    if to in ("approved", "rejected"):
        application.decided_at, application.decision_reason = utcnow(), reason
    session.flush()
    history.record(session, principal=principal, entity="application", entity_id=application.id,
                   action=to, changes={"reason": reason})
    audit.record(session, principal=principal, action=f"application.{to}",
                 person_id=application.person_id, purpose="program_administration",
                 detail={"folio": application.folio})
    return enrollment


def enrol(session: Session, *, principal: Principal, application: Application,
          program: Program) -> Enrollment:
    """Put an approved applicant on the roll, refusing programs that exclude a live one."""
    from redangel.auth.principal import SYSTEM

    persons.get_for_update(session, application.person_id, person_condition(SYSTEM))
    live = repository.live_enrollment_codes(session, application.person_id)
    clash = sorted(set(program.excludes) & live)
    if clash:
        raise Conflict("programs_exclusive", extra={"program": program.code, "excluded_by": clash})
    enrollment = Enrollment(id=uuid.uuid4(), person_id=application.person_id,
                            program_code=program.code, application_id=application.id,
                            status="active", started_on=date.today())
    try:
        with session.begin_nested():
            session.add(enrollment)
    except IntegrityError as exc:
        raise Conflict("enrollment_live", extra={"program": program.code}) from exc
    return enrollment


def move_enrollment(session: Session, *, principal: Principal, enrollment: Enrollment, to: str,
                    reason: str | None) -> None:
    """Suspend, reactivate or exit an enrollment."""
    program = repository.program(session, enrollment.program_code)
    assert program is not None
    _may_decide(principal, program)
    allowed = ENROLLMENT_MOVES[enrollment.status]
    if to not in allowed:
        raise Conflict("illegal_transition", extra={"status": enrollment.status,
                                                    "allowed": list(allowed)})
    enrollment.status = to
    enrollment.version += 1
    if to == "exited":
        enrollment.ended_on, enrollment.exit_reason = date.today(), reason
    session.flush()
    history.record(session, principal=principal, entity="enrollment", entity_id=enrollment.id,
                   action=to, changes={"reason": reason})
    audit.record(session, principal=principal, action=f"enrollment.{to}",
                 person_id=enrollment.person_id, purpose="program_administration",
                 detail={"program": enrollment.program_code})
