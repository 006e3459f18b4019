"""Cards: issuing at the office, confirming after read-back, reporting, revoking, kiosk sessions.

Issuance is two steps so that a card is never active unless it was written and read back:
`start_issuance` signs a payload for the card's own public key (pending_write), the agent writes
and reads back, and `confirm_issuance` activates it — replacing any earlier card in the same
transaction, under the person's row lock, so at most one card per person is ever active.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth import service as auth
from redangel.auth import service as auth_service
from redangel.auth.models import KioskDevice
from redangel.auth.principal import Principal
from redangel.auth.secrets import hash_password
from redangel.card import repository, signing
from redangel.card.models import Card, IssuerKey, KioskChallenge
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import AppError, Conflict, FieldError, InvalidInput, NotFound
from redangel.person import repository as persons
from redangel.person.policy import person_condition

CARD_YEARS = 5
CHALLENGE_SECONDS = 60


class CardRefused(AppError):
    """A card presented at a kiosk cannot open a session (403, with the reason)."""

    status = 403
    code = "card_tampered"


def _b64(data: str, field: str) -> bytes:
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4), altchars=b"-_"
                                if ("-" in data or "_" in data) else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(fields=[FieldError(field, "field_invalid", {"detail": "base64"})]) from exc


def ensure_issuer_key(session: Session, *, keyring: Keyring) -> IssuerKey:
    """The active issuer key, created on first use."""
    key = repository.active_issuer_key(session)
    return key if key is not None else rotate_issuer_key(session, keyring=keyring)


def rotate_issuer_key(session: Session, *, keyring: Keyring) -> IssuerKey:
    """A new signing key; older keys keep verifying the cards they signed."""
    repository.retire_issuer_keys(session)
    private = Ed25519PrivateKey.generate()
    kid = f"k{secrets.token_hex(3)}"
    raw = private.private_bytes_raw()
    key = IssuerKey(
        kid=kid, public_key=private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
        private_sealed=keyring.seal(raw, table="issuer_key", column="private", row_id=kid),
        status="active",
    )
    session.add(key)
    session.flush()
    return key


def _private(keyring: Keyring, key: IssuerKey) -> Ed25519PrivateKey:
    raw = keyring.open(key.private_sealed, table="issuer_key", column="private", row_id=key.kid)
    return Ed25519PrivateKey.from_private_bytes(raw)


def issuer_keys(session: Session) -> list[IssuerKey]:
    """Every issuer key, active or retired, oldest first (retired keys still verify older cards)."""
    return list(repository.issuer_keys(session))


def public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    """Every issuer public key by kid."""
    return {k.kid: Ed25519PublicKey.from_public_bytes(k.public_key)
            for k in repository.issuer_keys(session)}


@dataclass(frozen=True)
class Started:
    """A pending card and what to write to it."""

    card: Card
    signed_payload: bytes
    puk: str


def start_issuance(session: Session, *, keyring: Keyring, principal: Principal,
                   person_id: uuid.UUID, card_public_key: str) -> Started:
    """Sign a payload for a blank card's key; the card stays pending until confirmed."""
    raw_key = _b64(card_public_key, "card_public_key")
    if len(raw_key) != 32:
        raise InvalidInput(fields=[FieldError("card_public_key", "card_key_invalid")])
    person = persons.get_for_update(session, person_id, person_condition(principal))
    if person is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    key = ensure_issuer_key(session, keyring=keyring)
    today = city_today()
    serial = int.from_bytes(os.urandom(7), "big") % 10**15
    payload = signing.Payload(
        kid=key.kid, beneficiary_id=person.id, serial=serial,
        generation=repository.next_generation(session, person.id), issued_on=today,
        expires_on=today.replace(year=today.year + CARD_YEARS), card_public_key=raw_key,
    )
    signed = signing.sign_payload(payload, _private(keyring, key))
    puk = f"{secrets.randbelow(10**8):08d}"
    card = Card(
        serial=signing.serial_text(serial), person_id=person.id, generation=payload.generation,
        status="pending_write", kid=key.kid, card_public_key=raw_key,
        payload_sha256=hashlib.sha256(signed).hexdigest(), puk_hash=hash_password(puk),
        issued_by=principal.id, office_id=principal.office_id, expires_on=payload.expires_on,
    )
    session.add(card)
    session.flush()
    audit.record(session, principal=principal, action="card.issue_start", person_id=person.id,
                 purpose="card_issuance", detail={"serial": card.serial})
    return Started(card, signed, puk)


