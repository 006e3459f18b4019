"""Request and response shapes of the card and kiosk APIs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from redangel.common.types import Strict

Base64 = Annotated[str, StringConstraints(min_length=4, max_length=4096,
                                          pattern=r"^[A-Za-z0-9+/=_-]+$")]
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class IssuanceStart(Strict):
    """Start personalizing a blank card for a person; the card made its own key pair."""

    person_id: uuid.UUID
    card_public_key: Base64


class IssuanceStarted(BaseModel):
    """What the card agent writes to the card."""

    issuance_id: uuid.UUID
    serial: str
    generation: int
    payload: str
    puk: str
    expires_on: date


class IssuanceConfirm(Strict):
    """The card agent read everything back and it matched: activate the card."""

    payload_sha256: Hex64


class CardStatus(BaseModel):
    """A card's state."""

    serial: str
    status: str
    generation: int | None = None
    issued_at: datetime | None = None
    expires_on: date | None = None


class CardReport(Strict):
    """A card reported lost, stolen or damaged."""

    status: Literal["lost", "stolen", "damaged"]


class IssuerKeyOut(BaseModel):
    """A public issuer key kiosks verify payloads with."""

    kid: str
    public_key: str
    status: str


class IssuerKeys(BaseModel):
    """Every issuer public key by key id."""

    keys: list[IssuerKeyOut]


class ChallengeOut(BaseModel):
    """A one-time challenge for the card to sign."""

    challenge_id: uuid.UUID
    challenge: str


class KioskSessionOpen(Strict):
    """The card's payload and its signature over the challenge."""

    payload: Base64
    challenge_id: uuid.UUID
    signature: Base64


class KioskSessionOut(BaseModel):
    """A kiosk session for the card holder."""

    session_token: str
    screen_token: str = Field(description="the proof the kiosk's own screen needs to show "
                                          "this session (handed to it over loopback)")
    person_id: uuid.UUID
    expires_at: datetime


class KioskCurrent(BaseModel):
    """The card session open at a kiosk."""

    person_id: uuid.UUID
    pin_verified: bool
    opened_at: datetime


class PinProof(Strict):
    """The card's signature over a fresh challenge, given only after its PIN was verified."""

    challenge_id: uuid.UUID
    signature: Base64
