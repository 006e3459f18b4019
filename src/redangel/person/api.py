"""HTTP endpoints of the person registry under /api/v1/persons (and who accessed a person)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from redangel.auth.dependencies import FrontDesk, PersonReader, rate_limit
from redangel.common.concurrency import etag, require_if_match
from redangel.common.openapi import ERRORS, PROBLEM, with_errors
from redangel.common.responses import json_answer
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, Reading, read_only, reads_from_replica
from redangel.errors import Forbidden
from redangel.idempotency.dependencies import Idempotent
from redangel.person import accesses, search, service
from redangel.person.schemas import (
    DuplicateCandidates,
    PersonCreate,
    PersonRead,
    PersonShown,
    PersonUpdate,
    SearchPage,
    SearchRequest,
)

router = APIRouter(prefix="/persons", tags=["persons"])


class Access(BaseModel):
    """One access to a person's data."""

    at: datetime
    by: str
    office: str | None
    agency: str | None
    action: str
    purpose: str
    outcome: str


Purpose = Literal[
    "attention", "registration", "application", "follow_up", "verification", "supervision",
    "card_issuance", "program_administration", "self_service",
]


@router.post(
    "", status_code=201, response_model=PersonRead,
    responses={**ERRORS, 409: {"model": DuplicateCandidates, **PROBLEM}},
    dependencies=[Depends(rate_limit("search", "rate_limit_search_per_minute"))],
)
def create_person(
    data: PersonCreate, session: DbSession, principal: FrontDesk, keyring: KeyringDep,
    idem: Idempotent,
) -> Response:
    """Register a person. Duplicates by CURP, or by name and birth date, answer 409 (the
    duplicate check looks across the city, so it counts against the search limit)."""
    if (replay := idem.claim(data)) is not None:  # read again: scoped and audited like any read
        person, shown = service.read(session, keyring=keyring, principal=principal,
                                     person_id=replay.entity_uuid, purpose="registration")
        return replay.mark(_created(person.id, person.version, shown.model_dump(mode="json")))
    person = service.create(session, keyring=keyring, principal=principal, data=data)
    body = service.to_read(session, keyring=keyring, person=person, principal=principal)
    idem.remember(201, entity=("person", person.id))
    return _created(person.id, person.version, body.model_dump(mode="json"))


def _created(person_id: uuid.UUID, version: int, payload: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        payload, status_code=201,
        headers={"ETag": etag("person", person_id, version),
                 "Location": f"/api/v1/persons/{person_id}"},
    )


@router.get("/{person_id}", response_model=PersonShown, responses=ERRORS)
@read_only
async def read_person(
    person_id: uuid.UUID, reader: Reading, principal: PersonReader,
    keyring: KeyringDep, purpose: Annotated[Purpose | None, Query()] = None,
) -> Response:
    """Open one person's record for a stated purpose (audited); an agency gets its allowlist."""
    person, shown = await service.read_shown(
        reader, keyring=keyring, principal=principal, person_id=person_id,
        purpose=service.stated_purpose(principal, purpose, choices=get_args(Purpose)))
    answer = json_answer(shown)
    answer.headers["ETag"] = etag("person", person.id, person.version)
    return answer


@router.patch("/{person_id}", response_model=PersonRead,
              responses=with_errors(409, 412, 428))
def update_person(
    person_id: uuid.UUID, data: PersonUpdate, request: Request, response: Response,
    session: DbSession, principal: FrontDesk, keyring: KeyringDep,
) -> PersonRead:
    """Change a person's data; If-Match with the ETag you read is required."""
    person = service.for_update(session, principal=principal, person_id=person_id)
    require_if_match(request, "person", person.id, person.version)
    person = service.update(session, keyring=keyring, principal=principal, person=person, data=data)
    response.headers["ETag"] = etag("person", person.id, person.version)
    return service.to_read(session, keyring=keyring, person=person, principal=principal)


@router.post(
    "/search", response_model=SearchPage, responses=ERRORS,
    dependencies=[Depends(rate_limit("search", "rate_limit_search_per_minute"))],
)
@reads_from_replica
@read_only
async def search_persons(
    query: SearchRequest, reader: Reading, principal: FrontDesk, keyring: KeyringDep
) -> Response:
    """Find persons by CURP, name, birth date and borough (CURPs go in the body, never the URL)."""
    return json_answer(await search.search_shown(reader, keyring=keyring, principal=principal,
                                                 query=query))


@router.get("/{person_id}/accesses", response_model=list[Access], responses=ERRORS)
@read_only
def person_accesses(
    person_id: uuid.UUID, session: DbSession, principal: PersonReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Access]:
    """Which offices and agencies read or changed this person's data (for the person and staff)."""
    if principal.kind == "agency":
        raise Forbidden()
    return [Access(**{**dict(row), "agency": row.agency.es if row.agency else None})
            for row in accesses.accesses(session, principal=principal, person_id=person_id,
                                         limit=limit)]
