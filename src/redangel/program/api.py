"""HTTP endpoints for applications, enrollments, deliveries and the person's 360 overview."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import FrontDesk, PersonReader, require_roles
from redangel.auth.principal import Principal
from redangel.common.concurrency import etag, require_if_match
from redangel.common.openapi import ERRORS, with_errors
from redangel.common.responses import json_answer
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, Reading, read_only
from redangel.idempotency.dependencies import Idempotent
from redangel.person import service as person_service
from redangel.program import overview as overviews
from redangel.program import reads, service
from redangel.program.models import Application, Enrollment
from redangel.program.schemas import (
    ApplicationCreate,
    ApplicationMove,
    ApplicationOut,
    DeliveryCreate,
    DeliveryOut,
    DocumentsReceived,
    EnrollmentMove,
    EnrollmentOut,
    OverdueApplication,
    PersonOverview,
    PersonPrograms,
    application_out,
    delivery_out,
    enrollment_out,
)

router = APIRouter(tags=["programs"])
Decider = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "agency"))]
Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]
Agency = Annotated[Principal, Depends(require_roles("agency"))]
OverviewReader = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "citizen"))]
OverviewPurpose = Literal["attention", "follow_up", "supervision", "self_service"]


def _application(session: DbSession, folio: str, principal: Principal, *,
                 for_update: bool = False) -> Application:
    return service.find_application(session, principal=principal, folio=folio,
                                    for_update=for_update)


def _enrollment(session: DbSession, enrollment_id: uuid.UUID, principal: Principal, *,
                for_update: bool = False) -> Enrollment:
    return reads.find_enrollment(session, principal=principal, enrollment_id=enrollment_id,
                                 for_update=for_update)


@router.post("/applications", status_code=201, response_model=ApplicationOut,
             responses=with_errors(409))
def create_application(data: ApplicationCreate, session: DbSession, principal: FrontDesk,
                       idem: Idempotent) -> Response:
    """Apply for a program on a person's behalf; answers the folio (Idempotency-Key honoured)."""
    if (replay := idem.claim(data)) is not None:  # found again by folio, scoped as a read
        return replay.mark(_submitted(_application(session, str(replay.entity_id), principal)))
    app = service.submit(session, principal=principal, person_id=data.person_id,
                         program_code=data.program, channel=data.channel)
    idem.remember(201, entity=("application", app.folio))
    return _submitted(app)


def _submitted(app: Application) -> JSONResponse:
    return JSONResponse(application_out(app).model_dump(mode="json"), status_code=201,
                        headers={"ETag": etag("application", app.id, app.version),
                                 "Location": f"/api/v1/applications/{app.folio}"})


@router.get("/applications/{folio}", response_model=ApplicationOut, responses=ERRORS)
@read_only
def read_application(folio: str, response: Response, session: DbSession,
                     principal: PersonReader) -> ApplicationOut:
    """An application by folio, with its transitions (a mistyped folio is caught)."""
    app, shown = reads.application(session, principal=principal, folio=folio)
    response.headers["ETag"] = etag("application", app.id, app.version)
    return shown


@router.post("/applications/{folio}/transitions", response_model=ApplicationOut,
             responses=with_errors(409, 412, 428))
def move_application(folio: str, data: ApplicationMove, request: Request, response: Response,
                     session: DbSession, principal: Decider) -> ApplicationOut:
    """Put an application in review, approve it (enrolling the person) or reject it; deciding
    is for the office's supervisor or the owning agency, never for whoever submitted it."""
    app = _application(session, folio, principal, for_update=True)
    service.authorize_application_move(session, principal=principal, application=app, to=data.to)
    require_if_match(request, "application", app.id, app.version)
    enrollment = service.move_application(session, principal=principal, application=app,
                                          to=data.to, reason=data.reason)
    response.headers["ETag"] = etag("application", app.id, app.version)
    return application_out(app, enrollment.id if enrollment else None)


@router.post("/applications/{folio}/documents", response_model=ApplicationOut,
             responses=with_errors(409, 412, 428))
