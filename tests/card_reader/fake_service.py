"""An in-process stand-in for the redangel service's card endpoints, for the flows' tests.

It signs with a real Ed25519 issuer key through the real format code and keeps the same rules as
the service (pending until confirmed, one active card per person, one-time challenges), so the
office and kiosk flows run end to end through pcscd without HTTP or a database.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from card_reader.errors import CardRevoked, ClonedCard, ServiceError, ServiceUnavailable, TamperedCard
from card_reader.service_client import Challenge, Confirmed, Issuance, IssuerKey, KioskSession
from redangel.card import format as card_format
from redangel.common.clock import city_today


@dataclass
class FakeCard:
    """The service's row for a card."""

    issuance_id: str
    person_id: str
    payload: card_format.Payload
    sha256: str
    status: str = "pending_write"


@dataclass
class FakeService:
    """OfficeService + KioskService in memory; `online=False` makes every call fail like a network."""

    online: bool = True
    card_days: int = 5 * 365
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    active_kid: str = ""
    cards: dict[str, FakeCard] = field(default_factory=dict)
    challenges: dict[str, bytes] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    ended: list[str] = field(default_factory=list)
    list_sequence: int = 0
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.keys:
            self.rotate()

    def rotate(self) -> str:
        """A new issuer key signs from now on; the old ones still verify."""
        self.active_kid = f"k{len(self.keys) + 1}"
        self.keys[self.active_kid] = Ed25519PrivateKey.generate()
        return self.active_kid

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if not self.online:
            raise ServiceUnavailable()

    def start_issuance(self, *, person_id: str, card_public_key: bytes) -> Issuance:
        self._call("start_issuance")
        if len(card_public_key) != 32:
            raise ServiceError(detail="card_public_key", status=422)
        today = city_today()
        generation = 1 + sum(c.person_id == person_id and c.status != "pending_write"
                             for c in self.cards.values())
        payload = card_format.Payload(
            kid=self.active_kid, beneficiary_id=uuid.UUID(person_id),
            serial=secrets.randbelow(card_format.MAX_SERIAL), generation=generation,
            issued_on=today - timedelta(days=max(0, -self.card_days)),
            expires_on=today + timedelta(days=self.card_days), card_public_key=card_public_key,
        )
        signed = card_format.sign_payload(payload, self.keys[self.active_kid])
        issuance_id = str(uuid.uuid4())
        self.cards[issuance_id] = FakeCard(issuance_id, person_id, payload,
                                           hashlib.sha256(signed).hexdigest())
        return Issuance(issuance_id, payload.serial_text, generation, signed,
                        f"{secrets.randbelow(10**8):08d}", payload.expires_on)

    def confirm_issuance(self, *, issuance_id: str, payload_sha256: str) -> Confirmed:
        self._call("confirm_issuance")
        card = self.cards[issuance_id]
        if card.sha256 != payload_sha256:
            raise ServiceError(detail="card_readback_mismatch", status=409)
        if card.status == "pending_write":
            for other in self.cards.values():
                if other.person_id == card.person_id and other.status == "active":
                    other.status = "replaced"
                    self.list_sequence += 1
            card.status = "active"
        return Confirmed(card.payload.serial_text, card.status)

    def active(self, person_id: str) -> list[FakeCard]:
        """The person's active cards (at most one)."""
        return [c for c in self.cards.values() if c.person_id == person_id and c.status == "active"]

    def revoke(self, serial: str) -> None:
        """Report a card stolen: it goes on the revocation list."""
        for card in self.cards.values():
            if card.payload.serial_text == serial:
                card.status = "stolen"
        self.list_sequence += 1

    def issuer_keys(self) -> list[IssuerKey]:
        self._call("issuer_keys")
        return [IssuerKey(kid, key.public_key().public_bytes_raw(),
                          "active" if kid == self.active_kid else "retired")
                for kid, key in self.keys.items()]

    def revocations(self) -> bytes:
        self._call("revocations")
        serials = [c.payload.serial for c in self.cards.values()
                   if c.status not in ("active", "pending_write")]
        return card_format.sign_revocations(serials, sequence=self.list_sequence,
                                            issued_at=datetime.now(UTC), kid=self.active_kid,
                                            key=self.keys[self.active_kid])

    def new_challenge(self) -> Challenge:
        self._call("new_challenge")
        challenge_id = str(uuid.uuid4())
        self.challenges[challenge_id] = os.urandom(32)
        return Challenge(challenge_id, self.challenges[challenge_id])

    def open_session(self, *, payload: bytes, challenge_id: str, signature: bytes) -> KioskSession:
        self._call("open_session")
        challenge = self.challenges.pop(challenge_id, None)
        if challenge is None:
            raise ServiceError(detail="challenge_invalid", status=403)
        publics = {kid: key.public_key() for kid, key in self.keys.items()}
        try:
            checked = card_format.verify_payload(payload, publics, city_today())
        except card_format.CardFormatError as exc:
            raise TamperedCard() from exc
        card = next((c for c in self.cards.values() if c.payload == checked), None)
        if card is None or card.status != "active":
            raise CardRevoked()
        if not card_format.verify_challenge(checked.card_public_key, challenge, signature):
            raise ClonedCard()
        token = secrets.token_urlsafe(16)
        self.sessions[token] = card.person_id
        return KioskSession(token, card.person_id, datetime.now(UTC) + timedelta(minutes=5))

    def end_session(self, session_token: str) -> None:
        self._call("end_session")
        self.sessions.pop(session_token, None)
        self.ended.append(session_token)
