"""The kiosk: a citizen taps a card; the kiosk proves it genuine and opens a session for them.

Why offline first: the issuer signature (cached keys by kid), expiry and the signed revocation
list are checked on the kiosk, so a tampered, expired, revoked or foreign card is refused with
a clear message even without network. Then the chip signs a challenge (from the service when
online, a local one otherwise) to prove it is the original, the service opens the session, and
the session ends the moment the card leaves the reader. The PIN is checked by the card itself.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from card_reader import apdu
from card_reader.connection import Card, Reader, SmartCardConnection
from card_reader.errors import (
    CardError,
    CardNotActivated,
    CardRemoved,
    ClonedCard,
    ServiceUnavailable,
    from_format,
)
from card_reader.service_client import HttpCardService, KioskService, KioskSession
from redangel.card import format as card_format
from redangel.common.clock import city_today


@dataclass
class TrustStore:
    """Issuer keys and the revocation list, cached so a slow or absent network never blocks a tap."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    revocations: card_format.RevocationList | None = None
    refreshed_at: float = 0.0

    def load_keys(self, service: KioskService) -> None:
        """Fetch the issuer keys (old keys stay: cards they signed remain valid)."""
        raw = {k.kid: k.public_key for k in service.issuer_keys()}
        self.keys.update(card_format.public_keys(raw))

    def load_revocations(self, blob: bytes) -> None:
        """Verify and adopt a revocation list, unless it is older than the one held (no rollback)."""
        listing = card_format.verify_revocations(blob, self.keys)
        if self.revocations is None or listing.sequence >= self.revocations.sequence:
            self.revocations = listing

    def refresh(self, service: KioskService, *, max_age: float = 300.0) -> bool:
        """Fetch keys and list when older than `max_age` s; on network failure keep the cache."""
        if time.monotonic() - self.refreshed_at < max_age and self.keys:
            return True
        try:
            self.load_keys(service)
            self.load_revocations(service.revocations())
        except ServiceUnavailable:
            return False
        self.refreshed_at = time.monotonic()
        return True


@dataclass(frozen=True)
class Tap:
    """A verified card; `session` is None when the kiosk is offline."""

    payload: card_format.Payload
    session: KioskSession | None
    apdus: int

    @property
    def online(self) -> bool:
        """True when the service opened a session."""
        return self.session is not None


def _verify_offline(signed: bytes, service: KioskService, trust: TrustStore, today: date
                    ) -> card_format.Payload:
    try:
        return card_format.verify_card(signed, trust.keys, today, trust.revocations)
    except card_format.UnknownKid as unknown:
        try:  # a key issued since the last refresh: fetch the keys once and try again
            trust.load_keys(service)
        except ServiceUnavailable:
            raise from_format(unknown) from unknown
    except card_format.CardFormatError as exc:
        raise from_format(exc) from exc
    try:
        return card_format.verify_card(signed, trust.keys, today, trust.revocations)
    except card_format.CardFormatError as exc:
        raise from_format(exc) from exc


def tap(connection: SmartCardConnection, service: KioskService, trust: TrustStore, *,
        today: date | None = None) -> Tap:
    """Verify the card on the reader and open its holder's session (offline: verify only)."""
    card = Card(connection)
    card.select()
    if card.run(apdu.get_lifecycle()) != bytes([apdu.LCS_ACTIVATED]):
        raise CardNotActivated()
    signed = card.read_payload()
    payload = _verify_offline(signed, service, trust, today or city_today())
    try:
        challenge = service.new_challenge()
        challenge_id, nonce = challenge.challenge_id, challenge.challenge
    except ServiceUnavailable:
        challenge_id, nonce = "", os.urandom(32)
    try:
        signature = card.run(apdu.internal_authenticate(nonce))
    except CardRemoved:
        raise
    except CardError as exc:  # a valid payload on a chip that cannot sign: a copy
        raise ClonedCard() from exc
    if not card_format.verify_challenge(payload.card_public_key, nonce, signature):
        raise ClonedCard()
    if not challenge_id:
        return Tap(payload, None, card.apdus)
    session = service.open_session(payload=signed, challenge_id=challenge_id, signature=signature)
    return Tap(payload, session, card.apdus)


def hold_session(reader: Reader, service: KioskService, session: KioskSession, *,
                 timeout: float = 3600.0) -> None:
    """Block while the card stays on the reader; end the session the moment it leaves."""
    try:
        reader.wait_for_removal(timeout)
    finally:
        with contextlib.suppress(ServiceUnavailable):  # the service also ends idle sessions itself
            service.end_session(session.session_token)


def enter_pin(connection: SmartCardConnection, pin: str) -> None:
    """Verify the citizen's PIN on the card (WrongPin with tries left, PinBlocked, InvalidPin)."""
    card = Card(connection)
    card.run(apdu.verify_pin(pin))


def pin_tries(connection: SmartCardConnection) -> int:
    """Tries left before the PIN blocks (0 when blocked, -1 when verified in this session)."""
    response = Card(connection).transmit(apdu.pin_status())
    if response.ok:
        return -1
    if response.sw & 0xFFF0 == 0x63C0:
        return response.sw & 0x0F
    if response.sw == apdu.SW.BLOCKED:
        return 0
    raise apdu.error_for(response.sw)


def pin_proof(connection: SmartCardConnection, challenge: bytes) -> bytes:
    """After `enter_pin`: the chip's signature proving its PIN was verified (PinRequired before)."""
    return Card(connection).run(apdu.internal_authenticate(challenge, pin_proof=True))


def unlock_personal_views(connection: SmartCardConnection, service: HttpCardService, pin: str) -> None:
    """The citizen types the PIN; the chip verifies it and signs a fresh challenge as proof."""
    enter_pin(connection, pin)
    challenge = service.new_challenge()
    service.prove_pin(challenge_id=challenge.challenge_id,
                      signature=pin_proof(connection, challenge.challenge))
