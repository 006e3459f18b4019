"""The card side of vsmartcard's vpcd protocol: how a software card sits in a virtual reader.

Why: tests and demos drive the real PC/SC stack (pyscard → pcscd → vpcd) with no hardware; vpcd
is the TCP server and the card its client. Every message, both ways, is a 2-byte big-endian
length and a payload; a 1-byte message from vpcd is a control byte (00 power off, 01 power on,
02 reset, 04 "send your ATR"); anything longer is a command APDU to answer. Connecting inserts
the card; closing the socket removes it. Fault injection (`remove_after`, `tear`) lets tests
pull the card out at an exact APDU.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from typing import Protocol

POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04


class Chip(Protocol):
    """What a card must do for the link."""

    def atr(self) -> bytes:
        """The answer to reset."""
        ...

    def power_cycle(self) -> None:
        """Lose volatile state (selection, verified PIN); keep memory."""
        ...

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with data + SW1 SW2."""
        ...


class VpcdLink:
    """Connects a chip to a vpcd reader slot: `insert()` connects, `remove()` disconnects."""

    def __init__(self, chip: Chip, *, host: str = "127.0.0.1", port: int = 35963) -> None:
        self.chip = chip
        self.host, self.port = host, port
        self.remove_after: int | None = None  # pull the card out instead of answering APDU n+1
        self.tear = False  # with remove_after: execute APDU n+1, then vanish before answering
        self.answered = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def insert(self) -> None:
        """Connect to vpcd: the reader now has this card."""
        if self.inserted:
            return
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock, self.answered = sock, 0
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True,
                                        name=f"virtual-card-{self.port}")
        self._thread.start()

    def remove(self) -> None:
        """Disconnect: the card leaves the reader (its memory stays with the chip)."""
        self._close()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    @property
    def inserted(self) -> bool:
        """True while connected to vpcd."""
        return self._sock is not None

    def wait_removed(self, timeout: float = 5.0) -> bool:
        """Wait for the serving thread to end (after fault injection pulled the card)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.inserted

    def _close(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            self.chip.power_cycle()

    @staticmethod
    def _recv_exact(sock: socket.socket, size: int) -> bytes:
        chunks = b""
        while len(chunks) < size:
            part = sock.recv(size - len(chunks))
            # vpcd writes the length and the APDU in two writes without TCP_NODELAY: acknowledge
            # at once, every time, or each APDU waits for a delayed ACK (~40 ms).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if not part:
                raise ConnectionError("vpcd closed the connection")
            chunks += part
        return chunks

    def _answer(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            if message[0] == GET_ATR:
                return self.chip.atr()
            if message[0] in (POWER_OFF, POWER_ON, RESET):
                self.chip.power_cycle()
            return None
        if self.remove_after is not None and self.answered >= self.remove_after:
            if self.tear:
                self.chip.process(message)
            self._close()
            return None
        answer = self.chip.process(message)
        self.answered += 1
        return answer

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                (length,) = struct.unpack(">H", self._recv_exact(sock, 2))
                answer = self._answer(self._recv_exact(sock, length))
                if self._sock is not sock:
                    return
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except (ConnectionError, OSError):
            if self._sock is sock:  # vpcd went away: the card is out of the reader
                self._close()