def confirm_issuance(session: Session, *, principal: Principal, card_id: uuid.UUID,
                     payload_sha256: str) -> Card:
    """Activate a card whose read-back matched; the person's previous card is replaced."""
    card = repository.card(session, card_id, for_update=True)
    if card is None or persons.get_for_update(session, card.person_id,
                                              person_condition(principal)) is None:
        raise NotFound()
    if card.status == "active" and card.payload_sha256 == payload_sha256:
        return card
    if card.status != "pending_write":
        raise Conflict("card_not_pending")
    if card.payload_sha256 != payload_sha256:
        raise Conflict("card_readback_mismatch")
    now = utcnow()
    previous = repository.active_card(session, card.person_id)
    if previous is not None:
        previous.status, previous.status_reason, previous.status_changed_at = (
            "replaced", f"replaced by {card.serial}", now)
        session.flush()
    card.status, card.activated_at, card.status_changed_at = "active", now, now
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent confirmation won the person's only slot
        raise Conflict("card_not_pending") from exc
    audit.record(session, principal=principal, action="card.activate", person_id=card.person_id,
                 purpose="card_issuance", detail={"serial": card.serial,
                                                  "replaced": previous.serial if previous else None})
    return card


def confirm_by_serial(session: Session, *, principal: Principal, serial: str,
                      payload_sha256: str) -> Card:
    """Resume an interrupted issuance: confirm the card with this serial (404 if there is none)."""
    card = repository.card_by_serial(session, serial)
    if card is None:
        raise NotFound()
    return confirm_issuance(session, principal=principal, card_id=card.id, payload_sha256=payload_sha256)


def cards_of(session: Session, *, principal: Principal, person_id: uuid.UUID) -> list[Card]:
    """Every card a person in the principal's scope has had, newest first (404 outside it)."""
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound()
    audit.record(session, principal=principal, action="card.list", person_id=person_id,
                 purpose="attention")
    return list(repository.cards_of(session, person_id))


def report(session: Session, *, principal: Principal, serial: str, status: str) -> Card:
    """Mark an active card lost, stolen or damaged: it stops working everywhere."""
    card = repository.card_by_serial(session, serial, for_update=True)
    if card is None or persons.get(session, card.person_id, person_condition(principal)) is None:
        raise NotFound()
    if card.status != "active":
        raise Conflict("card_not_active")
    card.status, card.status_reason, card.status_changed_at = status, f"reported {status}", utcnow()
    session.flush()
    audit.record(session, principal=principal, action=f"card.{status}", person_id=card.person_id,
                 purpose="card_issuance", detail={"serial": card.serial})
    return card


_LIST_CACHE: dict[str, tuple[object, bytes]] = {}


def revocation_list(session: Session, *, keyring: Keyring) -> bytes:
    """The signed list of revoked serials, rebuilt only when a card's status changed."""
    stamp = repository.revocation_stamp(session)
    # One cached list per database: two apps in one process (the test suite runs SQLite and
    # PostgreSQL side by side) must never serve each other's list, signed by the other's key.
    where = str(session.get_bind().engine.url)
    cached = _LIST_CACHE.get(where)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    key = ensure_issuer_key(session, keyring=keyring)
    serials = [signing.serial_number(s) for s in repository.revoked_serials(session)]
    blob = signing.sign_revocations(serials, sequence=stamp[0], issued_at=utcnow(), kid=key.kid,
                                    key=_private(keyring, key))
    _LIST_CACHE[where] = (stamp, blob)
    return blob


