"""HTTP endpoints for households under /api/v1/households."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import FrontDesk
from redangel.common.bounds import SERIAL_MAX
from redangel.common.concurrency import etag, require_if_match
from redangel.common.openapi import ERRORS, with_errors
from redangel.db import DbSession, read_only
from redangel.household import service
from redangel.household.schemas import HouseholdCreate, HouseholdRead, MemberIn, MembershipEnd
from redangel.idempotency.dependencies import Idempotent
from redangel.idempotency.service import Idempotency

router = APIRouter(prefix="/households", tags=["households"])


def _answer(session: DbSession, household_id: uuid.UUID, principal: FrontDesk,
            idem: Idempotency | None, status: int, purpose: str = "registration") -> JSONResponse:
    household = service.get(session, principal=principal, household_id=household_id)
    payload = service.read(session, principal=principal, household=household,
                           purpose=purpose).model_dump(mode="json")
    if idem is not None:
        idem.remember(status, entity=("household", household.id))
    return JSONResponse(payload, status_code=status,
                        headers={"ETag": etag("household", household.id, household.version)})


@router.post("", status_code=201, response_model=HouseholdRead,
             responses=with_errors(409))
def create_household(data: HouseholdCreate, session: DbSession, principal: FrontDesk,
                     idem: Idempotent) -> Response:
    """Form a household with its members."""
    if (replay := idem.claim(data)) is not None:  # the household read again, scoped as a read
        return replay.mark(_answer(session, replay.entity_uuid, principal, None, 201))
    household = service.create(session, principal=principal, data=data)
    return _answer(session, household.id, principal, idem, 201)


@router.get("/{household_id}", response_model=HouseholdRead, responses=ERRORS)
@read_only
def read_household(household_id: uuid.UUID, session: DbSession, principal: FrontDesk) -> Response:
    """A household with every membership it has had (members outside your scope counted only)."""
    return _answer(session, household_id, principal, None, 200, purpose="attention")


@router.post("/{household_id}/members", status_code=201, response_model=HouseholdRead,
             responses=with_errors(409))
def add_member(household_id: uuid.UUID, data: MemberIn, session: DbSession,
               principal: FrontDesk, idem: Idempotent) -> Response:
    """A person joins the household."""
    if (replay := idem.claim(data)) is not None:  # the household read again, scoped as a read
        return replay.mark(_answer(session, replay.entity_uuid, principal, None, 201))
    household = service.get(session, principal=principal, household_id=household_id, for_update=True)
    service.add_member(session, principal=principal, household=household, member=data)
    return _answer(session, household_id, principal, idem, 201)


@router.post("/{household_id}/members/{membership_id}/end", response_model=HouseholdRead,
             responses=with_errors(409, 412, 428))
def end_membership(household_id: uuid.UUID,
                   membership_id: Annotated[int, Path(ge=1, le=SERIAL_MAX)], request: Request,
                   data: MembershipEnd, session: DbSession, principal: FrontDesk) -> Response:
    """A person leaves the household (If-Match on the household's ETag)."""
    household = service.get(session, principal=principal, household_id=household_id, for_update=True)
    require_if_match(request, "household", household.id, household.version)
    service.end_member(session, principal=principal, household=household,
                       membership_id=membership_id, data=data)
    return _answer(session, household_id, principal, None, 200)
