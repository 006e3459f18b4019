"""The readable queries of the programs domain: a person's programs, one application, one
enrollment — each scoped to the principal (404 outside it) and audited once per person shown.

Why a module of its own: the endpoints used to read these through the repositories and left
no audit row; a surface now asks here, and cannot show a person's programs without the trail.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.types import Names
from redangel.errors import NotFound
from redangel.person import repository as persons
from redangel.person.policy import person_condition
from redangel.person.service import require_pin, standing_purpose
from redangel.program import deadlines, repository, service
from redangel.program.models import Application, Enrollment
from redangel.program.policy import program_condition
from redangel.program.schemas import (
    ApplicationOut,
    EnrollmentOut,
    PersonPrograms,
    ProgramApplication,
    ProgramEnrollment,
    Transition,
    application_out,
    enrollment_out,
)


def _transitions(session: Session, entity: str, entity_id: uuid.UUID) -> list[Transition]:
    return [Transition(at=h.at, action=h.action, actor_kind=h.actor_kind, actor_id=h.actor_id,
                       reason=(h.changes or {}).get("reason"))
            for h in repository.transitions(session, entity, entity_id)]


def person_programs(session: Session, *, principal: Principal,
                    person_id: uuid.UUID) -> PersonPrograms:
    """A person's applications and enrollments (an agency sees only its own programs')."""
    require_pin(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()
    applications, enrollments = repository.person_programs(
        session, person_id, program_condition(principal, Application.program_code),
        program_condition(principal, Enrollment.program_code))
    audit.record(session, principal=principal, action="person.programs", person_id=person_id,
                 purpose=standing_purpose(principal))
    today = city_today()
    return PersonPrograms(
        applications=[
            ProgramApplication(**dict(application_out(r[0])),
                               program_name=Names(es=r.name_es, en=r.name_en), agency=r.agency_es,
                               overdue=deadlines.is_overdue(r[0].status,
                                                            r[0].expected_decision_on, today))
            for r in applications
        ],
        enrollments=[
            ProgramEnrollment(**dict(enrollment_out(r[0])),
                              program_name=Names(es=r.name_es, en=r.name_en), agency=r.agency_es)
            for r in enrollments
        ],
    )


def application(session: Session, *, principal: Principal,
                folio: str) -> tuple[Application, ApplicationOut]:
    """An application by folio with its transitions, read for the principal (audited)."""
    require_pin(principal)
    app = service.find_application(session, principal=principal, folio=folio)
    audit.record(session, principal=principal, action="application.read",
                 person_id=app.person_id, purpose=standing_purpose(principal),
                 detail={"folio": app.folio})
    return app, application_out(app, repository.enrollment_of_application(session, app.id),
                                _transitions(session, "application", app.id))


def find_enrollment(session: Session, *, principal: Principal, enrollment_id: uuid.UUID,
                    for_update: bool = False) -> Enrollment:
    """An enrollment of a person and program in the principal's scope (404 otherwise)."""
    row = repository.enrollment(session, enrollment_id, person_condition(principal),
                                program_condition(principal, Enrollment.program_code),
                                for_update=for_update)
    if row is None:
        raise NotFound()
    return row


def enrollment(session: Session, *, principal: Principal,
               enrollment_id: uuid.UUID) -> tuple[Enrollment, EnrollmentOut]:
    """One enrollment with its transitions, read for the principal (audited)."""
    row = find_enrollment(session, principal=principal, enrollment_id=enrollment_id)
    audit.record(session, principal=principal, action="enrollment.read",
                 person_id=row.person_id, purpose=standing_purpose(principal),
                 detail={"program": row.program_code})
    return row, enrollment_out(row, _transitions(session, "enrollment", row.id))
