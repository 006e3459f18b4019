"""The bytes a card carries and the revocation list kiosks hold: encode, sign, verify.

Why a module of its own: the service signs and the card agent verifies offline (no database,
maybe no network), so both must share one definition of the bytes. Pure: no I/O, no clock
(callers pass `today`), only `cryptography` (and the shared catalogs for its messages). See
docs/card-format.md.

Signed payload (137 bytes): 73 bytes big-endian, then an Ed25519 signature by the issuer over
`b"redangel-card-payload:" + the 73 bytes`:

    "RA" | version=1 | kid (8, ASCII, space-padded) | beneficiary id (16, UUID)
    | serial (8) | generation (2) | issued (2, days since 2000-01-01)
    | expires (2, days since 2000-01-01) | card public key (32, Ed25519)

Revocation list: "RR" | version=1 | kid (8) | sequence (4) | issued (4, Unix time) | count (4)
| serials (8 each, strictly ascending) | Ed25519 signature over `b"redangel-revocations:" + all
before it`. The bytes are the same as the service's earlier `redangel.card.signing`.
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
from itertools import pairwise

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from redangel.common import catalogs
from redangel.common.catalogs import _

VERSION = 1
EPOCH = date(2000, 1, 1)
PAYLOAD_DOMAIN = b"redangel-card-payload:"
CHALLENGE_DOMAIN = b"redangel-card-challenge:"
PIN_PROOF_DOMAIN = b"redangel-card-pin:"
LIST_DOMAIN = b"redangel-revocations:"
SIGNATURE_BYTES = 64
MAX_SERIAL = 10**15 - 1  # printed as 15 digits and a Luhn digit
_PAYLOAD = struct.Struct(">2sB8s16sQHHH32s")
_LIST_HEAD = struct.Struct(">2sB8sIII")
PAYLOAD_BYTES = _PAYLOAD.size
SIGNED_PAYLOAD_BYTES = PAYLOAD_BYTES + SIGNATURE_BYTES

IssuerKeys = Mapping[str, Ed25519PublicKey]


class CardFormatError(Exception):
    """Payload or list bytes that cannot be trusted; `code` names why, in both languages."""

    code = "card_malformed"
    text = _("The card's data is not in the expected format.")

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.code}: {detail}" if detail else self.code)
        self.detail = detail

    def message(self, lang: str = "es") -> str:
        """The message for a person, in Spanish (default) or English."""
        return catalogs.gettext(lang, self.text)


class Malformed(CardFormatError):
    """Wrong length, magic, version or field values."""


class Tampered(CardFormatError):
    """The issuer's signature does not match the bytes."""

    code = "card_tampered"
    text = _("The card was altered or is not genuine.")


class UnknownKid(CardFormatError):
    """Signed with an issuer key this verifier does not know."""

    code = "card_unknown_issuer"
    text = _("The card was signed with an unknown key. Update this device's keys.")

    def __init__(self, kid: str) -> None:
        super().__init__(kid)
        self.kid = kid


class Expired(CardFormatError):
    """Past its expiry date."""

    code = "card_expired"
    text = _("The card has expired; please visit an office to renew it.")

    def __init__(self, expires_on: date) -> None:
        super().__init__(expires_on.isoformat())
        self.expires_on = expires_on


class Revoked(CardFormatError):
    """The serial is on the issuer's revocation list."""

    code = "card_revoked"
    text = _("This card has been cancelled; please visit an office.")

    def __init__(self, serial: int) -> None:
        super().__init__(str(serial))
        self.serial = serial


@dataclass(frozen=True)
class Payload:
    """What a card carries, signed by the issuer: an opaque person id, no personal data."""

    kid: str
    beneficiary_id: uuid.UUID
    serial: int
    generation: int
    issued_on: date
    expires_on: date
    card_public_key: bytes
    version: int = VERSION

    def encode(self) -> bytes:
        """The 73 unsigned bytes (ValueError when a field does not fit)."""
        kid = self.kid.encode("ascii")
        if not 0 < len(kid) <= 8 or b" " in kid or not kid.isascii() or not kid.isalnum():
            raise ValueError("kid: 1-8 ASCII letters and digits")
        if not 0 <= self.serial <= MAX_SERIAL or not 0 <= self.generation <= 0xFFFF:
            raise ValueError("serial or generation out of range")
        if len(self.card_public_key) != 32 or self.version != VERSION:
            raise ValueError("card public key must be 32 bytes (Ed25519); version must be 1")
        return _PAYLOAD.pack(
            b"RA", self.version, kid.ljust(8), self.beneficiary_id.bytes, self.serial,
            self.generation, _days(self.issued_on), _days(self.expires_on), self.card_public_key,
        )

    @classmethod
    def decode(cls, data: bytes) -> Payload:
        """Parse the 73 unsigned bytes (Malformed when they are not a payload)."""
        if len(data) != PAYLOAD_BYTES:
            raise Malformed(f"payload is {len(data)} bytes, not {PAYLOAD_BYTES}")
        magic, version, kid, bid, serial, gen, issued, expires, key = _PAYLOAD.unpack(data)
        if magic != b"RA" or version != VERSION:
            raise Malformed("magic or version")
        if serial > MAX_SERIAL or issued > expires:
            raise Malformed("serial or dates")
        return cls(kid=_kid(kid), beneficiary_id=uuid.UUID(bytes=bid), serial=serial,
                   generation=gen, issued_on=EPOCH + timedelta(days=issued),
                   expires_on=EPOCH + timedelta(days=expires), card_public_key=key, version=version)

    @property
    def serial_text(self) -> str:
        """The serial as printed on the card and used by the service."""
        return serial_text(self.serial)


