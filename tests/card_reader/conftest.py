"""The real PC/SC stack for tests: pcscd (reused, or started and later stopped) and virtual cards
inserted into vpcd's first reader."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from card_reader import pcsc
from card_reader.virtual_card import Applet, VirtualCard

READER = "Virtual PCD 00 00"
PORT = 35963


def _pcscd_running() -> bool:
    return subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def pcscd() -> Iterator[None]:
    """A running pcscd with vpcd's readers; only a pcscd this fixture started is stopped."""
    started = None
    if not _pcscd_running():
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary):
            pytest.fail("pcscd is not installed: run scripts/test, which installs pcscd and vpcd")
        started = subprocess.Popen([binary, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            if any(READER in r for r in pcsc.list_readers()):
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            pytest.fail("pcscd did not show vpcd's readers; is vsmartcard-vpcd installed?")
        time.sleep(0.1)
    yield
    if started is not None:
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=10)


class Slot:
    """The test's hand: puts cards on the reader and takes them away."""

    def __init__(self) -> None:
        self.card: VirtualCard | None = None

    def insert(self, applet: Applet | None = None, *, remove_after: int | None = None) -> VirtualCard:
        assert pcsc.wait_for_removal(READER, 10), "the reader slot did not empty"
        card = VirtualCard(applet, port=PORT)
        card.remove_after = remove_after
        card.insert()
        self.card = card
        return card

    def connect(self) -> pcsc.PcscConnection:
        return pcsc.wait_for_card(READER, 10)

    def remove(self) -> None:
        if self.card is not None and self.card.inserted:
            self.card.remove()
        assert pcsc.wait_for_removal(READER, 10)


@pytest.fixture
def slot(pcscd: None) -> Iterator[Slot]:
    """The virtual reader slot; emptied after each test."""
    hand = Slot()
    yield hand
    hand.remove()
