"""Showing a person who accessed their data: which offices and agencies, when, and why."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from redangel.audit import subject
from redangel.auth.dependencies import PersonReader
from redangel.common.openapi import ERRORS
from redangel.db import DbSession, read_only
from redangel.errors import Forbidden

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
@read_only
def person_accesses(
    person_id: uuid.UUID, session: DbSession, principal: PersonReader,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[Access]:
    """Which offices and agencies read or changed this person's data (for the person and staff)."""
    if principal.kind == "agency":
        raise Forbidden()
    return [Access(**{**row, "agency": row["agency"]["es"] if row["agency"] else None})
            for row in subject.accesses(session, principal=principal, person_id=person_id,
                                        limit=limit)]