def new_challenge(session: Session, *, device: KioskDevice) -> KioskChallenge:
    """A one-time random challenge for this kiosk."""
    challenge = KioskChallenge(device_id=device.id, challenge=os.urandom(32))
    session.add(challenge)
    session.flush()
    return challenge


def _refuse(session: Session, principal: Principal, code: str, person_id: uuid.UUID | None) -> CardRefused:
    """Audit a refused card in its own row and return the error to raise."""
    audit.record(session, principal=principal, action="kiosk.card_refused", person_id=person_id,
                 purpose="self_service", outcome=code[:16])
    session.commit()
    return CardRefused(code)


def open_session(session: Session, *, device: KioskDevice, principal: Principal, payload: str,
                 challenge_id: uuid.UUID, signature: str) -> tuple[str, uuid.UUID]:
    """Verify a tapped card (signature, expiry, status, challenge) and open the holder's session."""
    signed = _b64(payload, "payload")
    proof = _b64(signature, "signature")
    challenge = repository.challenge(session, challenge_id, device.id)
    now = utcnow()
    if challenge is None or now - challenge.created_at > timedelta(seconds=CHALLENGE_SECONDS):
        raise _refuse(session, principal, "challenge_invalid", None)
    challenge.used_at = now
    try:
        card_payload = signing.verify_payload(signed, public_keys(session), city_today())
    except signing.CardFormatError as exc:
        raise _refuse(session, principal, exc.code, None) from exc
    card = repository.card_by_serial(session, signing.serial_text(card_payload.serial))
    if card is None or card.person_id != card_payload.beneficiary_id or card.kid != card_payload.kid:
        raise _refuse(session, principal, "card_tampered", card_payload.beneficiary_id)
    if card.status != "active" or card.generation != card_payload.generation:
        raise _refuse(session, principal, "card_revoked", card.person_id)
    if card.card_public_key != card_payload.card_public_key or not signing.verify_challenge(
        card.card_public_key, challenge.challenge, proof
    ):
        raise _refuse(session, principal, "card_cloned", card.person_id)
    token, kiosk = auth.open_kiosk_session(session, device=device, person_id=card.person_id,
                                           card_serial=card.serial)
    audit.record(session, principal=principal, action="kiosk.session_open",
                 person_id=card.person_id, purpose="self_service", detail={"serial": card.serial})
    return token, kiosk.person_id


def accept_pin_proof(session: Session, *, principal: Principal, settings: Any,
                     challenge_id: uuid.UUID, signature: str) -> None:
    """Unlock personal views for the kiosk's open session when the chip proves the PIN."""
    device_id = uuid.UUID(principal.id)
    kiosk = auth_service.device_session(session, device_id=device_id, settings=settings)
    if kiosk is None or kiosk.card_serial is None:
        raise NotFound()
    card = repository.card_by_serial(session, kiosk.card_serial)
    challenge = repository.challenge(session, challenge_id, device_id)
    now = utcnow()
    if challenge is None or now - challenge.created_at > timedelta(seconds=CHALLENGE_SECONDS):
        raise _refuse(session, principal, "challenge_invalid", kiosk.person_id)
    challenge.used_at = now
    proof = _b64(signature, "signature")
    if card is None or not signing.verify_pin_proof(card.card_public_key, challenge.challenge, proof):
        raise _refuse(session, principal, "card_cloned", kiosk.person_id)
    kiosk.pin_verified = True
    session.flush()
    audit.record(session, principal=principal, action="kiosk.pin_verified",
                 person_id=kiosk.person_id, purpose="self_service")


def revoke_for_death(session: Session, *, principal: Principal, person_id: uuid.UUID) -> str | None:
    """Revoke the person's active card (it joins the signed revocation list the kiosks and
    agents keep offline); returns its serial. A reversal never reactivates it: a new card is
    issued at the office."""
    serial = repository.revoke_active(session, person_id, reason="death", at=utcnow())
    if serial is None:
        return None
    audit.record(session, principal=principal, action="card.revoked", person_id=person_id,
                 purpose="card_issuance", detail={"serial": serial, "reason": "death"})
    return serial
