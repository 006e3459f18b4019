"""The one seam between card logic and a reader: `send_and_receive(apdu) -> (data, sw)`.

Why: the office and kiosk flows speak APDUs to this protocol only, so they run the same against
pcscd (`pcsc.PcscConnection`) or anything else that moves bytes (as yubikey-manager's
SmartCardConnection does); `Card` adds the typed answers and an APDU count on top.
"""

from __future__ import annotations

from typing import Protocol

from card_reader import apdu
from card_reader.errors import UnknownCard


class SmartCardConnection(Protocol):
    """A connected card: send a command APDU, get the response data and status word."""

    def send_and_receive(self, command: bytes) -> tuple[bytes, int]:
        """Transmit one command APDU; raise CardRemoved when the card is gone."""
        ...


class Card:
    """A connection with typed answers: `run` returns data or raises the status word's error."""

    def __init__(self, connection: SmartCardConnection) -> None:
        self.connection = connection
        self.apdus = 0

    def transmit(self, command: apdu.Command) -> apdu.Response:
        """Send a command; return the raw response whatever its status word."""
        self.apdus += 1
        data, sw = self.connection.send_and_receive(command.encode())
        return apdu.Response(data, sw)

    def run(self, command: apdu.Command) -> bytes:
        """Send a command; return its data, or raise the CardError its status word means."""
        response = self.transmit(command)
        return apdu.check(response.data, response.sw)

    def select(self) -> None:
        """SELECT the redangel application (UnknownCard on any refusal)."""
        response = self.transmit(apdu.select())
        if not response.ok:
            raise UnknownCard()

    def read_payload(self) -> bytes:
        """The signed payload: one READ BINARY (EF.PAYLOAD holds at most 256 bytes)."""
        return self.run(apdu.read_payload())


class Reader(Protocol):
    """A reader slot the flows wait on (pcsc.PcscReader in production and in tests)."""

    def wait_for_card(self, timeout: float) -> SmartCardConnection:
        """Block until a card is on the reader and connect to it (NoCard on timeout)."""
        ...

    def wait_for_removal(self, timeout: float) -> bool:
        """Block until the slot is empty; False on timeout."""
        ...
