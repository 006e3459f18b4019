"""The REST API agencies integrate with, under /api/v1/agency (agency clients only).

Deciding applications, moving enrollments and recording deliveries use the shared routes of
the programs domain (`/applications/{folio}/transitions`, `/enrollments/{id}/transitions`,
`/enrollments/{id}/deliveries`), which scope an agency to its own programs.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from redangel.agency import service
from redangel.agency.dci_schemas import SearchEnvelope, TransportErrors
from redangel.agency.dci_search import Signer
from redangel.agency.schemas import (
    AgencyApplicationPage,
    AgencyEnrollmentPage,
    AgencyPerson,
    ChangePage,
    PersonLookup,
)
from redangel.audit import service as audit
from redangel.auth.dependencies import AppSettings, rate_limit, require_roles
from redangel.auth.principal import Principal
from redangel.common.openapi import ERRORS, PROBLEM, with_errors
from redangel.common.responses import json_answer
from redangel.common.types import Borough, Day
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, Reading, read_only, reads_from_replica
from redangel.program import complaint_escalation, escalation
from redangel.program.followup_schemas import EscalationPage
from redangel.program.schemas import ProgramCode

router = APIRouter(prefix="/agency", tags=["agency"])
AgencyClient = Annotated[Principal, Depends(require_roles("agency"))]
SEARCH_LIMIT = Depends(rate_limit("search", "rate_limit_search_per_minute"))
Cursor = Annotated[str | None, Query(max_length=600)]
PageSize = Annotated[int, Query(ge=1, le=100)]


@router.get("/applications", response_model=AgencyApplicationPage, responses=ERRORS)
@reads_from_replica
@read_only
def list_applications(
    session: DbSession, principal: AgencyClient,
    status: Annotated[Literal["submitted", "in_review", "approved", "rejected"] | None,
                      Query()] = None,
    program: Annotated[ProgramCode | None, Query()] = None,
    borough: Annotated[Borough | None, Query()] = None,
    submitted_from: Annotated[Day | None, Query()] = None,
    submitted_to: Annotated[Day | None, Query()] = None,
    cursor: Cursor = None, limit: PageSize = 50,
) -> AgencyApplicationPage:
    """The agency's applications, filtered, oldest submission first, with a keyset cursor."""
    f = service.RollFilter(agency_code="", status=status, program=program, borough=borough,
                           since=submitted_from, until=submitted_to, limit=limit)
    return service.list_applications(session, principal=principal, f=f, cursor=cursor)


@router.get("/enrollments", response_model=AgencyEnrollmentPage, responses=ERRORS)
@reads_from_replica
@read_only
async def list_enrollments(
    reader: Reading, principal: AgencyClient,
    status: Annotated[Literal["active", "suspended", "exited"] | None, Query()] = None,
    program: Annotated[ProgramCode | None, Query()] = None,
    borough: Annotated[Borough | None, Query()] = None,
    started_from: Annotated[Day | None, Query()] = None,
    started_to: Annotated[Day | None, Query()] = None,
    cursor: Cursor = None, limit: PageSize = 50,
) -> Response:
    """The agency's roll, filtered, earliest start first, with a keyset cursor."""
    f = service.RollFilter(agency_code="", status=status, program=program, borough=borough,
                           since=started_from, until=started_to, limit=limit)
    return json_answer(await service.list_enrollments_shown(reader, principal=principal, f=f,
                                                            cursor=cursor))


