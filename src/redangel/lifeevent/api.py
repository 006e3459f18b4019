"""HTTP endpoints of the life-event engine: list events, evaluate, apply, screen, outreach."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import FrontDesk, rate_limit
from redangel.common.idempotency import Idempotency
from redangel.common.openapi import ERRORS, with_errors
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.lifeevent import service
from redangel.lifeevent.schemas import (
    AppliedOut,
    ApplyRequest,
    Code,
    EvaluateRequest,
    EvaluationOut,
    ScreeningRequest,
)

router = APIRouter(tags=["life events"])
SCREEN_LIMIT = Depends(rate_limit("screening", "rate_limit_search_per_minute"))
EventCode = Annotated[Code, Path()]


async def get_catalog(request: Request) -> Any:
    """The catalog loaded at startup."""
    return request.app.state.catalog


Catalog = Annotated[Any, Depends(get_catalog)]


def _question(q: Any) -> dict[str, Any]:
    return q.to_dict() if hasattr(q, "to_dict") else dict(vars(q))


@router.get("/life-events", responses=ERRORS, dependencies=[SCREEN_LIMIT])
def list_events(catalog: Catalog) -> dict[str, Any]:
    """Every life event with its questions and bundle, in Spanish and English (public)."""
    return {"catalog_version": catalog.version,
            "events": [e.to_dict() for e in catalog.events.values()]}


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
def apply(event_code: EventCode, data: ApplyRequest, request: Request, session: DbSession,
          principal: FrontDesk, catalog: Catalog) -> Response:
    """Apply for the chosen eligible programs of an evaluation, in one transaction."""
    idem = Idempotency(request=request, session=session, principal=principal, payload=data)
    if (replay := idem.replay()) is not None:
        return replay
    applied = service.apply(session, catalog=catalog, principal=principal, event_code=event_code,
                            data=data)
    payload = applied.model_dump(mode="json")
    idem.remember(201, payload)
    return JSONResponse(payload, status_code=201)


@router.post("/screening", response_model=EvaluationOut, responses=ERRORS,
             dependencies=[SCREEN_LIMIT])
def screen(data: ScreeningRequest, catalog: Catalog) -> EvaluationOut:
    """Anonymous screening for kiosks and the website: facts in, verdicts out, nothing stored."""
    result = service.screen(catalog=catalog, data=data)
    body = result.to_dict()
    return EvaluationOut(event_code=data.event_code, catalog_version=result.catalog_version,
                         as_of=result.as_of, results=body.get("results", []))
