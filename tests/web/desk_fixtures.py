"""The office desk for browser tests: pcscd, a virtual reader slot and the desk's card agent.

The agent runs as the desk runs it: a `DeskAgent` signed in with the same clerk's bearer token
(`POST /api/v1/auth/login`), serving at the port of `settings.desk_agent_url` (the address the
page's script uses), driving the real PC/SC stack on the vpcd slot of port 35963. Import the
fixtures into a test module:

    from tests.web.desk_fixtures import desk_fixture, pcscd  # noqa: F401  (fixtures `desk`, `pcscd`)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from card_reader.desk_agent import DeskAgent
from card_reader.service_client import HttpCardService
from redangel.config import Settings
from tests.card_reader.fixtures import SLOTS, CardSlot, pcscd
from tests.conftest import LiveServer

__all__ = ["Desk", "desk_fixture", "pcscd"]
DESK_PORT = 35963


@dataclass
class Desk:
    """The agent at the desk and the test's hand on its reader slot."""

    agent: DeskAgent
    slot: CardSlot
    token: str


@pytest.fixture(name="desk")
def desk_fixture(pcscd: int | None, live: LiveServer, world, settings: Settings) -> Iterator[Desk]:  # type: ignore[no-untyped-def]
    """A desk agent acting for the test clerk, on the page's agent address, with an empty slot."""
    answer = httpx.post(f"{live.url}/api/v1/auth/login",
                        json={"username": world.clerk, "password": world.password}, timeout=30)
    assert answer.status_code == 200, answer.text
    token = answer.json()["session_token"]
    client = httpx.Client(base_url=live.url, timeout=30, headers={"Authorization": f"Bearer {token}"})
    slot = CardSlot(DESK_PORT)
    agent = DeskAgent(service=HttpCardService(client), reader=SLOTS[DESK_PORT],
                      signed_in_as={"username": world.clerk, "role": "clerk"},
                      allowed_origin=live.url, port=urlsplit(settings.desk_agent_url).port or 0,
                      card_timeout=4)
    agent.start()
    yield Desk(agent, slot, token)
    agent.stop()
    slot.remove()
    client.close()