@router.get("/changes", response_model=ChangePage, responses=with_errors(410))
@reads_from_replica
@read_only
def changes(session: DbSession, principal: AgencyClient,
            cursor: Annotated[str | None, Query(max_length=18)] = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> ChangePage:
    """Everything that changed in the agency's programs after `cursor`, in order (resumable).
    A cursor older than what the feed keeps (`REDANGEL_CHANGES_RETENTION_MONTHS`) answers 410:
    take the roll again and continue from its `X-Changes-Cursor`."""
    return service.changes(session, principal=principal, cursor=cursor, limit=limit)


@router.get("/escalations", response_model=EscalationPage, responses=ERRORS)
@read_only
def escalations(session: DbSession, principal: AgencyClient) -> EscalationPage:
    """The agency's open applications that reached its program lead (or the coordination unit),
    highest level and longest late first, with who was told and when; and the unanswered
    complaints about the agency that reached it (no citizen's words, no person)."""
    return EscalationPage(items=escalation.queue(session, principal=principal),
                          complaints=complaint_escalation.queue(session, principal=principal))


@router.get("/roll.ndjson", responses=ERRORS, response_class=StreamingResponse)
@reads_from_replica
def export_roll(
    request: Request, session: DbSession, principal: AgencyClient, keyring: KeyringDep,
    program: Annotated[ProgramCode | None, Query()] = None,
    status: Annotated[Literal["active", "suspended", "exited"] | None, Query()] = None,
) -> StreamingResponse:
    """The agency's whole roll as NDJSON, one enrollment per line, streamed. `X-Changes-Cursor`
    says where the change feed stood when it began: continue `/changes` from there."""
    assert principal.agency_code is not None
    audit.record(session, principal=principal, action="agency.export_roll", person_id=None,
                 purpose="program_administration", detail={"program": program, "status": status})
    cursor = service.changes_cursor(session, principal=principal)
    body = service.export_roll(request.state.read_engine,
                               sessions=request.app.state.sessionmaker, keyring=keyring,
                               principal=principal, program=program, status=status)
    return StreamingResponse(body, media_type="application/x-ndjson",
                             headers={"X-Changes-Cursor": str(cursor)})


@router.get("/persons/{person_id}", response_model=AgencyPerson, responses=ERRORS)
@read_only
def read_person(person_id: uuid.UUID, session: DbSession, principal: AgencyClient,
                keyring: KeyringDep) -> AgencyPerson:
    """A person connected to the agency's programs: allowlisted fields and own programs."""
    return service.person(session, keyring=keyring, principal=principal, person_id=person_id)


@router.post("/persons/lookup", response_model=AgencyPerson, responses=ERRORS,
             dependencies=[SEARCH_LIMIT])
@read_only
def lookup(data: PersonLookup, session: DbSession, principal: AgencyClient,
           keyring: KeyringDep) -> AgencyPerson:
    """Find a person of the agency's programs by CURP (the CURP travels in the body)."""
    return service.lookup(session, keyring=keyring, principal=principal, curp=data.curp)


async def _json_body(request: Request) -> Any:
    """The request body as JSON, or `None` when it is not JSON (answered as the standard says)."""
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


DCI_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["header", "message"],
    "description": "The DCI social-registry search envelope (spdci/standards, social_api "
                   "1.0.0, sync/search); its parts are read as the standard writes them.",
    "properties": {"signature": {"type": "string", "maxLength": 2000},
                   "header": {"type": "object"}, "message": {"type": "object"}}}}}}}
DCI_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, **{status: {"model": TransportErrors, **PROBLEM} for status in (400, 401)}}


@router.post("/dci/registry/sync/search", response_model=SearchEnvelope,
             response_model_exclude_none=True, openapi_extra=DCI_BODY,
             responses=DCI_ERRORS, dependencies=[SEARCH_LIMIT])
@read_only
def dci_search(body: Annotated[Any, Depends(_json_body)], session: DbSession,
               principal: AgencyClient, keyring: KeyringDep, settings: AppSettings) -> Any:
    """The DCI social-registry synchronous search (`sync/search`, standard 1.0.0): CURP and
    predicate queries, sorted and paged, answered per search and signed by the registry."""
    signer = Signer(sender_id=settings.dci_sender_id, secret_key=settings.secret_key)
    status, answer = service.dci_search(session, keyring=keyring, principal=principal,
                                        signer=signer, body=body)
    if status != 200:
        return JSONResponse(answer.model_dump(mode="json", exclude_none=True), status_code=status)
    return answer
