"""The card's commands and answers as bytes: pure, no reader involved, shared by agent and card.

Why pure: the same encoder/parser serves the agent (building commands, reading status words)
and the virtual card (parsing commands), and is unit-tested without any hardware.
See docs/card-format.md for the application, files, commands and status words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from card_reader.errors import (
    CardError,
    CardLocked,
    CardNotActivated,
    InvalidPin,
    PinBlocked,
    PinRequired,
    UnknownCard,
    WrongPin,
)

AID = bytes.fromhex("A000000852414E4701")  # RID A000000852 + PIX "RANG" 01
SFI_PAYLOAD = 0x01  # EF.PAYLOAD, FID 0101
PIN_REF, PUK_REF = 0x01, 0x02
TAG_LIFECYCLE = 0x0101  # GET DATA: the life-cycle status byte
LCS_PERSONALIZING, LCS_ACTIVATED = 0x03, 0x05  # ISO 7816-4 "initialisation" / "operational"
PUK_DIGITS = 8


class SW(IntEnum):
    """The status words the card answers (ISO 7816-4 meanings)."""

    OK = 0x9000
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    BLOCKED = 0x6983
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED = 0x6986
    WRONG_DATA = 0x6A80
    NOT_FOUND = 0x6A82
    NOT_ENOUGH_MEMORY = 0x6A84
    WRONG_P1P2 = 0x6A86
    DATA_NOT_FOUND = 0x6A88
    WRONG_OFFSET = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    UNKNOWN = 0x6F00


OK = SW.OK


def tries_left(count: int) -> int:
    """The status word for a refused PIN/PUK: 63Cx, x tries left."""
    return 0x63C0 | (count & 0x0F)


@dataclass(frozen=True)
class Command:
    """A short command APDU (ISO 7816-4 cases 1-4)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 0: up to 256 bytes

    def encode(self) -> bytes:
        """The bytes on the wire (Lc and Le one byte each)."""
        if len(self.data) > 255:
            raise ValueError("short APDUs carry at most 255 bytes")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    @classmethod
    def decode(cls, raw: bytes) -> Command:
        """Parse a short command APDU (ValueError on a length that fits no case)."""
        if len(raw) < 4:
            raise ValueError("APDU shorter than its header")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, b"", body[0])
        lc = body[0]
        if lc == 0 or len(body) not in (1 + lc, 2 + lc):
            raise ValueError("Lc does not match the data")
        le = body[1 + lc] if len(body) == 2 + lc else None
        return cls(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), le)


@dataclass(frozen=True)
class Response:
    """A response APDU: data and status word."""

    data: bytes
    sw: int

    @classmethod
    def decode(cls, raw: bytes) -> Response:
        """Split data from SW1 SW2."""
        if len(raw) < 2:
            raise ValueError("response shorter than a status word")
        return cls(bytes(raw[:-2]), (raw[-2] << 8) | raw[-1])

    def encode(self) -> bytes:
        """Data followed by SW1 SW2."""
        return self.data + self.sw.to_bytes(2, "big")

    @property
    def ok(self) -> bool:
        """True on 9000."""
        return self.sw == OK


def select() -> Command:
    """SELECT the redangel application by AID."""
    return Command(0x00, 0xA4, 0x04, 0x00, AID, 0x00)


def get_lifecycle() -> Command:
    """GET DATA: the life-cycle byte (03 personalizing, 05 activated)."""
    return Command(0x80, 0xCA, TAG_LIFECYCLE >> 8, TAG_LIFECYCLE & 0xFF, b"", 0x00)


def generate_key() -> Command:
    """GENERATE ASYMMETRIC KEY PAIR (not once activated): a new card key; answers its public key."""
    return Command(0x00, 0x47, 0x80, 0x00, b"", 0x00)


def write_payload(payload: bytes, offset: int = 0) -> Command:
    """UPDATE BINARY of EF.PAYLOAD by short file id (not once activated)."""
    return Command(0x00, 0xD6, 0x80 | SFI_PAYLOAD, offset, payload)


def read_payload(offset: int = 0) -> Command:
    """READ BINARY of EF.PAYLOAD by short file id (no PIN needed); up to 256 bytes."""
    return Command(0x00, 0xB0, 0x80 | SFI_PAYLOAD, offset, b"", 0x00)


def _pin_bytes(pin: str) -> bytes:
    if not (4 <= len(pin) <= 6 and pin.isascii() and pin.isdigit()):
        raise InvalidPin()
    return pin.encode("ascii")


def _puk_bytes(puk: str) -> bytes:
    if not (len(puk) == PUK_DIGITS and puk.isascii() and puk.isdigit()):
        raise ValueError("a PUK is 8 digits")
    return puk.encode("ascii")


def set_pin(pin: str) -> Command:
    """CHANGE REFERENCE DATA, P1=01 (new value only): the citizen's PIN, before activation."""
    return Command(0x00, 0x24, 0x01, PIN_REF, _pin_bytes(pin))


def set_puk(puk: str) -> Command:
    """CHANGE REFERENCE DATA, P1=01: the PUK the service chose, before activation."""
    return Command(0x00, 0x24, 0x01, PUK_REF, _puk_bytes(puk))


def activate() -> Command:
    """ACTIVATE FILE on the application: personalization is locked for good."""
    return Command(0x00, 0x44, 0x00, 0x00)


def internal_authenticate(challenge: bytes, *, pin_proof: bool = False) -> Command:
    """INTERNAL AUTHENTICATE: the card signs a challenge with its own key (P2=01: needs the PIN)."""
    return Command(0x00, 0x88, 0x00, 0x01 if pin_proof else 0x00, challenge, 0x00)


def verify_pin(pin: str) -> Command:
    """VERIFY the PIN (ASCII digits, 4-6)."""
    return Command(0x00, 0x20, 0x00, PIN_REF, _pin_bytes(pin))


def pin_status() -> Command:
    """VERIFY with no data: 9000 when verified in this session, else 63Cx or 6983."""
    return Command(0x00, 0x20, 0x00, PIN_REF)


def reset_retry_counter(puk: str, new_pin: str) -> Command:
    """RESET RETRY COUNTER, P1=00: the PUK (8 digits) then a new PIN; unblocks the PIN."""
    return Command(0x00, 0x2C, 0x00, PIN_REF, _puk_bytes(puk) + _pin_bytes(new_pin))


def error_for(sw: int) -> CardError:
    """The typed error for a status word other than 9000."""
    if sw & 0xFFF0 == 0x63C0:
        return WrongPin(tries=sw & 0x0F) if sw & 0x0F else PinBlocked()
    known: dict[int, CardError] = {
        SW.BLOCKED: PinBlocked(),
        SW.SECURITY_NOT_SATISFIED: PinRequired(),
        SW.NOT_FOUND: UnknownCard(),
        SW.CONDITIONS_NOT_SATISFIED: CardLocked(),
        SW.DATA_NOT_FOUND: CardNotActivated(),
    }
    return known.get(sw) or CardError(sw=f"{sw:04X}")


def check(data: bytes, sw: int) -> bytes:
    """Return the data of a successful answer; turn any other status word into a CardError."""
    if sw == OK:
        return data
    raise error_for(sw)
