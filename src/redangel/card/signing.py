"""The signed card payload and the signed revocation list: encode, sign, verify.

Pure code shared by the service (which signs) and the card agent (which verifies offline).
Payload (73 bytes, big-endian) followed by an Ed25519 signature (64 bytes):

    "RA" | version=1 | kid (8, ASCII, space-padded) | beneficiary id (16, UUID)
    | serial (8, unsigned) | generation (2) | issued (2, days since 2000-01-01)
    | expires (2, days since 2000-01-01) | card public key (32, Ed25519)

The signature covers b"redangel-card-payload:" + the 73 bytes. A card proves it holds the
private half of the payload's card key by signing b"redangel-card-challenge:" + challenge.
Revocation list: "RR" | version=1 | kid (8) | sequence (4) | issued (4, Unix time) | count (4)
| serials (8 each, ascending) | Ed25519 signature over b"redangel-revocations:" + all before it.
"""

from __future__ import annotations

import struct
import sys
import uuid
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

EPOCH = date(2000, 1, 1)
_PAYLOAD = struct.Struct(">2sB8s16sQHHH32s")
_LIST_HEAD = struct.Struct(">2sB8sIII")
PAYLOAD_DOMAIN = b"redangel-card-payload:"
CHALLENGE_DOMAIN = b"redangel-card-challenge:"
LIST_DOMAIN = b"redangel-revocations:"
SIGNATURE_BYTES = 64
SIGNED_PAYLOAD_BYTES = _PAYLOAD.size + SIGNATURE_BYTES


class CardFormatError(Exception):
    """A payload or list that cannot be trusted; `code` names why (an i18n message code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Payload:
    """What a card carries, signed by the issuer. No personal data beyond an opaque id."""

    kid: str
    beneficiary_id: uuid.UUID
    serial: int
    generation: int
    issued_on: date
    expires_on: date
    card_public_key: bytes
    version: int = 1

    def encode(self) -> bytes:
        """The 73 unsigned bytes."""
        return _PAYLOAD.pack(
            b"RA", self.version, self.kid.encode().ljust(8)[:8], self.beneficiary_id.bytes,
            self.serial, self.generation, (self.issued_on - EPOCH).days,
            (self.expires_on - EPOCH).days, self.card_public_key,
        )

    @classmethod
    def decode(cls, data: bytes) -> Payload:
        """Parse the 73 unsigned bytes."""
        if len(data) != _PAYLOAD.size:
            raise CardFormatError("card_tampered")
        magic, version, kid, bid, serial, gen, issued, expires, key = _PAYLOAD.unpack(data)
        if magic != b"RA" or version != 1:
            raise CardFormatError("card_tampered")
        return cls(kid=kid.decode("ascii", "replace").strip(), beneficiary_id=uuid.UUID(bytes=bid),
                   serial=serial, generation=gen, issued_on=EPOCH + timedelta(days=issued),
                   expires_on=EPOCH + timedelta(days=expires), card_public_key=key, version=version)


def sign_payload(payload: Payload, key: Ed25519PrivateKey) -> bytes:
    """The payload followed by the issuer's signature."""
    body = payload.encode()
    return body + key.sign(PAYLOAD_DOMAIN + body)


def verify_payload(signed: bytes, keys: Mapping[str, Ed25519PublicKey], today: date) -> Payload:
    """Check the issuer's signature and the expiry; return the payload."""
    if len(signed) != SIGNED_PAYLOAD_BYTES:
        raise CardFormatError("card_tampered")
    body, signature = signed[: _PAYLOAD.size], signed[_PAYLOAD.size :]
    payload = Payload.decode(body)
    key = keys.get(payload.kid)
    if key is None:
        raise CardFormatError("card_unknown_issuer")
    try:
        key.verify(signature, PAYLOAD_DOMAIN + body)
    except InvalidSignature as exc:
        raise CardFormatError("card_tampered") from exc
    if payload.expires_on < today:
        raise CardFormatError("card_expired")
    return payload


def verify_challenge(card_public_key: bytes, challenge: bytes, signature: bytes) -> bool:
    """True when the card's own key signed this challenge (the chip is the original)."""
    try:
        Ed25519PublicKey.from_public_bytes(card_public_key).verify(
            signature, CHALLENGE_DOMAIN + challenge)
    except (InvalidSignature, ValueError):
        return False
    return True


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def serial_text(serial: int) -> str:
    """A serial as printed on the card: 15 digits and a Luhn check digit."""
    digits = f"{serial:015d}"
    return digits + luhn_digit(digits)


def serial_number(text: str) -> int:
    """The number behind a printed serial (its check digit verified)."""
    if len(text) != 16 or not text.isdigit() or luhn_digit(text[:15]) != text[15]:
        raise CardFormatError("card_tampered")
    return int(text[:15])


def sign_revocations(serials: Iterable[int], *, sequence: int, issued_at: datetime, kid: str,
                     key: Ed25519PrivateKey) -> bytes:
    """A signed list of revoked serials for kiosks to check offline."""
    ordered = array("Q", sorted(set(serials)))
    if ordered.itemsize != 8:  # pragma: no cover - every supported platform has 8-byte Q
        raise RuntimeError("unsigned 64-bit array required")
    if sys.byteorder == "little":
        ordered.byteswap()
    head = _LIST_HEAD.pack(b"RR", 1, kid.encode().ljust(8)[:8], sequence,
                           int(issued_at.timestamp()), len(ordered))
    body = head + ordered.tobytes()
    return body + key.sign(LIST_DOMAIN + body)


@dataclass(frozen=True)
class RevocationList:
    """A verified revocation list, searchable in O(log n)."""

    sequence: int
    issued_at: datetime
    serials: array  # type: ignore[type-arg]

    def is_revoked(self, serial: int) -> bool:
        """True when the serial is on the list."""
        index = bisect_left(self.serials, serial)
        return index < len(self.serials) and self.serials[index] == serial


def verify_revocations(blob: bytes, keys: Mapping[str, Ed25519PublicKey]) -> RevocationList:
    """Check a revocation list's signature and load it for lookups."""
    if len(blob) < _LIST_HEAD.size + SIGNATURE_BYTES:
        raise CardFormatError("card_tampered")
    body, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    magic, version, kid, sequence, issued, count = _LIST_HEAD.unpack_from(body)
    if magic != b"RR" or version != 1 or len(body) != _LIST_HEAD.size + 8 * count:
        raise CardFormatError("card_tampered")
    key = keys.get(kid.decode("ascii", "replace").strip())
    if key is None:
        raise CardFormatError("card_unknown_issuer")
    try:
        key.verify(signature, LIST_DOMAIN + body)
    except InvalidSignature as exc:
        raise CardFormatError("card_tampered") from exc
    serials = array("Q")
    serials.frombytes(body[_LIST_HEAD.size :])
    if sys.byteorder == "little":
        serials.byteswap()
    return RevocationList(sequence, datetime.fromtimestamp(issued, UTC), serials)
