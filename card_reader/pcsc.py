"""The only module that imports pyscard: readers, card arrival and removal, transmit, PC/SC errors.

Why one module: everything else speaks `SmartCardConnection` and stays testable and portable.
It uses pyscard's thin `smartcard.scard` layer (SCardGetStatusChange, SCardConnect,
SCardTransmit) rather than CardRequest/CardMonitor: every handle is owned by an object here and
released explicitly, so no destructor can disconnect a card behind our back (CARDS.md gotcha 3),
and every PC/SC return code is mapped to a typed error. pyscard is optional (the extra `card`):
without it this module still imports, and every call answers PcscdNotRunning.
"""

from __future__ import annotations

import contextlib
import time
from types import ModuleType, TracebackType

from card_reader.errors import CardError, CardRemoved, NoCard, NoReader, PcscdNotRunning, ReaderBusy

try:
    from smartcard import scard as _installed
except ImportError:  # the optional extra `card`; every call then answers PcscdNotRunning
    _installed = None
_pyscard: ModuleType | None = _installed

_NO_SERVICE = (0x8010001D, 0x8010001E)  # SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED
_NO_READER = (0x8010002E, 0x80100009, 0x80100017)  # no readers, unknown reader, reader unavailable
_CARD_GONE = (
    0x80100069,  # SCARD_W_REMOVED_CARD
    0x8010000C,  # SCARD_E_NO_SMARTCARD
    0x80100016,  # SCARD_E_NOT_TRANSACTED (transmit to a card pulled away)
    0x80100068,  # SCARD_W_RESET_CARD
    0x80100067,  # SCARD_W_UNPOWERED_CARD
    0x80100066,  # SCARD_W_UNRESPONSIVE_CARD
)
_TIMEOUT = 0x8010000A
_SHARING_VIOLATION = 0x8010000B
_STATE_UNAWARE, _STATE_CHANGED, _STATE_EMPTY, _STATE_PRESENT, _STATE_MUTE = 0x0, 0x2, 0x10, 0x20, 0x200


def _scard() -> ModuleType:
    if _pyscard is None:  # the `card` extra is not installed
        raise PcscdNotRunning()
    return _pyscard


def error_for(code: int) -> CardError:
    """The typed error for a PC/SC return code."""
    code &= 0xFFFFFFFF
    if code in _NO_SERVICE:
        return PcscdNotRunning()
    if code in _NO_READER:
        return NoReader()
    if code in _CARD_GONE:
        return CardRemoved()
    if code == _SHARING_VIOLATION:
        return ReaderBusy()
    return CardError(sw=f"PC/SC {code:08X}")


def _ok(result: int) -> None:
    if result != 0:
        raise error_for(result)


class Context:
    """A PC/SC context (one connection to pcscd); release it with `close()` or `with`."""

    def __init__(self) -> None:
        self.scard = _scard()
        result, self.handle = self.scard.SCardEstablishContext(self.scard.SCARD_SCOPE_USER)
        _ok(result)

    def readers(self) -> list[str]:
        """Every reader pcscd knows, by name."""
        result, names = self.scard.SCardListReaders(self.handle, [])
        if result == 0x8010002E:  # SCARD_E_NO_READERS_AVAILABLE
            return []
        _ok(result)
        return list(names)

    def reader(self, name_part: str) -> str:
        """The first reader whose name contains `name_part` (NoReader when none does)."""
        for name in self.readers():
            if name_part in name:
                return name
        raise NoReader()

    def state(self, reader: str) -> int:
        """The slot's current event state (SCARD_STATE_* bits)."""
        result, states = self.scard.SCardGetStatusChange(self.handle, 0, [(reader, _STATE_UNAWARE)])
        _ok(result)
        return int(states[0][1])

    def wait(self, reader: str, *, present: bool, timeout: float) -> bool:
        """Block until a card is (or is no longer) in the slot; False on timeout."""
        deadline = time.monotonic() + timeout
        state = self.state(reader)
        while _present(state) != present:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            result, states = self.scard.SCardGetStatusChange(
                self.handle, max(1, int(min(left, 1.0) * 1000)), [(reader, state & ~_STATE_CHANGED)])
            if result == _TIMEOUT:
                continue
            _ok(result)
            state = int(states[0][1])
        return True

    def close(self) -> None:
        """Release the context."""
        with contextlib.suppress(Exception):
            self.scard.SCardReleaseContext(self.handle)

    def __enter__(self) -> Context:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _present(state: int) -> bool:
    return bool(state & _STATE_PRESENT) and not state & _STATE_MUTE


class PcscConnection:
    """A card connected through pcscd; implements `SmartCardConnection`."""

    def __init__(self, reader: str, *, exclusive: bool = False) -> None:
        self.reader = reader
        self.context = Context()
        scard = self.context.scard
        share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        try:
            result, self.handle, protocol = scard.SCardConnect(
                self.context.handle, reader, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if result in _CARD_GONE:
                raise NoCard()
            _ok(result)
        except CardError:
            self.context.close()
            raise
        self.pci = scard.SCARD_PCI_T1 if protocol == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0

    def send_and_receive(self, command: bytes) -> tuple[bytes, int]:
        """Transmit one APDU; a card pulled away raises CardRemoved."""
        result, response = self.context.scard.SCardTransmit(self.handle, self.pci, list(command))
        _ok(result)
        if len(response) < 2:
            raise CardRemoved()
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]

    def close(self) -> None:
        """Release the card and the context (the card may already be gone)."""
        scard = self.context.scard
        with contextlib.suppress(Exception):
            scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
        self.context.close()

    def __enter__(self) -> PcscConnection:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def list_readers() -> list[str]:
    """The names of every reader pcscd knows."""
    with Context() as context:
        return context.readers()


def card_present(reader_part: str) -> bool:
    """Whether pcscd reports a card in the reader's slot."""
    with Context() as context:
        return _present(context.state(context.reader(reader_part)))


def wait_for_card(reader_part: str, timeout: float = 30.0, *, exclusive: bool = False) -> PcscConnection:
    """Block until a card is on the reader, then connect to it (NoCard on timeout)."""
    deadline = time.monotonic() + timeout
    with Context() as context:
        reader = context.reader(reader_part)
        while True:
            if not context.wait(reader, present=True, timeout=max(0.0, deadline - time.monotonic())):
                raise NoCard()
            try:
                return PcscConnection(reader, exclusive=exclusive)
            except (NoCard, CardRemoved):  # left again, or still powering up: wait for the next
                if time.monotonic() > deadline:
                    raise NoCard() from None
                time.sleep(0.02)


def wait_for_removal(reader_part: str, timeout: float = 30.0) -> bool:
    """Block until the reader's slot is empty; False on timeout."""
    with Context() as context:
        return context.wait(context.reader(reader_part), present=False, timeout=timeout)


class PcscReader:
    """A reader chosen by part of its name (configuration); implements `connection.Reader`."""

    def __init__(self, name_part: str, *, exclusive: bool = False) -> None:
        self.name_part, self.exclusive = name_part, exclusive

    @property
    def name(self) -> str:
        """The full name of the reader pcscd reports (NoReader when none matches)."""
        with Context() as context:
            return context.reader(self.name_part)

    def wait_for_card(self, timeout: float) -> PcscConnection:
        """Block until a card is on the reader and connect to it."""
        return wait_for_card(self.name_part, timeout, exclusive=self.exclusive)

    def wait_for_removal(self, timeout: float) -> bool:
        """Block until the reader's slot is empty; False on timeout."""
        return wait_for_removal(self.name_part, timeout)
