"""HTTP endpoints for applications, enrollments and the person's overview across agencies."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import FrontDesk, PersonReader, require_roles
from redangel.auth.policy import person_condition
from redangel.auth.principal import Principal
from redangel.common.concurrency import etag, require_if_match
from redangel.common.idempotency import Idempotency
from redangel.common.openapi import ERRORS, with_errors
from redangel.db import DbSession
from redangel.errors import FieldError, NotFound
from redangel.person import repository as persons
from redangel.person.service import require_pin
from redangel.program import folio as folios
from redangel.program import repository, service
from redangel.program.schemas import (
    ApplicationCreate,
    ApplicationMove,
    ApplicationOut,
    EnrollmentMove,
    EnrollmentOut,
    application_out,
    enrollment_out,
)

router = APIRouter(tags=["programs"])
Decider = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "agency"))]
Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]


def _folio(text: str) -> str:
    canonical = folios.normalise(text[:40])
    if canonical is None:
        raise NotFound(fields=[FieldError("folio", "folio_invalid")])
    return canonical


@router.post("/applications", status_code=201, response_model=ApplicationOut,
             responses=with_errors(409))
def create_application(data: ApplicationCreate, request: Request, session: DbSession,
                       principal: FrontDesk) -> Response:
    """Apply for a program on a person's behalf; answers the folio."""
    idem = Idempotency(request=request, session=session, principal=principal, payload=data)
    if (replay := idem.replay()) is not None:
        return replay
    if persons.get(session, data.person_id, person_condition(principal)) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    app = service.submit(session, principal=principal, person_id=data.person_id,
                         program_code=data.program, channel=data.channel)
    payload = application_out(app).model_dump(mode="json")
    idem.remember(201, payload)
    return JSONResponse(payload, status_code=201, headers={"ETag": etag("application", app.id, app.version)})


@router.get("/applications/{folio}", response_model=ApplicationOut, responses=ERRORS)
def read_application(folio: str, response: Response, session: DbSession,
                     principal: PersonReader) -> ApplicationOut:
    """An application by folio (a mistyped folio is caught by its check character)."""
    require_pin(principal)
    app = repository.application_by_folio(session, _folio(folio), person_condition(principal))
    if app is None:
        raise NotFound()
    response.headers["ETag"] = etag("application", app.id, app.version)
    return application_out(app)


@router.post("/applications/{folio}/transitions", response_model=ApplicationOut,
             responses=with_errors(409, 412, 428))
def move_application(folio: str, data: ApplicationMove, request: Request, response: Response,
                     session: DbSession, principal: Decider) -> ApplicationOut:
    """Put an application in review, approve it (enrolling the person) or reject it."""
    app = repository.application_by_folio(session, _folio(folio), person_condition(principal),
                                          for_update=True)
    if app is None:
        raise NotFound()
    require_if_match(request, "application", app.id, app.version)
    enrollment = service.move_application(session, principal=principal, application=app,
                                          to=data.to, reason=data.reason)
    response.headers["ETag"] = etag("application", app.id, app.version)
    return application_out(app, enrollment.id if enrollment else None)


@router.post("/enrollments/{enrollment_id}/transitions", response_model=EnrollmentOut,
             responses=with_errors(409, 412, 428))
def move_enrollment(enrollment_id: uuid.UUID, data: EnrollmentMove, request: Request,
                    response: Response, session: DbSession, principal: Decider) -> EnrollmentOut:
    """Suspend, reactivate or exit an enrollment (with a reason)."""
    row = repository.enrollment(session, enrollment_id, person_condition(principal), for_update=True)
    if row is None:
        raise NotFound()
    require_if_match(request, "enrollment", row.id, row.version)
    service.move_enrollment(session, principal=principal, enrollment=row, to=data.to,
                            reason=data.reason)
    response.headers["ETag"] = etag("enrollment", row.id, row.version)
    return enrollment_out(row)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentOut, responses=ERRORS)
def read_enrollment(enrollment_id: uuid.UUID, response: Response, session: DbSession,
                    principal: Decider) -> EnrollmentOut:
    """One enrollment (with its ETag for updates)."""
    row = repository.enrollment(session, enrollment_id, person_condition(principal))
    if row is None:
        raise NotFound()
    response.headers["ETag"] = etag("enrollment", row.id, row.version)
    return enrollment_out(row)


@router.get("/persons/{person_id}/programs", responses=ERRORS)
def person_programs(person_id: uuid.UUID, session: DbSession,
                    principal: PersonReader) -> dict[str, Any]:
    """Every application and enrollment of a person across agencies, with overdue flags."""
    require_pin(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()
    applications, enrollments = repository.person_programs(session, person_id)
    today = date.today()
    return {
        "applications": [
            {**application_out(a).model_dump(mode="json"), "program_name": {"es": es, "en": en},
             "agency": agency, "overdue": a.status in ("submitted", "in_review")
             and a.expected_decision_on < today}
            for a, es, en, agency in (tuple(r) for r in applications)
        ],
        "enrollments": [
            {**enrollment_out(e).model_dump(mode="json"), "program_name": {"es": es, "en": en},
             "agency": agency}
            for e, es, en, agency in (tuple(r) for r in enrollments)
        ],
    }


@router.get("/offices/current/overdue", responses=ERRORS)
def overdue(session: DbSession, principal: Supervisor,
            limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """The office's open applications past their expected date, most late first."""
    today = date.today()
    rows = repository.overdue(session, person_condition(principal), today, limit)
    return [{"folio": a.folio, "program": name, "person": f"{given} {first}",
             "expected_decision_on": a.expected_decision_on.isoformat(),
             "days_late": (today - a.expected_decision_on).days, "status": a.status}
            for a, name, given, first in (tuple(r) for r in rows)]
