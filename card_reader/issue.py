"""Issuing a card at the office: personalize a blank card, lock it, read it all back, confirm.

Why this order: the service activates a card only after the agent has read back exactly what
the service signed and the chip has proved it holds the key named in the payload. A card pulled
away at any step raises CardRemoved and nothing is confirmed: a card still personalizing is
simply issued again from the start (a new key wipes it), and a card pulled between locking and
confirmation is found in the desk's journal and confirmed without rewriting it.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import date

from card_reader import apdu
from card_reader.connection import Card, SmartCardConnection
from card_reader.errors import (
    CardLocked,
    ClonedCard,
    InvalidPin,
    InvalidPuk,
    PinBlocked,
    PukBlocked,
    ServiceError,
    TamperedCard,
    WrongPin,
    WrongPuk,
    from_format,
)
from card_reader.service_client import Issuance, OfficeService
from redangel.card import format as card_format
from redangel.common.clock import city_today


@dataclass(frozen=True)
class Issued:
    """An activated card, and what the clerk prints on the slip."""

    serial: str
    puk: str | None
    generation: int
    expires_on: date
    apdus: int
    resumed: bool = False


@dataclass
class Journal:
    """Issuances started at this desk and not yet confirmed, by the SHA-256 of their payload.

    Kept in memory only (it holds the PUK until the slip is printed); entries older than
    `max_age` seconds are dropped, since a card abandoned that long is issued afresh.
    """

    pending: dict[str, Issuance] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    max_age: float = 3600.0

    def record(self, issuance: Issuance) -> None:
        """Remember an issuance before anything is written to the card."""
        now = time.monotonic()
        for digest, at in list(self.started.items()):
            if now - at > self.max_age:
                self.pending.pop(digest, None)
                self.started.pop(digest, None)
        digest = hashlib.sha256(issuance.payload).hexdigest()
        self.pending[digest], self.started[digest] = issuance, now

    def find(self, payload: bytes) -> Issuance | None:
        """The issuance whose payload a locked card carries, if this desk started it."""
        return self.pending.get(hashlib.sha256(payload).hexdigest())

    def forget(self, issuance: Issuance) -> None:
        """Drop a confirmed issuance."""
        digest = hashlib.sha256(issuance.payload).hexdigest()
        self.pending.pop(digest, None)
        self.started.pop(digest, None)


def check_pin(pin: str, repeated: str | None = None) -> None:
    """Refuse a PIN that is not 4-6 digits, or that differs from its repetition."""
    if not (4 <= len(pin) <= 6 and pin.isascii() and pin.isdigit()) or (
        repeated is not None and repeated != pin
    ):
        raise InvalidPin()


def _issuer_keys(service: OfficeService) -> card_format.IssuerKeys:
    return card_format.public_keys({k.kid: k.public_key for k in service.issuer_keys()})


def _verify_on_card(card: Card, issuance: Issuance, keys: card_format.IssuerKeys,
                    today: date) -> card_format.Payload:
    """Read everything back and check it: bytes, issuer signature, serial, the chip's key."""
    written = card.read_payload()
    if written != issuance.payload:
        raise TamperedCard()
    try:
        payload = card_format.verify_payload(written, keys, today)
    except card_format.CardFormatError as exc:
        raise from_format(exc) from exc
    if payload.serial_text != issuance.serial:
        raise TamperedCard()
    challenge = os.urandom(32)
    if not card_format.verify_challenge(payload.card_public_key, challenge,
                                        card.run(apdu.internal_authenticate(challenge))):
        raise ClonedCard()
    return payload


def issue_card(connection: SmartCardConnection, service: OfficeService, *, person_id: str, pin: str,
               journal: Journal | None = None, today: date | None = None) -> Issued:
    """Personalize the card on the reader for a person, with the PIN the citizen chose."""
    check_pin(pin)
    journal = journal if journal is not None else Journal()
    today = today or city_today()
    card = Card(connection)
    card.select()
    if card.run(apdu.get_lifecycle()) == bytes([apdu.LCS_ACTIVATED]):
        return _resume(card, service, journal, today)
    card_key = card.run(apdu.generate_key())
    issuance = service.start_issuance(person_id=person_id, card_public_key=card_key)
    keys = _issuer_keys(service)
    try:  # check what the service signed before it goes on a card
        signed = card_format.verify_payload(issuance.payload, keys, today)
    except card_format.CardFormatError as exc:
        raise ServiceError(detail=exc.message("en")) from exc
    if signed.card_public_key != card_key or signed.serial_text != issuance.serial:
        raise ServiceError(detail="the signed payload is for another card")
    journal.record(issuance)
    card.run(apdu.write_payload(issuance.payload))
    card.run(apdu.set_puk(issuance.puk))
    card.run(apdu.set_pin(pin))
    card.run(apdu.activate())
    _verify_on_card(card, issuance, keys, today)
    service.confirm_issuance(issuance_id=issuance.issuance_id,
                             payload_sha256=hashlib.sha256(issuance.payload).hexdigest())
    journal.forget(issuance)
    return Issued(issuance.serial, issuance.puk, issuance.generation, issuance.expires_on, card.apdus)


def _resume(card: Card, service: OfficeService, journal: Journal, today: date) -> Issued:
    """A locked card: confirm it if this desk locked it and never confirmed; refuse otherwise."""
    issuance = journal.find(card.read_payload())
    if issuance is None:
        raise CardLocked()
    _verify_on_card(card, issuance, _issuer_keys(service), today)
    service.confirm_issuance(issuance_id=issuance.issuance_id,
                             payload_sha256=hashlib.sha256(issuance.payload).hexdigest())
    journal.forget(issuance)
    return Issued(issuance.serial, issuance.puk, issuance.generation, issuance.expires_on,
                  card.apdus, resumed=True)


def unblock_pin(connection: SmartCardConnection, *, puk: str, new_pin: str) -> None:
    """At the office: reset a blocked (or forgotten) PIN with the card's PUK."""
    check_pin(new_pin)
    if not (len(puk) == apdu.PUK_DIGITS and puk.isascii() and puk.isdigit()):
        raise InvalidPuk()
    card = Card(connection)
    card.select()
    try:
        card.run(apdu.reset_retry_counter(puk, new_pin))
    except WrongPin as exc:
        raise WrongPuk(tries=exc.tries) from exc
    except PinBlocked as exc:
        raise PukBlocked() from exc
