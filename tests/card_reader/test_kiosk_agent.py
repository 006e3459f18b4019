"""The kiosk card agent against the real service, through the real PC/SC stack: what the page
sees on /status, the PIN proven through the chip, the session ending when the card leaves."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from card_reader.kiosk_agent import RunningAgent
from tests.card_reader.fixtures import CardSlot
from tests.conftest import LiveServer
from tests.web.kiosk_fixtures import *  # noqa: F403  (citizen, kiosk_agent, kiosk_slot)

pytestmark = pytest.mark.pcsc


def _until(check: Callable[[], Any], seconds: float = 15.0) -> Any:
    """Wait for a condition the agent reaches by itself (a poll, not a timed assertion)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture
def slot(kiosk_slot: CardSlot) -> CardSlot:
    """The kiosk's reader slot (35964)."""
    return kiosk_slot


@pytest.fixture
def agent(kiosk_agent: RunningAgent) -> RunningAgent:
    """The kiosk agent with the kiosk's device token, started after the citizen's card was issued."""
    return kiosk_agent


@pytest.fixture
def page_side(agent: RunningAgent, live: LiveServer) -> Iterator[httpx.Client]:
    """What the kiosk page's script is: the service's origin talking to the agent."""
    with httpx.Client(base_url=agent.api.url, headers={"Origin": live.url}, timeout=30) as client:
        yield client


@pytest.fixture
def device(live: LiveServer, world) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live.url + "/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {world.kiosk_token}"}) as client:
        yield client


def _state(client: httpx.Client) -> str:
    return str(client.get("/status").json()["state"])


class TestKioskAgent:
    def test_tap_pin_and_removal(self, slot, citizen, page_side, device) -> None:  # type: ignore[no-untyped-def]
        assert _state(page_side) == "idle"
        assert page_side.post("/pin", json={"pin": "2468"}).status_code == 409  # no card yet
        slot.insert(citizen.applet)
        assert _until(lambda: _state(page_side) == "open")
        current = device.get("/kiosk/sessions/current").json()
        assert current["person_id"] == citizen.person_id and current["pin_verified"] is False

        short = page_side.post("/pin", json={"pin": "12"})
        assert short.status_code == 400 and short.json()["code"] == "pin_invalid"
        wrong = page_side.post("/pin", json={"pin": "1111"})
        assert wrong.status_code == 400
        assert wrong.json()["tries"] == 2
        assert wrong.json()["message"]["es"] == "NIP incorrecto. Le quedan 2 intentos."
        right = page_side.post("/pin", json={"pin": citizen.pin})
        assert right.status_code == 200 and right.json() == {"ok": True}
        assert device.get("/kiosk/sessions/current").json()["pin_verified"] is True

        slot.remove()
        assert _until(lambda: _state(page_side) == "idle")
        assert device.get("/kiosk/sessions/current").status_code == 404

    def test_the_open_session_gives_its_own_screen_the_proof(  # type: ignore[no-untyped-def]
            self, slot, citizen, page_side, live, world) -> None:
        slot.insert(citizen.applet)
        assert _until(lambda: _state(page_side) == "open")
        proof = page_side.get("/status").json()["screen"]
        device_cookie = f"redangel_kiosk={world.kiosk_token}"
        with_proof = {"Cookie": f"{device_cookie}; redangel_kiosk_screen={proof}"}
        with httpx.Client(base_url=live.url, timeout=30, follow_redirects=False) as screen:
            bound = screen.post("/kiosk/screen", data={"token": proof},
                                headers={"Cookie": device_cookie, "X-Kiosk-Screen": "1"})
            assert bound.status_code == 204, bound.text
            assert screen.get("/kiosk/me", headers=with_proof).status_code == 200
            assert screen.get("/kiosk/me", headers={"Cookie": device_cookie}).status_code == 303
            slot.remove()
            assert _until(lambda: _state(page_side) == "idle")
            assert "screen" not in page_side.get("/status").json()
            assert screen.get("/kiosk/me", headers=with_proof).status_code == 303

    def test_a_session_ended_by_the_screen_asks_for_the_card_back(  # type: ignore[no-untyped-def]
            self, slot, citizen, page_side, device, live, world) -> None:
        slot.insert(citizen.applet)
        assert _until(lambda: _state(page_side) == "open")
        assert device.delete("/kiosk/sessions/device-current").status_code == 204
        assert _until(lambda: _state(page_side) == "ended")
        assert page_side.post("/pin", json={"pin": citizen.pin}).status_code == 409
        slot.remove()
        assert _until(lambda: _state(page_side) == "idle")

    def test_a_blocked_pin_says_so(self, slot, citizen, page_side) -> None:  # type: ignore[no-untyped-def]
        slot.insert(citizen.applet)
        assert _until(lambda: _state(page_side) == "open")
        for _ in range(3):
            last = page_side.post("/pin", json={"pin": "0000"})
        assert last.json()["code"] == "pin_blocked"
        assert page_side.post("/pin", json={"pin": citizen.pin}).json()["code"] == "pin_blocked"

    def test_only_the_service_pages_may_ask(self, agent, live) -> None:  # type: ignore[no-untyped-def]
        with httpx.Client(base_url=agent.api.url, timeout=30) as stranger:
            assert stranger.get("/status").status_code == 403
            assert stranger.get("/status", headers={"Origin": "http://evil.example"}).status_code == 403
            assert stranger.post("/pin", json={"pin": "2468"},
                                 headers={"Origin": "http://evil.example"}).status_code == 403
