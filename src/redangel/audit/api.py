"""Showing a person who accessed their data: which offices and agencies, when, and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from redangel.audit import repository
from redangel.audit import service as audit
from redangel.auth.dependencies import PersonReader
from redangel.auth.policy import person_condition
from redangel.common.openapi import ERRORS
from redangel.db import DbSession
from redangel.errors import Forbidden, NotFound
from redangel.person import repository as persons
from redangel.person.service import require_pin

router = APIRouter(tags=["audit"])


class Access(BaseModel):
    """One access to a person's data."""

    at: datetime
    by: str
    office: str | None
    agency: str | None
    action: str
    purpose: str
    outcome: str


@router.get("/persons/{person_id}/accesses", response_model=list[Access], responses=ERRORS)
def person_accesses(
    person_id: uuid.UUID, session: DbSession, principal: PersonReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Access]:
    """Which offices and agencies read or changed this person's data (for the person and staff)."""
    if principal.kind == "agency":
        raise Forbidden()
    require_pin(principal)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()
    rows = repository.accesses_of(session, person_id, limit=limit)
    audit.record(session, principal=principal, action="person.accesses", person_id=person_id,
                 purpose="data_subject_access")
    return [
        Access(at=r.at, by=r.actor_kind, office=r.office_name, agency=r.agency_es,
               action=r.action, purpose=r.purpose, outcome=r.outcome)
        for r in rows
    ]
