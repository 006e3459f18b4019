"""The card's commands and answers, as bytes: pure, no reader involved.

See docs/card-format.md for the application (AID), files, commands and status words.
"""

from __future__ import annotations

from dataclasses import dataclass

from card_reader.errors import CardError

AID = bytes.fromhex("A000000852414E4701")  # RID A000000852, "RANG", version 01
OK = 0x9000


@dataclass(frozen=True)
class Command:
    """A command APDU."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def encode(self) -> bytes:
        """Short APDU encoding (Lc and Le one byte each)."""
        if len(self.data) > 255:
            raise ValueError("short APDUs carry at most 255 bytes")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out


def select() -> Command:
    """SELECT the redangel application by AID."""
    return Command(0x00, 0xA4, 0x04, 0x00, AID, 0x00)


def get_state() -> Command:
    """GET DATA: the card's life-cycle byte (00 blank, 01 personalized)."""
    return Command(0x80, 0xCA, 0x00, 0x01, b"", 0x00)


def generate_key() -> Command:
    """GENERATE KEY PAIR (blank card only): answers the new Ed25519 public key."""
    return Command(0x80, 0x46, 0x00, 0x00, b"", 0x00)


def write_payload(payload: bytes) -> Command:
    """UPDATE BINARY of the payload file (blank card only)."""
    return Command(0x00, 0xD6, 0x00, 0x00, payload)


def set_reference(which: int, value: bytes) -> Command:
    """Set the PIN (1) or PUK (2) during personalization."""
    return Command(0x80, 0x24, 0x00, which, value)


def activate() -> Command:
    """ACTIVATE: lock personalization; the card becomes usable."""
    return Command(0x80, 0x44, 0x00, 0x00)


def read_payload() -> Command:
    """READ BINARY of the payload file (no PIN needed)."""
    return Command(0x00, 0xB0, 0x00, 0x00, b"", 0x00)


def internal_authenticate(challenge: bytes) -> Command:
    """INTERNAL AUTHENTICATE: the card signs a challenge with its own key."""
    return Command(0x00, 0x88, 0x00, 0x00, challenge, 0x00)


def verify_pin(pin: str) -> Command:
    """VERIFY the PIN."""
    return Command(0x00, 0x20, 0x00, 0x01, pin.encode())


def pin_tries() -> Command:
    """VERIFY with no data: answers 63Cx with the tries left (or 6983 when blocked)."""
    return Command(0x00, 0x20, 0x00, 0x01)


def reset_retry_counter(puk: str, new_pin: str) -> Command:
    """RESET RETRY COUNTER with the PUK, setting a new PIN."""
    return Command(0x00, 0x2C, 0x00, 0x01, puk.encode() + b"\xff" + new_pin.encode())


def check(data: bytes, sw: int) -> bytes:
    """Return the data of a successful answer; turn a status word into a CardError."""
    if sw == OK:
        return data
    if sw == 0x6A82:
        raise CardError("unknown_card")
    if sw & 0xFFF0 == 0x63C0:
        raise CardError("wrong_pin", tries=sw & 0x0F)
    if sw == 0x6983:
        raise CardError("pin_blocked")
    if sw == 0x6985:
        raise CardError("card_not_blank")
    raise CardError("card_error", sw=f"{sw:04X}")
