"""Fixtures of the kiosk browser tests: pcscd, the kiosk's reader slot, a citizen with a card,
the kiosk card agent and a kiosk browser already set up with its device token.

Import them into a test module: `from tests.web.kiosk_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.card_reader.fixtures import CardSlot, pcscd
from tests.conftest import LiveServer
from tests.web.kiosk_steps import KIOSK_PORT, Citizen, citizen_with_card, setup_kiosk, start_kiosk_agent

__all__ = ["citizen", "kiosk", "kiosk_agent", "kiosk_slot", "pcscd"]


@pytest.fixture
def kiosk_slot(pcscd: int | None) -> Iterator[CardSlot]:
    """The kiosk's reader (slot 35964, "Virtual PCD 00 01"); emptied after the test."""
    slot = CardSlot(KIOSK_PORT)
    yield slot
    slot.remove()


@pytest.fixture
def citizen(live: LiveServer, clerk: httpx.Client, kiosk_slot: CardSlot) -> Citizen:
    """A person with an active card issued by the clerk (card off the reader)."""
    return citizen_with_card(live, clerk, kiosk_slot)


@pytest.fixture
def kiosk_agent(live: LiveServer, settings: Any, world: Any, citizen: Citizen,
                kiosk_slot: CardSlot) -> Iterator[Any]:
    """The kiosk card agent with the kiosk's device token (started after the card was issued)."""
    running = start_kiosk_agent(live, settings, world.kiosk_token)
    yield running
    kiosk_slot.remove()
    running.stop()


@pytest.fixture
def kiosk(kiosk_page: Any, kiosk_agent: Any, world: Any) -> Any:
    """The kiosk's browser, set up with the device token, on the idle screen."""
    setup_kiosk(kiosk_page, world.kiosk_token)
    return kiosk_page