def _days(day: date) -> int:
    days = (day - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError("date outside 2000-01-01 .. 2179-06-06")
    return days


def _kid(raw: bytes) -> str:
    try:
        kid = raw.decode("ascii").rstrip(" ")
    except UnicodeDecodeError as exc:
        raise Malformed("kid is not ASCII") from exc
    if not kid or not kid.isalnum():
        raise Malformed("kid")
    return kid


def public_keys(raw: Mapping[str, bytes]) -> dict[str, Ed25519PublicKey]:
    """Issuer public keys by kid from their raw 32 bytes (as the service publishes them)."""
    return {kid: Ed25519PublicKey.from_public_bytes(key) for kid, key in raw.items()}


def sign_payload(payload: Payload, key: Ed25519PrivateKey) -> bytes:
    """The payload followed by the issuer's signature (137 bytes)."""
    body = payload.encode()
    return body + key.sign(PAYLOAD_DOMAIN + body)


def peek_payload(signed: bytes) -> Payload:
    """Parse a signed payload WITHOUT verifying it (for diagnostics; never to grant anything)."""
    if len(signed) != SIGNED_PAYLOAD_BYTES:
        raise Malformed(f"signed payload is {len(signed)} bytes, not {SIGNED_PAYLOAD_BYTES}")
    return Payload.decode(signed[:PAYLOAD_BYTES])


def verify_payload(signed: bytes, keys: IssuerKeys, today: date) -> Payload:
    """Check shape, issuer key, signature, then expiry; return the payload."""
    payload = peek_payload(signed)
    key = keys.get(payload.kid)
    if key is None:
        raise UnknownKid(payload.kid)
    try:
        key.verify(signed[PAYLOAD_BYTES:], PAYLOAD_DOMAIN + signed[:PAYLOAD_BYTES])
    except InvalidSignature as exc:
        raise Tampered("issuer signature") from exc
    if payload.expires_on < today:
        raise Expired(payload.expires_on)
    return payload


def verify_card(signed: bytes, keys: IssuerKeys, today: date,
                revocations: RevocationList | None) -> Payload:
    """Everything a kiosk checks offline: `verify_payload`, then the revocation list."""
    payload = verify_payload(signed, keys, today)
    if revocations is not None and revocations.is_revoked(payload.serial):
        raise Revoked(payload.serial)
    return payload


def _verify_card_signature(card_public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(card_public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_challenge(card_public_key: bytes, challenge: bytes, signature: bytes) -> bool:
    """True when the card's own key signed this challenge (the chip is the original)."""
    return _verify_card_signature(card_public_key, CHALLENGE_DOMAIN + challenge, signature)


def verify_pin_proof(card_public_key: bytes, challenge: bytes, signature: bytes) -> bool:
    """True when the original chip signed this challenge after its PIN was verified."""
    return _verify_card_signature(card_public_key, PIN_PROOF_DOMAIN + challenge, signature)


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
    """The number behind a printed serial (Malformed when the check digit is wrong)."""
    if len(text) != 16 or not text.isdigit() or not text.isascii() or luhn_digit(text[:15]) != text[15]:
        raise Malformed("serial check digit")
    return int(text[:15])


def _big_endian(values: array) -> bytes:  # type: ignore[type-arg]
    if sys.byteorder == "little":
        values = array("Q", values)
        values.byteswap()
    return values.tobytes()


def sign_revocations(serials: Iterable[int], *, sequence: int, issued_at: datetime, kid: str,
                     key: Ed25519PrivateKey) -> bytes:
    """A signed list of revoked serials for kiosks to check offline (8 bytes a serial + 87)."""
    ordered = array("Q", sorted(set(serials)))
    head = _LIST_HEAD.pack(b"RR", VERSION, kid.encode("ascii").ljust(8)[:8], sequence,
                           int(issued_at.timestamp()), len(ordered))
    body = head + _big_endian(ordered)
    return body + key.sign(LIST_DOMAIN + body)


@dataclass(frozen=True)
class RevocationList:
    """A verified revocation list: a sorted packed array, searched by bisection (O(log n))."""

    kid: str
    sequence: int
    issued_at: datetime
    serials: array  # type: ignore[type-arg]

    def is_revoked(self, serial: int) -> bool:
        """True when the serial is on the list."""
        index = bisect_left(self.serials, serial)
        return index < len(self.serials) and self.serials[index] == serial

    def __len__(self) -> int:
        return len(self.serials)


def verify_revocations(blob: bytes, keys: IssuerKeys) -> RevocationList:
    """Check a revocation list's signature and load it for lookups."""
    if len(blob) < _LIST_HEAD.size + SIGNATURE_BYTES:
        raise Malformed("revocation list too short")
    body, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    magic, version, raw_kid, sequence, issued, count = _LIST_HEAD.unpack_from(body)
    if magic != b"RR" or version != VERSION or len(body) != _LIST_HEAD.size + 8 * count:
        raise Malformed("revocation list header")
    kid = _kid(raw_kid)
    key = keys.get(kid)
    if key is None:
        raise UnknownKid(kid)
    try:
        key.verify(signature, LIST_DOMAIN + body)
    except InvalidSignature as exc:
        raise Tampered("revocation list signature") from exc
    serials = array("Q")
    serials.frombytes(body[_LIST_HEAD.size :])
    if sys.byteorder == "little":
        serials.byteswap()
    if any(a >= b for a, b in pairwise(serials)):
        raise Malformed("revocation list not in ascending order")
    return RevocationList(kid, sequence, datetime.fromtimestamp(issued, UTC), serials)
