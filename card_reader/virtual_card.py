"""A software redangel card on vsmartcard's vpcd: the real PC/SC stack with no hardware.

Why it is part of the project: the test suite, the benchmark and the demo drive pyscard →
pcscd → vpcd → this card, the same path an office runs with a real reader. It implements the
card's ISO 7816-4 subset (docs/card-format.md). Its memory (key, files, PIN counters, life
cycle) survives removal and re-insertion, like a chip's EEPROM, and can be kept in a JSON file.
Fault injection: `remove_after`/`tear` pull the card out at an exact APDU; `clone_of` makes a
card with a copied payload but not the original's key.

    python -m card_reader.virtual_card --port 35963 [--state card.json]
"""

from __future__ import annotations

import argparse
import hmac
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from card_reader.apdu import (
    AID,
    LCS_ACTIVATED,
    LCS_PERSONALIZING,
    PIN_REF,
    PUK_DIGITS,
    PUK_REF,
    SFI_PAYLOAD,
    SW,
    TAG_LIFECYCLE,
    Command,
    tries_left,
)
from card_reader.vpcd import VpcdLink
from redangel.card.format import CHALLENGE_DOMAIN, PIN_PROOF_DOMAIN

ATR = bytes.fromhex("3B8880010000000000000000")
PIN_TRIES, PUK_TRIES = 3, 10
EF_SIZE = 256


def _sw(sw: int, data: bytes = b"") -> bytes:
    return data + sw.to_bytes(2, "big")


