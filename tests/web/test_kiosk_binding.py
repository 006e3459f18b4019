"""The kiosk device token is not enough to see a citizen: over HTTP, a copy of it replayed from
another machine while a card session is open shows nothing; only the screen holding the proof
the kiosk agent received for that session does, and only while that session lives.

(The real flow — agent, reader and page — is the browser journey in `test_kiosk_journey.py`.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from redangel.auth import service as auth
from redangel.auth.kiosk_models import KioskSession
from redangel.auth.models import KioskDevice
from redangel.db import utcnow
from redangel.web.auth import KIOSK_COOKIE, KIOSK_SCREEN_COOKIE
from tests.conftest import LiveServer
from tests.program.helpers import new_person


@dataclass
class Kiosk:
    """A kiosk device of its own, and the card session open there."""

    device_id: uuid.UUID
    device_token: str
    session_token: str
    proof: str
    person: dict[str, Any]


def _open(sessions: Any, settings: Any, device_id: uuid.UUID, person_id: str) -> tuple[str, str]:
    """The kiosk agent's part, done directly: a PIN-verified card session at the device."""
    with sessions() as session:
        device = session.get(KioskDevice, device_id)
        token, row = auth.open_kiosk_session(session, device=device, card_serial=None,
                                             person_id=uuid.UUID(person_id))
        row.pin_verified = True
        session.commit()
    return token, auth.kiosk_screen_token(settings=settings, session_token=token)


@pytest.fixture
def kiosk(live: LiveServer, sessions: Any, world: Any, clerk: httpx.Client) -> Kiosk:
    with sessions() as session:
        device, device_token = auth.create_kiosk_device(
            session, name=f"binding-{uuid.uuid4().hex[:6]}", office_id=world.office_id)
        session.commit()
        device_id = device.id
    person = new_person(clerk)
    settings = live.app.state.settings  # type: ignore[attr-defined]
    token, proof = _open(sessions, settings, device_id, person["id"])
    return Kiosk(device_id, device_token, token, proof, person)


@pytest.fixture
def other_machine(live: LiveServer) -> Iterator[httpx.Client]:
    """Another machine's HTTP client (no redirects followed)."""
    with httpx.Client(base_url=live.url, timeout=30, follow_redirects=False) as client:
        yield client


def _page(client: httpx.Client, path: str, device_token: str, proof: str | None = None
          ) -> httpx.Response:
    cookies = f"{KIOSK_COOKIE}={device_token}"
    if proof is not None:
        cookies += f"; {KIOSK_SCREEN_COOKIE}={proof}"
    return client.get(path, headers={"Cookie": cookies, "Accept-Language": "es"})


VIEWS = ("/kiosk/me", "/kiosk/me/programs", "/kiosk/me/applications", "/kiosk/me/deliveries",
         "/kiosk/me/eligible", "/kiosk/me/accesses")


class TestDeviceTokenAlone:
    def test_opens_no_citizen_view_while_a_card_session_is_open(
            self, other_machine: httpx.Client, kiosk: Kiosk) -> None:
        for path in VIEWS:
            answer = _page(other_machine, path, kiosk.device_token)
            assert answer.status_code == 303, f"{path}: {answer.status_code}"
            assert answer.headers["location"] == "/kiosk", path
            assert kiosk.person["first_surname"] not in answer.text
        state = _page(other_machine, "/kiosk/state", kiosk.device_token)
        assert state.json() == {"session": False, "card": True, "pin_verified": False}
        assert _page(other_machine, "/kiosk", kiosk.device_token).status_code == 200  # the idle screen

    def test_cannot_make_up_a_proof(self, other_machine: httpx.Client, kiosk: Kiosk) -> None:
        for made_up in ("rv_" + "0" * 64, kiosk.session_token, kiosk.device_token):
            answer = other_machine.post("/kiosk/screen", data={"token": made_up},
                                  headers={"Cookie": f"{KIOSK_COOKIE}={kiosk.device_token}",
                                           "X-Kiosk-Screen": "1"})
            assert answer.status_code == 403, answer.text
            assert KIOSK_SCREEN_COOKIE not in answer.headers.get("set-cookie", "")
            assert _page(other_machine, "/kiosk/me/programs", kiosk.device_token,
                         made_up).status_code == 303


class TestTheAgentsProof:
    def test_shows_the_session_to_the_screen_holding_it(self, other_machine: httpx.Client,
                                                        kiosk: Kiosk) -> None:
        bound = other_machine.post("/kiosk/screen", data={"token": kiosk.proof},
                             headers={"Cookie": f"{KIOSK_COOKIE}={kiosk.device_token}",
                                      "X-Kiosk-Screen": "1"})
        assert bound.status_code == 204, bound.text
        cookie = bound.headers["set-cookie"]
        assert f"{KIOSK_SCREEN_COOKIE}={kiosk.proof}" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/kiosk" in cookie
        state = _page(other_machine, "/kiosk/state", kiosk.device_token, kiosk.proof)
        assert state.json() == {"session": True, "card": True, "pin_verified": True}
        for path in VIEWS:
            assert _page(other_machine, path, kiosk.device_token, kiosk.proof).status_code == 200, path
        without_header = other_machine.post("/kiosk/screen", data={"token": kiosk.proof},
                                      headers={"Cookie": f"{KIOSK_COOKIE}={kiosk.device_token}"})
        assert without_header.status_code == 403  # never from a cross-site form

    def test_dies_with_its_session(self, other_machine: httpx.Client, live: LiveServer,
                                   kiosk: Kiosk) -> None:
        assert _page(other_machine, "/kiosk/me/programs", kiosk.device_token, kiosk.proof).status_code == 200
        ended = httpx.delete(f"{live.url}/api/v1/kiosk/sessions/current",
                             headers={"Authorization": f"Bearer {kiosk.session_token}"})
        assert ended.status_code == 204
        answer = _page(other_machine, "/kiosk/me/programs", kiosk.device_token, kiosk.proof)
        assert answer.status_code == 303 and answer.headers["location"] == "/kiosk"

    def test_idled_out_is_refused(self, other_machine: httpx.Client, sessions: Any,
                                  kiosk: Kiosk) -> None:
        with sessions() as session:
            row = session.query(KioskSession).filter_by(device_id=kiosk.device_id,
                                                        ended_at=None).one()
            row.last_seen_at = utcnow() - timedelta(hours=1)
            session.commit()
        answer = _page(other_machine, "/kiosk/me/programs", kiosk.device_token, kiosk.proof)
        assert answer.status_code == 303

    def test_does_not_show_the_next_citizen(self, other_machine: httpx.Client, live: LiveServer,
                                            sessions: Any, clerk: httpx.Client,
                                            kiosk: Kiosk) -> None:
        nxt = new_person(clerk)
        settings = live.app.state.settings  # type: ignore[attr-defined]
        _, next_proof = _open(sessions, settings, kiosk.device_id, nxt["id"])
        old = _page(other_machine, "/kiosk/me/programs", kiosk.device_token, kiosk.proof)
        assert old.status_code == 303
        assert _page(other_machine, "/kiosk/me/programs", kiosk.device_token,
                     next_proof).status_code == 200
