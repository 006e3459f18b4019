"""Pytest fixtures for the real PC/SC stack: pcscd (reused, or started and later stopped) and
virtual cards put on a vpcd reader slot.

Use them from any test folder by importing them into that folder's conftest.py:

    from tests.card_reader.fixtures import card_slot, pcscd, virtual_card  # noqa: F401

`REDANGEL_TEST_VPCD_PORT` picks the slot (35963 → "Virtual PCD 00 00", the default; 35964 →
"Virtual PCD 00 01"), so two suites can run side by side on one pcscd.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from card_reader import pcsc
from card_reader.virtual_card import Applet, VirtualCard

ROOT = Path(__file__).resolve().parents[2]
SLOTS = {35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01"}
PORT = int(os.environ.get("REDANGEL_TEST_VPCD_PORT", "35963"))
READER = SLOTS[PORT]


def _readers_visible() -> bool:
    try:
        return any(READER in name for name in pcsc.list_readers())
    except Exception:
        return False


@pytest.fixture(scope="session")
def pcscd() -> Iterator[int | None]:
    """A pcscd showing vpcd's readers; yields the PID this fixture started (None: reused one)."""
    started: int | None = None
    if not _readers_visible():
        result = subprocess.run([str(ROOT / "scripts" / "pcsc-env.sh")], capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"scripts/pcsc-env.sh failed: {result.stderr.strip()}")
        started = int(result.stdout.strip()) if result.stdout.strip() else None
    deadline = time.monotonic() + 10
    while not _readers_visible():
        if time.monotonic() > deadline:
            pytest.fail(f"pcscd does not show {READER!r}; is vsmartcard-vpcd installed?")
        time.sleep(0.05)
    yield started
    if started is not None:
        os.kill(started, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(started, 0)
            except ProcessLookupError:
                break
            with contextlib.suppress(ChildProcessError):
                os.waitpid(started, os.WNOHANG)
            time.sleep(0.05)


class CardSlot:
    """The test's hand on one vpcd reader: puts virtual cards on it and takes them away."""

    def __init__(self, port: int = PORT) -> None:
        self.port, self.reader = port, SLOTS[port]
        self.card: VirtualCard | None = None
        self._connections: list[pcsc.PcscConnection] = []

    def insert(self, card: VirtualCard | Applet | None = None, *, remove_after: int | None = None,
               tear: bool = False) -> VirtualCard:
        """Put a card on the reader (a blank one by default) and wait until pcscd sees it."""
        self.remove()
        if not isinstance(card, VirtualCard):
            card = VirtualCard(card, port=self.port)
        card.insert(remove_after=remove_after, tear=tear)
        self.card = card
        with pcsc.Context() as context:
            assert context.wait(self.reader, present=True, timeout=10), "pcscd did not see the card"
        return card

    def connect(self, *, exclusive: bool = False) -> pcsc.PcscConnection:
        """Connect to the card on the reader (closed at the end of the test)."""
        connection = pcsc.wait_for_card(self.reader, 10, exclusive=exclusive)
        self._connections.append(connection)
        return connection

    def remove(self) -> None:
        """Take the card away and wait until pcscd reports the slot empty (CARDS.md gotcha 2)."""
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        if self.card is not None:
            self.card.remove()
        assert pcsc.wait_for_removal(self.reader, 10), "the reader slot did not empty"

    def reinsert(self) -> VirtualCard:
        """Put the same card (same memory) back on the reader."""
        assert self.card is not None
        return self.insert(self.card.applet)


@pytest.fixture
def card_slot(pcscd: int | None) -> Iterator[CardSlot]:
    """The virtual reader slot; emptied after each test."""
    hand = CardSlot()
    yield hand
    hand.remove()


@pytest.fixture
def virtual_card(card_slot: CardSlot) -> VirtualCard:
    """A blank virtual card already on the reader and seen by pcscd."""
    return card_slot.insert()