@dataclass
class CardMemory:
    """What the chip keeps between taps (its EEPROM)."""

    lifecycle: int = LCS_PERSONALIZING
    key: bytes = b""  # Ed25519 private key, raw; never leaves the chip through an APDU
    payload: bytes = b""
    pin: bytes = b""
    puk: bytes = b""
    pin_tries: int = PIN_TRIES
    puk_tries: int = PUK_TRIES

    def to_json(self) -> dict[str, Any]:
        """A JSON-able snapshot (bytes as hex)."""
        return {k: v.hex() if isinstance(v, bytes) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardMemory:
        """The memory saved by `to_json`."""
        blank = cls()
        for name, value in data.items():
            if not hasattr(blank, name):
                raise ValueError(f"unknown card memory field {name!r}")
            setattr(blank, name, bytes.fromhex(value) if isinstance(getattr(blank, name), bytes)
                    else int(value))
        return blank


@dataclass
class Applet:
    """The card's command processor; volatile state is lost on every power cycle."""

    memory: CardMemory = field(default_factory=CardMemory)
    state_file: Path | None = None
    selected: bool = False
    pin_verified: bool = False

    def atr(self) -> bytes:
        """The answer to reset."""
        return ATR

    def power_cycle(self) -> None:
        """Power lost: forget the selection and the verified PIN."""
        self.selected = self.pin_verified = False

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with data + SW1 SW2 (and persist the memory if asked)."""
        before = self.memory.to_json() if self.state_file else None
        answer = self._dispatch(apdu)
        if self.state_file is not None and self.memory.to_json() != before:
            self.save(self.state_file)
        return answer

    def save(self, path: Path) -> None:
        """Write the memory to a JSON file (atomically)."""
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(self.memory.to_json()))
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> Applet:
        """An applet with the memory of a JSON file, or a blank one when the file is missing."""
        memory = CardMemory.from_json(json.loads(path.read_text())) if path.exists() else CardMemory()
        return cls(memory, state_file=path)

    @property
    def activated(self) -> bool:
        """True once personalization is locked."""
        return self.memory.lifecycle == LCS_ACTIVATED

    def _dispatch(self, apdu: bytes) -> bytes:
        try:
            command = Command.decode(apdu)
        except ValueError:
            return _sw(SW.WRONG_LENGTH)
        if command.cla not in (0x00, 0x80):
            return _sw(SW.CLA_NOT_SUPPORTED)
        if command.ins == 0xA4:
            self.pin_verified = False
            self.selected = command.p1 == 0x04 and command.data == AID
            return _sw(SW.OK if self.selected else SW.NOT_FOUND)
        if not self.selected:
            return _sw(SW.COMMAND_NOT_ALLOWED)
        handler = {
            0xCA: self._get_data, 0xB0: self._read_binary, 0xD6: self._update_binary,
            0x47: self._generate_key, 0x24: self._change_reference, 0x44: self._activate,
            0x88: self._internal_authenticate, 0x20: self._verify, 0x2C: self._reset_retry_counter,
        }.get(command.ins)
        return handler(command) if handler else _sw(SW.INS_NOT_SUPPORTED)

    def _get_data(self, c: Command) -> bytes:
        if (c.p1 << 8) | c.p2 != TAG_LIFECYCLE:
            return _sw(SW.DATA_NOT_FOUND)
        return _sw(SW.OK, bytes([self.memory.lifecycle]))

    @staticmethod
    def _file(c: Command) -> int | None:
        return SW.WRONG_P1P2 if not c.p1 & 0x80 else None if c.p1 & 0x1F == SFI_PAYLOAD else SW.NOT_FOUND

    def _read_binary(self, c: Command) -> bytes:
        if (refused := self._file(c)) is not None:
            return _sw(refused)
        payload = self.memory.payload
        if not payload:
            return _sw(SW.DATA_NOT_FOUND)
        if c.p2 >= len(payload):
            return _sw(SW.WRONG_OFFSET)
        size = 256 if not c.le else c.le
        return _sw(SW.OK, payload[c.p2 : c.p2 + size])

    def _update_binary(self, c: Command) -> bytes:
        if self.activated:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if (refused := self._file(c)) is not None:
            return _sw(refused)
        if not self.memory.key:
            return _sw(SW.DATA_NOT_FOUND)
        payload = self.memory.payload
        if c.p2 > len(payload):
            return _sw(SW.WRONG_OFFSET)
        if c.p2 + len(c.data) > EF_SIZE:
            return _sw(SW.NOT_ENOUGH_MEMORY)
        self.memory.payload = payload[: c.p2] + c.data + payload[c.p2 + len(c.data) :]
        return _sw(SW.OK)

    def _generate_key(self, c: Command) -> bytes:
        if self.activated:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if (c.p1, c.p2) != (0x80, 0x00):
            return _sw(SW.WRONG_P1P2)
        key = Ed25519PrivateKey.generate()
        # A new key starts personalization over: nothing written for an earlier key survives.
        self.memory = CardMemory(key=key.private_bytes_raw())
        return _sw(SW.OK, key.public_key().public_bytes_raw())

    def _change_reference(self, c: Command) -> bytes:
        if self.activated:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if c.p1 != 0x01 or c.p2 not in (PIN_REF, PUK_REF):
            return _sw(SW.WRONG_P1P2)
        if not self.memory.key:
            return _sw(SW.DATA_NOT_FOUND)
        if c.p2 == PIN_REF:
            if not _pin_ok(c.data):
                return _sw(SW.WRONG_DATA)
            self.memory.pin, self.memory.pin_tries = c.data, PIN_TRIES
        else:
            if len(c.data) != PUK_DIGITS or not c.data.isdigit():
                return _sw(SW.WRONG_DATA)
            self.memory.puk, self.memory.puk_tries = c.data, PUK_TRIES
        return _sw(SW.OK)

    def _activate(self, c: Command) -> bytes:
        if self.activated:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        m = self.memory
        if not (m.key and m.payload and m.pin and m.puk):
            return _sw(SW.DATA_NOT_FOUND)
        m.lifecycle = LCS_ACTIVATED
        return _sw(SW.OK)

    def _internal_authenticate(self, c: Command) -> bytes:
        if not self.memory.key:
            return _sw(SW.DATA_NOT_FOUND)
        if not 16 <= len(c.data) <= 64:
            return _sw(SW.WRONG_LENGTH)
        if c.p1 != 0x00 or c.p2 not in (0x00, 0x01):
            return _sw(SW.WRONG_P1P2)
        if c.p2 == 0x01 and not self.pin_verified:
            return _sw(SW.SECURITY_NOT_SATISFIED)
        domain = PIN_PROOF_DOMAIN if c.p2 == 0x01 else CHALLENGE_DOMAIN
        key = Ed25519PrivateKey.from_private_bytes(self.memory.key)
        return _sw(SW.OK, key.sign(domain + c.data))

    def _verify(self, c: Command) -> bytes:
        m = self.memory
        if c.p1 != 0x00 or c.p2 != PIN_REF:
            return _sw(SW.WRONG_P1P2)
        if not self.activated:
            return _sw(SW.DATA_NOT_FOUND)
        if m.pin_tries == 0:
            return _sw(SW.BLOCKED)
        if not c.data:
            return _sw(SW.OK if self.pin_verified else tries_left(m.pin_tries))
        if not _pin_ok(c.data):
            return _sw(SW.WRONG_DATA)
        if hmac.compare_digest(c.data, m.pin):
            m.pin_tries, self.pin_verified = PIN_TRIES, True
            return _sw(SW.OK)
        m.pin_tries -= 1
        self.pin_verified = False
        return _sw(SW.BLOCKED if m.pin_tries == 0 else tries_left(m.pin_tries))

    def _reset_retry_counter(self, c: Command) -> bytes:
        m = self.memory
        if c.p1 != 0x00 or c.p2 != PIN_REF:
            return _sw(SW.WRONG_P1P2)
        if not self.activated:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if m.puk_tries == 0:
            return _sw(SW.BLOCKED)
        puk, new_pin = c.data[:PUK_DIGITS], c.data[PUK_DIGITS:]
        if len(puk) != PUK_DIGITS or not _pin_ok(new_pin):
            return _sw(SW.WRONG_DATA)
        if not hmac.compare_digest(puk, m.puk):
            m.puk_tries -= 1
            return _sw(SW.BLOCKED if m.puk_tries == 0 else tries_left(m.puk_tries))
        m.pin, m.pin_tries, m.puk_tries = new_pin, PIN_TRIES, PUK_TRIES
        self.pin_verified = False
        return _sw(SW.OK)


def _pin_ok(pin: bytes) -> bool:
    return 4 <= len(pin) <= 6 and pin.isdigit()


def clone_of(original: Applet, *, with_key: bool = True) -> Applet:
    """An activated card with a copy of another card's payload and PIN, but not its key."""
    mem = original.memory
    key = Ed25519PrivateKey.generate().private_bytes_raw() if with_key else b""
    return Applet(CardMemory(lifecycle=LCS_ACTIVATED, key=key, payload=mem.payload, pin=mem.pin,
                             puk=mem.puk))


class VirtualCard:
    """An applet plus its vpcd link: `insert()`, `remove()`, fault injection, persistent memory."""

    def __init__(self, applet: Applet | None = None, *, host: str = "127.0.0.1",
                 port: int = 35963) -> None:
        self.applet = applet or Applet()
        self.link = VpcdLink(self.applet, host=host, port=port)

    @property
    def memory(self) -> CardMemory:
        """The chip's memory."""
        return self.applet.memory

    def insert(self, *, remove_after: int | None = None, tear: bool = False) -> None:
        """Put the card on the reader; optionally pull it out after `remove_after` APDUs."""
        self.link.remove_after, self.link.tear = remove_after, tear
        self.link.insert()

    def remove(self) -> None:
        """Take the card off the reader."""
        self.link.remove()

    @property
    def inserted(self) -> bool:
        """True while on the reader."""
        return self.link.inserted

    @property
    def answered(self) -> int:
        """APDUs answered since the last insertion."""
        return self.link.answered


def main(argv: list[str] | None = None) -> None:
    """Run a virtual card on a vpcd port until interrupted."""
    parser = argparse.ArgumentParser(description="A virtual redangel card on vpcd.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=35963)
    parser.add_argument("--state", type=Path, help="JSON file keeping the card's memory")
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, state=args.state)


def serve(*, host: str, port: int, state: Path | None, lang: str = "en") -> None:
    """Insert a virtual card and keep it on the reader until Ctrl-C."""
    applet = Applet.load(state) if state else Applet()
    card = VirtualCard(applet, host=host, port=port)
    card.insert()
    where = f"vpcd {host}:{port}" + (f", {state}" if state else "")
    print(f"virtual card on {where}; Ctrl-C removes it" if lang == "en" else
          f"tarjeta virtual en {where}; Ctrl-C para retirarla", flush=True)
    try:
        while card.inserted:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        card.remove()


if __name__ == "__main__":
    main()