def mark_documents(folio: str, data: DocumentsReceived, request: Request, response: Response,
                   session: DbSession, principal: FrontDesk) -> ApplicationOut:
    """Tick checklist documents (by position) as received."""
    app = _application(session, folio, principal, for_update=True)
    require_if_match(request, "application", app.id, app.version)
    service.mark_documents(session, principal=principal, application=app, received=data.received)
    response.headers["ETag"] = etag("application", app.id, app.version)
    return application_out(app)


@router.post("/enrollments/{enrollment_id}/transitions", response_model=EnrollmentOut,
             responses=with_errors(409, 412, 428))
def move_enrollment(enrollment_id: uuid.UUID, data: EnrollmentMove, request: Request,
                    response: Response, session: DbSession, principal: Decider) -> EnrollmentOut:
    """Suspend, reactivate or exit an enrollment (with a reason): supervisor or owning agency."""
    row = _enrollment(session, enrollment_id, principal, for_update=True)
    service.authorize_enrollment_move(session, principal=principal, enrollment=row)
    require_if_match(request, "enrollment", row.id, row.version)
    service.move_enrollment(session, principal=principal, enrollment=row, to=data.to,
                            reason=data.reason, note=data.note)
    response.headers["ETag"] = etag("enrollment", row.id, row.version)
    return enrollment_out(row)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentOut, responses=ERRORS)
@read_only
def read_enrollment(enrollment_id: uuid.UUID, response: Response, session: DbSession,
                    principal: Decider) -> EnrollmentOut:
    """One enrollment with its transitions (and its ETag for updates)."""
    row, shown = reads.enrollment(session, principal=principal, enrollment_id=enrollment_id)
    response.headers["ETag"] = etag("enrollment", row.id, row.version)
    return shown


@router.post("/enrollments/{enrollment_id}/deliveries", status_code=201,
             response_model=DeliveryOut, responses=with_errors(409))
def record_delivery(enrollment_id: uuid.UUID, data: DeliveryCreate, session: DbSession,
                    principal: Agency, idem: Idempotent) -> Response:
    """The agency records a service delivered (Idempotency-Key honoured; a delivery has no read
    of its own to rebuild from, so its answer is kept sealed)."""
    if (replay := idem.claim(data)) is not None:
        return replay.sealed_answer()
    row = _enrollment(session, enrollment_id, principal, for_update=True)
    delivery = service.record_delivery(session, principal=principal, enrollment=row, data=data)
    payload = delivery_out(delivery).model_dump(mode="json")
    idem.remember(201, body=payload)
    return JSONResponse(payload, status_code=201)


@router.get("/persons/{person_id}/programs", response_model=PersonPrograms, responses=ERRORS)
@read_only
def person_programs(person_id: uuid.UUID, session: DbSession,
                    principal: PersonReader) -> PersonPrograms:
    """A person's applications and enrollments (an agency sees only its own programs')."""
    return reads.person_programs(session, principal=principal, person_id=person_id)


@router.get("/persons/{person_id}/overview", response_model=PersonOverview, responses=ERRORS)
@read_only
async def person_overview(person_id: uuid.UUID, reader: Reading,
                          principal: OverviewReader, keyring: KeyringDep,
                          purpose: Annotated[OverviewPurpose | None, Query()] = None) -> Response:
    """Person 360: the person, household, every enrollment, open applications, deliveries (to
    a card holder at a kiosk, a public screen: without the catalog's sensitive programs)."""
    if principal.role == "citizen":
        return json_answer(await overviews.public_screen_shown(
            reader, keyring=keyring, principal=principal, person_id=person_id))
    return json_answer(await overviews.overview_shown(
        reader, keyring=keyring, principal=principal, person_id=person_id,
        purpose=person_service.stated_purpose(principal, purpose,
                                              choices=get_args(OverviewPurpose))))


@router.get("/offices/current/overdue", response_model=list[OverdueApplication],
            responses=ERRORS)
@read_only
def overdue(session: DbSession, principal: Supervisor,
            limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[OverdueApplication]:
    """The office's open applications past their expected date, most late first."""
    return service.overdue(session, principal=principal, limit=limit)
