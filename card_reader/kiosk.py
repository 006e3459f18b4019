"""The kiosk: a citizen taps a card; the kiosk proves it genuine and opens a session for them.

Offline checks first (issuer signature with cached keys, expiry, the signed revocation list),
then challenge-response with a challenge from the service, which opens the session. The PIN is
verified by the card itself; the service only learns that it was accepted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from card_reader import apdu
from card_reader.errors import CardError
from card_reader.pcsc import Connection
from card_reader.service_client import CardService
from redangel.card import signing


@dataclass
class TrustStore:
    """Issuer keys and the revocation list, cached so that a slow network does not block a tap."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    revoked: signing.RevocationList | None = None
    fetched_at: float = 0.0

    def refresh(self, service: CardService, max_age: float = 300.0) -> None:
        """Fetch keys and the list when older than `max_age` seconds (keeping the old on failure)."""
        if self.keys and time.monotonic() - self.fetched_at < max_age:
            return
        try:
            keys = {kid: Ed25519PublicKey.from_public_bytes(raw)
                    for kid, raw in service.issuer_keys().items()}
            revoked = signing.verify_revocations(service.revocations(), keys)
        except CardError:
            if self.keys:
                return
            raise
        self.keys, self.revoked, self.fetched_at = keys, revoked, time.monotonic()


@dataclass(frozen=True)
class Tap:
    """A verified tap: the card's payload and the session the service opened."""

    payload: signing.Payload
    session_token: str
    person_id: str


def verify_offline(payload_bytes: bytes, trust: TrustStore) -> signing.Payload:
    """Signature, expiry and revocation, without the network."""
    try:
        payload = signing.verify_payload(payload_bytes, trust.keys, date.today())
    except signing.CardFormatError as exc:
        raise CardError(exc.code) from exc
    if trust.revoked is not None and trust.revoked.is_revoked(payload.serial):
        raise CardError("card_revoked")
    return payload


def tap(connection: Connection, service: CardService, trust: TrustStore) -> Tap:
    """Read, verify and prove a tapped card; open the holder's session with the service."""
    data, sw = connection.send_and_receive(apdu.select().encode())
    apdu.check(data, sw)
    payload_bytes = apdu.check(*connection.send_and_receive(apdu.read_payload().encode()))
    payload = verify_offline(payload_bytes, trust)
    challenge_id, challenge = service.challenge()
    proof = apdu.check(*connection.send_and_receive(apdu.internal_authenticate(challenge).encode()))
    if not signing.verify_challenge(payload.card_public_key, challenge, proof):
        raise CardError("card_cloned")
    opened = service.open_session(payload_bytes, challenge_id, proof)
    return Tap(payload, opened["session_token"], opened["person_id"])


def enter_pin(connection: Connection, service: CardService, pin: str) -> None:
    """The citizen types the PIN; the card checks it; the service is told it was accepted."""
    apdu.check(*connection.send_and_receive(apdu.verify_pin(pin).encode()))
    service.pin_verified()
