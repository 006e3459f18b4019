"""The only module that imports pyscard: readers, waiting for a card, sending APDUs.

Everything above it speaks `send_and_receive(apdu) -> (data, sw)` (as yubikey-manager does), so
the office and kiosk flows run unchanged on a physical reader or on the virtual card.
"""

from __future__ import annotations

import contextlib
import time
from typing import Protocol

from card_reader.errors import CardError


class Connection(Protocol):
    """A card on a reader."""

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one APDU; answer the data and the status word."""
        ...


def _pcsc_errors() -> tuple[type[BaseException], ...]:
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.pcsc.PCSCExceptions import EstablishContextException, ListReadersException

    return CardConnectionException, NoCardException, EstablishContextException, ListReadersException


def list_readers() -> list[str]:
    """Names of the readers pcscd knows."""
    from smartcard.pcsc.PCSCExceptions import EstablishContextException, ListReadersException
    from smartcard.System import readers

    try:
        return [str(r) for r in readers()]
    except EstablishContextException as exc:
        raise CardError("pcscd_down") from exc
    except ListReadersException as exc:
        raise CardError("no_reader") from exc


class PcscConnection:
    """A pyscard connection to the card on one reader."""

    def __init__(self, reader_name: str) -> None:
        from smartcard.System import readers

        matches = [r for r in readers() if reader_name in str(r)]
        if not matches:
            raise CardError("no_reader")
        self.reader = matches[0]
        self._connection = self.reader.createConnection()

    def connect(self) -> None:
        """Power the card up (raises CardError no_card when the slot is empty)."""
        from smartcard.Exceptions import CardConnectionException, NoCardException

        try:
            self._connection.connect()
        except (NoCardException, CardConnectionException) as exc:
            raise CardError("no_card") from exc

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Transmit one APDU; a card pulled away becomes CardError card_removed."""
        from smartcard.Exceptions import CardConnectionException

        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except CardConnectionException as exc:
            raise CardError("card_removed") from exc
        return bytes(data), (sw1 << 8) | sw2

    def close(self) -> None:
        """Release the card."""
        with contextlib.suppress(Exception):  # the card may already be gone: nothing to release
            self._connection.disconnect()


def card_present(reader_name: str) -> bool:
    """Whether pcscd reports a card in the reader's slot."""
    from smartcard.scard import (
        SCARD_S_SUCCESS,
        SCARD_SCOPE_USER,
        SCARD_STATE_PRESENT,
        SCARD_STATE_UNAWARE,
        SCardEstablishContext,
        SCardGetStatusChange,
        SCardListReaders,
        SCardReleaseContext,
    )

    result, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if result != SCARD_S_SUCCESS:
        raise CardError("pcscd_down")
    try:
        result, names = SCardListReaders(context, [])
        name = next((n for n in names if reader_name in n), None) if result == SCARD_S_SUCCESS else None
        if name is None:
            raise CardError("no_reader")
        result, states = SCardGetStatusChange(context, 0, [(name, SCARD_STATE_UNAWARE)])
        return bool(states and states[0][1] & SCARD_STATE_PRESENT)
    finally:
        SCardReleaseContext(context)


def wait_for_card(reader_name: str, timeout: float = 30.0) -> PcscConnection:
    """Wait until a card is on the reader and connect to it."""
    deadline = time.monotonic() + timeout
    while True:
        if card_present(reader_name):
            connection = PcscConnection(reader_name)
            try:
                connection.connect()
                return connection
            except CardError:
                pass
        if time.monotonic() > deadline:
            raise CardError("no_card")
        time.sleep(0.05)


def wait_for_removal(reader_name: str, timeout: float = 30.0) -> bool:
    """Wait until the reader's slot is empty; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not card_present(reader_name):
            return True
        time.sleep(0.05)
    return False
