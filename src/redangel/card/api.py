"""HTTP endpoints for cards (office) and kiosk card sessions."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from redangel.auth import service as auth
from redangel.auth.dependencies import (
    AppSettings,
    CardHolder,
    FrontDesk,
    KioskDevicePrincipal,
    rate_limit,
    require_roles,
)
from redangel.auth.principal import Principal
from redangel.card import service
from redangel.card.schemas import (
    CardReport,
    CardStatus,
    ChallengeOut,
    IssuanceConfirm,
    IssuanceStart,
    IssuanceStarted,
    IssuerKeyOut,
    IssuerKeys,
    KioskCurrent,
    KioskSessionOpen,
    KioskSessionOut,
    PinProof,
)
from redangel.common.openapi import ERRORS, with_errors
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession, read_only, utcnow
from redangel.errors import NotFound

router = APIRouter(tags=["cards"])
CARD_LIMIT = Depends(rate_limit("card", "rate_limit_card_per_minute"))
CardVerifier = Annotated[Principal, Depends(require_roles("device", "clerk", "supervisor"))]


def _status(card: object) -> CardStatus:
    return CardStatus.model_validate(card, from_attributes=True)


@router.post("/cards/issuances", status_code=201, response_model=IssuanceStarted,
             responses=ERRORS, dependencies=[CARD_LIMIT])
def start_issuance(data: IssuanceStart, session: DbSession, principal: FrontDesk,
                   keyring: KeyringDep) -> IssuanceStarted:
    """Sign the payload for a blank card the agent is personalizing (card stays pending)."""
    started = service.start_issuance(session, keyring=keyring, principal=principal,
                                     person_id=data.person_id, card_public_key=data.card_public_key)
    return IssuanceStarted(
        issuance_id=started.card.id, serial=started.card.serial, generation=started.card.generation,
        payload=base64.b64encode(started.signed_payload).decode(), puk=started.puk,
        expires_on=started.card.expires_on,
    )


@router.post("/cards/issuances/{issuance_id}/confirm", response_model=CardStatus,
             responses=with_errors(409), dependencies=[CARD_LIMIT])
def confirm_issuance(issuance_id: uuid.UUID, data: IssuanceConfirm, session: DbSession,
                     principal: FrontDesk) -> CardStatus:
    """Activate a card after the agent read everything back and it matched."""
    card = service.confirm_issuance(session, principal=principal, card_id=issuance_id,
                                    payload_sha256=data.payload_sha256)
    return _status(card)


@router.post("/cards/{serial}/confirm", response_model=CardStatus, responses=with_errors(409),
             dependencies=[CARD_LIMIT])
def confirm_by_serial(serial: str, data: IssuanceConfirm, session: DbSession,
                      principal: FrontDesk) -> CardStatus:
    """Resume an issuance interrupted after the card was locked: confirm it by serial."""
    return _status(service.confirm_by_serial(session, principal=principal, serial=serial[:32],
                                             payload_sha256=data.payload_sha256))


@router.post("/cards/{serial}/report", response_model=CardStatus, responses=with_errors(409))
def report_card(serial: str, data: CardReport, session: DbSession, principal: FrontDesk) -> CardStatus:
    """Report a card lost, stolen or damaged; it stops opening sessions at once."""
    return _status(service.report(session, principal=principal, serial=serial[:32], status=data.status))


@router.get("/persons/{person_id}/cards", response_model=list[CardStatus], responses=ERRORS)
@read_only
def person_cards(person_id: uuid.UUID, session: DbSession, principal: FrontDesk) -> list[CardStatus]:
    """Every card a person has had, newest first."""
    return [_status(c) for c in service.cards_of(session, principal=principal, person_id=person_id)]


@router.get("/cards/issuer-keys", response_model=IssuerKeys, responses=ERRORS)
def issuer_keys(session: DbSession, principal: CardVerifier) -> IssuerKeys:
    """Issuer public keys by key id, for offline verification at kiosks."""
    return IssuerKeys(keys=[
        IssuerKeyOut(kid=k.kid, public_key=base64.b64encode(k.public_key).decode(), status=k.status)
        for k in service.issuer_keys(session)
    ])


@router.get("/cards/revocations", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}, **ERRORS})
def revocations(session: DbSession, principal: CardVerifier, keyring: KeyringDep) -> Response:
    """The signed list of revoked card serials (binary; see docs/card-format.md)."""
    return Response(service.revocation_list(session, keyring=keyring),
                    media_type="application/octet-stream")


@router.post("/kiosk/challenges", status_code=201, response_model=ChallengeOut,
             responses=ERRORS, dependencies=[CARD_LIMIT])
def challenge(session: DbSession, principal: KioskDevicePrincipal) -> ChallengeOut:
    """A one-time challenge for the tapped card to sign."""
    device = auth.kiosk_device_by_id(session, uuid.UUID(principal.id))
    issued = service.new_challenge(session, device=device)
    return ChallengeOut(challenge_id=issued.id, challenge=base64.b64encode(issued.challenge).decode())


@router.post("/kiosk/sessions", status_code=201, response_model=KioskSessionOut,
             responses=ERRORS, dependencies=[CARD_LIMIT])
def open_session(data: KioskSessionOpen, session: DbSession, principal: KioskDevicePrincipal,
                 settings: AppSettings) -> JSONResponse:
    """Open the card holder's kiosk session after verifying the card."""
    device = auth.kiosk_device_by_id(session, uuid.UUID(principal.id))
    token, person_id = service.open_session(session, device=device, principal=principal,
                                            payload=data.payload, challenge_id=data.challenge_id,
                                            signature=data.signature)
    expires = utcnow() + timedelta(seconds=settings.kiosk_session_idle_seconds)
    out = KioskSessionOut(session_token=token, person_id=person_id, expires_at=expires,
                          screen_token=auth.kiosk_screen_token(settings=settings,
                                                               session_token=token))
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.delete("/kiosk/sessions/current", status_code=204, responses=ERRORS)
def close_session(session: DbSession, principal: CardHolder) -> Response:
    """End the card holder's session (the card was removed)."""
    auth.end_kiosk_session(session, principal)
    return Response(status_code=204)



@router.get("/kiosk/sessions/current", response_model=KioskCurrent, responses=ERRORS)
def current_session(session: DbSession, principal: KioskDevicePrincipal,
                    settings: AppSettings) -> KioskCurrent:
    """The card session open at this kiosk, if any (the kiosk page polls it)."""
    kiosk = auth.device_session(session, device_id=uuid.UUID(principal.id), settings=settings)
    if kiosk is None:
        raise NotFound()
    return KioskCurrent(person_id=kiosk.person_id, pin_verified=kiosk.pin_verified,
                        opened_at=kiosk.opened_at)


@router.post("/kiosk/sessions/current/pin-proof", status_code=204, responses=ERRORS)
def pin_proof(data: PinProof, session: DbSession, principal: KioskDevicePrincipal,
              settings: AppSettings) -> Response:
    """The card proves, with its own key, that the citizen's PIN was verified on the chip."""
    service.accept_pin_proof(session, principal=principal, settings=settings,
                             challenge_id=data.challenge_id, signature=data.signature)
    return Response(status_code=204)


@router.delete("/kiosk/sessions/device-current", status_code=204, responses=ERRORS)
def device_close_session(session: DbSession, principal: KioskDevicePrincipal,
                         settings: AppSettings) -> Response:
    """The kiosk agent ends the session because the card left the reader."""
    auth.end_device_session(session, device_id=uuid.UUID(principal.id), settings=settings)
    return Response(status_code=204)
