"""Steps of the citizen's kiosk journey, reusable by any browser test (and the end-to-end one).

A kiosk is a browser on /kiosk plus the kiosk card agent beside the reader (slot 35964,
"Virtual PCD 00 01"); a citizen's card is a virtual card whose memory (`applet`) can be put on
any reader slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from card_reader import pcsc
from card_reader.issue import issue_card
from card_reader.kiosk_agent import RunningAgent, start
from card_reader.service_client import HttpCardService
from card_reader.virtual_card import Applet
from tests.builders import person_payload
from tests.card_reader.fixtures import CardSlot
from tests.conftest import LiveServer, unique_suffix

KIOSK_PORT = 35964
KIOSK_READER = "Virtual PCD 00 01"
PIN = "2468"


@dataclass
class Citizen:
    """A registered person with an issued, active virtual card (its memory in `applet`)."""

    person_id: str
    given_names: str
    surname: str
    serial: str
    applet: Applet
    pin: str


def start_kiosk_agent(live: LiveServer, settings: Any, device_token: str,
                      reader: str = KIOSK_READER) -> RunningAgent:
    """Start the kiosk card agent at the port of `settings.kiosk_agent_url`."""
    return start(service_url=live.url, device_token=device_token,
                 reader=pcsc.PcscReader(reader), agent_url=settings.kiosk_agent_url)


def register_person(clerk: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """A new person registered by the clerk through the API."""
    answer = clerk.post("/persons", json=person_payload(unique_suffix(), **overrides))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def issue_virtual_card(live: LiveServer, clerk: httpx.Client, slot: CardSlot, person_id: str,
                       pin: str = PIN) -> tuple[str, Applet]:
    """Issue a card the real way (clerk's credentials, real PC/SC) on a blank card in `slot`;
    the card is taken off the reader afterwards. Returns the serial and the card's memory."""
    office = HttpCardService(httpx.Client(base_url=live.url, headers=dict(clerk.headers), timeout=30))
    card = slot.insert()
    issued = issue_card(slot.connect(), office, person_id=person_id, pin=pin)
    slot.remove()
    return issued.serial, card.applet


def citizen_with_card(live: LiveServer, clerk: httpx.Client, slot: CardSlot) -> Citizen:
    """Register a person and issue them an active card."""
    person = register_person(clerk)
    serial, applet = issue_virtual_card(live, clerk, slot, person["id"])
    return Citizen(person["id"], person["given_names"], person["first_surname"], serial, applet, PIN)


def setup_kiosk(page: Any, token: str) -> None:
    """The technician's one-time setup: paste the device token on /kiosk/setup."""
    page.goto("/kiosk/setup")
    page.get_by_label("Token del dispositivo").fill(token)
    page.get_by_role("button", name="Guardar").click()
    page.wait_for_url(re.compile(r".*/kiosk$"))


def tap_and_wait(page: Any, slot: CardSlot, applet: Applet) -> None:
    """Put the card on the kiosk's reader and wait for the citizen's screen."""
    slot.insert(applet)
    page.wait_for_url(re.compile(r".*/kiosk/me$"))


def enter_pin(page: Any, pin: str) -> None:
    """Type the PIN on the screen's keypad and press OK."""
    for digit in pin:
        page.locator(f"button[data-digit='{digit}']").click()
    page.locator("button[data-key='ok']").click()


def wait_for_tiles(page: Any) -> None:
    """The PIN was accepted: the tiles of the citizen's options are shown."""
    page.locator(".kiosk-tiles").wait_for()


def remove_and_wait_idle(page: Any, slot: CardSlot) -> None:
    """Take the card off the reader; the screen is cleared (the 'session ended' screen)."""
    slot.remove()
    page.wait_for_url(re.compile(r".*/kiosk/ended\?lang=es$"))


def device_client(live: LiveServer, token: str) -> httpx.Client:
    """The kiosk device's own API client (to check the card session from outside the page)."""
    return httpx.Client(base_url=live.url + "/api/v1", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})
