"""A software smart card implementing the redangel application, connected to vsmartcard's vpcd.

The test suite and the demo drive the real stack with it: pyscard → pcscd → vpcd → this card.
Its memory (keys, files, PIN counters, life cycle) survives removal and re-insertion, like a
chip's EEPROM. Fault injection: `remove_after` pulls the card out when that many APDUs have
been answered; a `clone_of` card carries another card's payload but not its key.

    python -m card_reader.virtual_card --port 35963
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from card_reader.apdu import AID

ATR = bytes.fromhex("3B8880010000000000000000")  # generic contactless-style ATR
CHALLENGE_DOMAIN = b"redangel-card-challenge:"
PIN_TRIES, PUK_TRIES = 3, 10


@dataclass
class CardMemory:
    """What the chip keeps between taps."""

    personalized: bool = False
    key: Ed25519PrivateKey | None = None
    payload: bytes = b""
    pin: bytes = b""
    puk: bytes = b""
    pin_tries: int = PIN_TRIES
    puk_tries: int = PUK_TRIES


@dataclass
class Applet:
    """The card's command processor (ISO 7816-4 subset, see docs/card-format.md)."""

    memory: CardMemory = field(default_factory=CardMemory)
    selected: bool = False
    pin_ok: bool = False

    def reset(self) -> None:
        """Power cycle: volatile state is lost, memory is kept."""
        self.selected = self.pin_ok = False

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with data + SW1 SW2."""
        if len(apdu) < 4:
            return b"\x67\x00"
        _cla, ins, p1, p2 = apdu[:4]
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        mem = self.memory
        if ins == 0xA4:
            if p1 == 0x04 and data == AID:
                self.selected = True
                return b"\x90\x00"
            self.selected = False
            return b"\x6a\x82"
        if not self.selected:
            return b"\x69\x85"
        if ins == 0xCA and p2 == 0x01:
            return bytes([1 if mem.personalized else 0]) + b"\x90\x00"
        if ins == 0xB0:
            return mem.payload + b"\x90\x00" if mem.payload else b"\x6a\x82"
        if ins == 0x88:
            if mem.key is None:
                return b"\x69\x85"
            return mem.key.sign(CHALLENGE_DOMAIN + data) + b"\x90\x00"
        if ins == 0x20:
            if mem.pin_tries == 0:
                return b"\x69\x83"
            if not data:
                return bytes([0x63, 0xC0 | mem.pin_tries])
            if data == mem.pin:
                mem.pin_tries, self.pin_ok = PIN_TRIES, True
                return b"\x90\x00"
            mem.pin_tries -= 1
            return b"\x69\x83" if mem.pin_tries == 0 else bytes([0x63, 0xC0 | mem.pin_tries])
        if ins == 0x2C:
            puk, _, new_pin = data.partition(b"\xff")
            if mem.puk_tries == 0:
                return b"\x69\x83"
            if puk != mem.puk or not 4 <= len(new_pin) <= 6:
                mem.puk_tries -= 1
                return bytes([0x63, 0xC0 | mem.puk_tries])
            mem.pin, mem.pin_tries, mem.puk_tries = new_pin, PIN_TRIES, PUK_TRIES
            return b"\x90\x00"
        # Personalization commands: only while the card is blank.
        if mem.personalized:
            return b"\x69\x85"
        if ins == 0x46:
            mem.key = Ed25519PrivateKey.generate()
            mem.payload = b""
            return mem.key.public_key().public_bytes_raw() + b"\x90\x00"
        if ins == 0xD6:
            mem.payload = data
            return b"\x90\x00"
        if ins == 0x24 and p2 in (1, 2):
            if p2 == 1 and not (4 <= len(data) <= 6 and data.isdigit()):
                return b"\x6a\x80"
            if p2 == 1:
                mem.pin, mem.pin_tries = data, PIN_TRIES
            else:
                mem.puk, mem.puk_tries = data, PUK_TRIES
            return b"\x90\x00"
        if ins == 0x44:
            if not (mem.key and mem.payload and mem.pin and mem.puk):
                return b"\x69\x85"
            mem.personalized = True
            return b"\x90\x00"
        return b"\x6d\x00"


def clone_of(original: Applet) -> Applet:
    """A card with a copy of another card's payload (and PIN), but its own key."""
    mem = original.memory
    copy = CardMemory(personalized=True, key=Ed25519PrivateKey.generate(), payload=mem.payload,
                      pin=mem.pin, puk=mem.puk)
    return Applet(copy)


class VirtualCard:
    """Puts an applet on a vpcd reader slot: insert() connects, remove() disconnects."""

    def __init__(self, applet: Applet | None = None, *, host: str = "127.0.0.1",
                 port: int = 35963) -> None:
        self.applet = applet or Applet()
        self.host, self.port = host, port
        self.remove_after: int | None = None
        self.answered = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        """Connect to vpcd: the reader now has a card."""
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self.answered = 0
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Disconnect: the card leaves the reader."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.applet.reset()

    @property
    def inserted(self) -> bool:
        """True while connected to vpcd."""
        return self._sock is not None

    @staticmethod
    def _recv_exact(sock: socket.socket, size: int) -> bytes:
        chunks = b""
        while len(chunks) < size:
            part = sock.recv(size - len(chunks))
            # vpcd writes the length and the APDU separately: answer without delayed ACKs.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if not part:
                raise ConnectionError("vpcd closed the connection")
            chunks += part
        return chunks

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                (length,) = struct.unpack(">H", self._recv_exact(sock, 2))
                message = self._recv_exact(sock, length)
                if length == 1:
                    if message[0] == 0x04:
                        answer = ATR
                    else:
                        self.applet.reset()
                        continue
                else:
                    if self.remove_after is not None and self.answered >= self.remove_after:
                        threading.Thread(target=self.remove, daemon=True).start()
                        return
                    answer = self.applet.process(message)
                    self.answered += 1
                sock.sendall(struct.pack(">H", len(answer)) + answer)
        except (ConnectionError, OSError):
            return


def main() -> None:
    """Run a virtual card on a vpcd port until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=35963)
    args = parser.parse_args()
    card = VirtualCard(host=args.host, port=args.port)
    card.insert()
    print(f"virtual card inserted on vpcd {args.host}:{args.port}; Ctrl-C removes it")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        card.remove()


if __name__ == "__main__":
    main()
