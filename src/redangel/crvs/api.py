"""The civil registry's door under /api/v1/crvs: the DCI `notify` a civil registry posts
(authenticated by its signature, not by a token), the events admins and data stewards follow,
and the proactive offers the front desk and the card holder answer."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from redangel.auth.dependencies import get_settings_dep, rate_limit, require_roles
from redangel.auth.principal import Principal
from redangel.common.openapi import ERRORS
from redangel.config import Settings
from redangel.crvs import service
from redangel.crvs.schemas import (
    DciAck,
    EventOut,
    EventPage,
    FlaggedDelivery,
    OfferDecision,
    OfferOut,
    TxnOnStatus,
)
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, read_only, utcnow
from redangel.lifeevent.api import Catalog

router = APIRouter(prefix="/crvs", tags=["civil registry"])
EventReader = Annotated[Principal, Depends(require_roles(*service.EVENT_READERS))]
OfferAnswerer = Annotated[Principal, Depends(require_roles("clerk", "supervisor", "citizen"))]
_UNREADABLE = object()
# Anyone may post here (the signature is the credential): each client address is held to the
# general request rate, so a flood of unsigned messages cannot fill the refusal record.
NOTIFY_LIMIT = Depends(rate_limit("crvs_notify", "rate_limit_requests_per_minute"))


async def raw_json(request: Request) -> Any:
    """The body as JSON, or a marker the intake answers as `err.request.bad`."""
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _UNREADABLE


RawJson = Annotated[Any, Depends(raw_json)]


@router.post("/registry/notify", response_model=DciAck, dependencies=[NOTIFY_LIMIT], responses={
    400: {"description": "err.request.bad, err.receiver_id.invalid, or the rjct envelope"},
    401: {"description": "err.signature.missing or err.signature.invalid"},
    403: {"description": "err.sender_id.invalid"},
    409: {"description": "the rjct envelope: rjct.message_id.duplicate"}})
def notify(body: RawJson, session: DbSession, keyring: KeyringDep, catalog: Catalog) -> JSONResponse:
    """DCI `notify`: a civil registry's births, deaths, death reversals and data modifications."""
    answer = service.receive(session, keyring=keyring, catalog=catalog,
                             raw=None if body is _UNREADABLE else body, now=utcnow())
    return JSONResponse(answer.body, status_code=answer.status)


_DCI_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"description": "err.request.bad, err.receiver_id.invalid, or the rjct envelope"},
    401: {"description": "err.signature.missing or err.signature.invalid"},
    403: {"description": "err.sender_id.invalid"},
    409: {"description": "the rjct envelope: rjct.message_id.duplicate"}}


@router.post("/registry/on-subscribe", response_model=DciAck, dependencies=[NOTIFY_LIMIT],
             responses=_DCI_REFUSALS)
def on_subscribe(body: RawJson, session: DbSession) -> JSONResponse:
    """DCI `on-subscribe`: the civil registry's codes for the subscriptions redangel asked."""
    answer = service.on_subscribe(session, raw=None if body is _UNREADABLE else body, now=utcnow())
    return JSONResponse(answer.body, status_code=answer.status)


@router.post("/registry/on-unsubscribe", response_model=DciAck, dependencies=[NOTIFY_LIMIT],
             responses=_DCI_REFUSALS)
def on_unsubscribe(body: RawJson, session: DbSession) -> JSONResponse:
    """DCI `on-unsubscribe`: the civil registry confirms the subscriptions it ended."""
    answer = service.on_unsubscribe(session, raw=None if body is _UNREADABLE else body,
                                    now=utcnow())
    return JSONResponse(answer.body, status_code=answer.status)


@router.post("/registry/txn/status", response_model=TxnOnStatus, dependencies=[NOTIFY_LIMIT],
             responses=_DCI_REFUSALS)
def txn_status(body: RawJson, session: DbSession,
               settings: Annotated[Settings, Depends(get_settings_dep)]) -> JSONResponse:
    """DCI `txn-status`, answered at once (`txn-on-status`, signed): the state of the events a
    civil registry notified, by transaction id or reference ids."""
    answer = service.txn_status(session, raw=None if body is _UNREADABLE else body, now=utcnow(),
                                secret_key=settings.secret_key)
    return JSONResponse(answer.body, status_code=answer.status)


@router.get("/events", response_model=EventPage, responses=ERRORS)
@read_only
def list_events(session: DbSession, principal: EventReader,
                state: Annotated[str | None, Query(max_length=16)] = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> EventPage:
    """Notified events and what each did, newest first (admins and data stewards)."""
    return service.events(session, principal=principal, state=state, limit=limit)


@router.post("/events/{event_id}/retry", response_model=EventOut, responses=ERRORS)
def retry(event_id: uuid.UUID, session: DbSession, keyring: KeyringDep, catalog: Catalog,
          principal: EventReader) -> EventOut:
    """Run again an event that waits or needs review."""
    return service.retry(session, keyring=keyring, catalog=catalog, principal=principal,
                         event_id=event_id)


@router.get("/offers", response_model=list[OfferOut], responses=ERRORS)
@read_only
def offers(session: DbSession, principal: OfferAnswerer,
           person_id: Annotated[uuid.UUID | None, Query()] = None,
           open_only: bool = False) -> list[OfferOut]:
    """Proactive offers of the persons in scope (a card holder: their own)."""
    return service.list_offers(session, principal=principal, person_id=person_id,
                               open_only=open_only)


@router.post("/offers/{offer_id}/decision", response_model=OfferOut, responses=ERRORS)
def decide(offer_id: uuid.UUID, data: OfferDecision, session: DbSession,
           principal: OfferAnswerer) -> OfferOut:
    """The person accepts an offer (its application opens, channel proactive) or declines it."""
    return service.decide(session, principal=principal, offer_id=offer_id, accept=data.accept)


@router.get("/deliveries-after-death", response_model=list[FlaggedDelivery], responses=ERRORS)
@read_only
def deliveries_after_death(session: DbSession,
                           principal: Annotated[Principal, Depends(require_roles("agency"))],
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[FlaggedDelivery]:
    """The agency's deliveries dated after a person's registered death, to check."""
    return service.flagged_deliveries(session, principal=principal, limit=limit)
