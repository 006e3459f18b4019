"""HTTP endpoints of the life-event engine: list events, evaluate, apply, screen, outreach."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from redangel.audit import service as audit
from redangel.auth.dependencies import FrontDesk, rate_limit, require_roles
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.openapi import ERRORS, with_errors
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, read_only, reads_from_replica
from redangel.errors import FieldError, NotFound
from redangel.idempotency.dependencies import Idempotent
from redangel.lifeevent import outreach as outreach_service
from redangel.lifeevent import service
from redangel.lifeevent.schemas import (
    AppliedOut,
    ApplyRequest,
    Code,
    EvaluateRequest,
    EvaluationOut,
    LifeEventCatalog,
    OutreachOut,
    OutreachRequest,
    ScreeningRequest,
)

router = APIRouter(tags=["life events"])
Outreacher = Annotated[Principal, Depends(require_roles("supervisor", "analyst"))]
SCREEN_LIMIT = Depends(rate_limit("screening", "rate_limit_search_per_minute"))
EventCode = Annotated[Code, Path()]


async def get_catalog(request: Request) -> Any:
    """The catalog loaded at startup."""
    return request.app.state.catalog


Catalog = Annotated[Any, Depends(get_catalog)]


@router.get("/life-events", response_model=LifeEventCatalog, responses=ERRORS,
            dependencies=[SCREEN_LIMIT])
@read_only
def list_events(catalog: Catalog) -> LifeEventCatalog:
    """Every life event with its questions and bundle, in Spanish and English (public)."""
    return service.events(catalog)


@router.post("/life-events/{event_code}/evaluations", status_code=201,
             response_model=EvaluationOut, responses=ERRORS)
def evaluate(event_code: EventCode, data: EvaluateRequest, session: DbSession,
             principal: FrontDesk, keyring: KeyringDep, catalog: Catalog) -> EvaluationOut:
    """Evaluate a life event for a registered person: per program a verdict and its reasons."""
    row = service.evaluate(session, catalog=catalog, keyring=keyring, principal=principal,
                           event_code=event_code, data=data)
    return EvaluationOut(evaluation_id=row.id, event_code=row.event_code,
                         catalog_version=row.catalog_version, as_of=row.as_of,
                         results=row.result.get("results", []))


@router.post("/life-events/{event_code}/applications", status_code=201,
             response_model=AppliedOut, responses=with_errors(409))
def apply(event_code: EventCode, data: ApplyRequest, session: DbSession, principal: FrontDesk,
          catalog: Catalog, idem: Idempotent) -> Response:
    """Apply for the chosen eligible programs of an evaluation, in one transaction (one request
    makes several applications: a replay opens the first answer, kept sealed)."""
    if (replay := idem.claim(data)) is not None:
        return replay.sealed_answer()
    applied = service.apply(session, catalog=catalog, principal=principal, event_code=event_code,
                            data=data)
    payload = applied.model_dump(mode="json")
    idem.remember(201, body=payload)
    return JSONResponse(payload, status_code=201)


@router.post("/screening", response_model=EvaluationOut, responses=ERRORS,
             dependencies=[SCREEN_LIMIT])
def screen(data: ScreeningRequest, catalog: Catalog) -> EvaluationOut:
    """Anonymous screening for kiosks and the website: facts in, verdicts out, nothing stored."""
    result = service.screen(catalog=catalog, data=data)
    body = result.to_dict()
    return EvaluationOut(event_code=data.event_code, catalog_version=result.catalog_version,
                         as_of=result.as_of, results=body.get("results", []))


@router.post("/outreach", response_model=OutreachOut, responses=ERRORS)
@reads_from_replica
@read_only
def outreach(data: OutreachRequest, session: DbSession, principal: Outreacher,
             keyring: KeyringDep, catalog: Catalog) -> OutreachOut:
    """Evaluate the whole registry for one program; list the persons newly eligible."""
    if data.program not in catalog.programs:
        raise NotFound(fields=[FieldError("program", "not_found")])
    as_of = data.as_of or city_today()
    since = data.since or as_of.replace(day=1)
    registry = outreach_service.load_registry(session, keyring=keyring,
                                              visible=outreach_service.registry_scope(principal))
    found = outreach_service.newly_eligible(session, catalog=catalog, registry=registry,
                                            program_code=data.program, as_of=as_of, since=since)
    persons = [p.model_dump(mode="json") for p in outreach_service.shown(
        session, principal=principal, registry=registry, found=found, limit=data.limit)]
    audit.record_shown(session, principal=principal, action="outreach.run",
                       person_ids=(uuid.UUID(str(p["id"])) for p in persons),
                       purpose="outreach", detail={"program": data.program, "found": len(found)})
    return OutreachOut(program=data.program, as_of=as_of, since=since,
                       catalog_version=catalog.version, newly_eligible=len(found),
                       persons=persons)
