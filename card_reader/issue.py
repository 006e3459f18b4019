"""Issuing a card at the office: personalize a blank card, read it all back, then activate it.

The service activates the card only after the agent read back exactly what was written and the
card proved it holds the key in the payload. A card pulled away before that leaves nothing
active; a blank card is issued again from the start, and a card pulled between locking and
confirmation is resumed (its payload is read back and confirmed).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from card_reader import apdu
from card_reader.errors import CardError
from card_reader.pcsc import Connection
from card_reader.service_client import CardService
from redangel.card import signing


@dataclass(frozen=True)
class Issued:
    """An activated card."""

    serial: str
    puk: str | None
    apdus: int
    resumed: bool = False


class _Counting:
    def __init__(self, connection: Connection) -> None:
        self.connection, self.count = connection, 0

    def run(self, command: apdu.Command) -> bytes:
        self.count += 1
        return apdu.check(*self.connection.send_and_receive(command.encode()))


def _verify_readback(card: _Counting, written: bytes, service: CardService) -> signing.Payload:
    readback = card.run(apdu.read_payload())
    if readback != written:
        raise CardError("card_tampered")
    keys = {kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in service.issuer_keys().items()}
    try:
        payload = signing.verify_payload(readback, keys, date.today())
    except signing.CardFormatError as exc:
        raise CardError(exc.code) from exc
    challenge = os.urandom(32)
    proof = card.run(apdu.internal_authenticate(challenge))
    if not signing.verify_challenge(payload.card_public_key, challenge, proof):
        raise CardError("card_cloned")
    return payload


def issue_card(connection: Connection, service: CardService, *, person_id: str, pin: str) -> Issued:
    """Personalize the card on the reader for a person, with the PIN the citizen chose."""
    if not (4 <= len(pin) <= 6 and pin.isdigit()):
        raise CardError("wrong_pin", tries=3)
    card = _Counting(connection)
    card.run(apdu.select())
    if card.run(apdu.get_state()) == b"\x01":
        written = card.run(apdu.read_payload())
        payload = _verify_readback(card, written, service)
        serial = signing.serial_text(payload.serial)
        service.confirm_by_serial(serial, hashlib.sha256(written).hexdigest())
        return Issued(serial, None, card.count, resumed=True)
    public_key = card.run(apdu.generate_key())
    started = service.start_issuance(person_id, public_key)
    card.run(apdu.write_payload(started.payload))
    card.run(apdu.set_reference(1, pin.encode()))
    card.run(apdu.set_reference(2, started.puk.encode()))
    _verify_readback(card, started.payload, service)
    card.run(apdu.activate())
    service.confirm_issuance(started.issuance_id, hashlib.sha256(started.payload).hexdigest())
    return Issued(started.serial, started.puk, card.count)


def unblock_pin(connection: Connection, *, puk: str, new_pin: str) -> None:
    """At the office: reset a blocked PIN with the card's PUK."""
    card = _Counting(connection)
    card.run(apdu.select())
    card.run(apdu.reset_retry_counter(puk, new_pin))
