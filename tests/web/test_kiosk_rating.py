"""At the kiosk, after the PIN, a card holder rates each decided request once; a second answer
is refused, and another person's folio is not found. (The card session is opened as the kiosk
agent would, so no reader is needed; the card's own path is tests/web/test_kiosk_journey.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth.service import create_kiosk_device, kiosk_screen_token, open_kiosk_session
from redangel.program.models import Application, Feedback
from redangel.web.auth import KIOSK_COOKIE, KIOSK_SCREEN_COOKIE
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import approve, folio_of, new_person

PROGRAM = "comedores_comunitarios"


@pytest.fixture
def screen(live: LiveServer, sessions: Any, settings: Any, world: Any,
           clerk: httpx.Client) -> Iterator[tuple[httpx.Client, str]]:
    """A kiosk screen showing a new person's card session with the PIN proven, and the person."""
    person = new_person(clerk)
    with sessions() as session:
        device, device_token = create_kiosk_device(session, name=f"kiosk-{unique_suffix()}",
                                                   office_id=world.office_id)
        token, kiosk = open_kiosk_session(session, device=device,
                                          person_id=uuid.UUID(person["id"]), card_serial=None)
        kiosk.pin_verified = True
        session.commit()
    proof = kiosk_screen_token(settings=settings, session_token=token)
    client = httpx.Client(base_url=live.url, timeout=30)
    client.cookies.set(KIOSK_COOKIE, device_token)
    client.cookies.set(KIOSK_SCREEN_COOKIE, proof)
    yield client, person["id"]
    client.close()


def stored(sessions: Any, folio: str) -> list[tuple[int, str]]:
    with sessions() as session:
        return [(f.rating, f.channel) for f in session.scalars(
            select(Feedback).join(Application, Application.id == Feedback.application_id)
            .where(Application.folio == folio))]


class TestKioskRating:
    def test_once_per_decided_request(self, screen: tuple[httpx.Client, str],
                                      clerk: httpx.Client, supervisor: httpx.Client,
                                      sessions: Any) -> None:
        kiosk, person_id = screen
        decided = folio_of(clerk, person_id, PROGRAM)
        approve(supervisor, decided)
        still_open = folio_of(clerk, person_id, "pension_adultos_mayores")
        page = kiosk.get("/kiosk/me/applications")
        assert page.status_code == 200
        assert page.text.count('action="/kiosk/me/rating"') == 1  # only the decided one
        assert f'value="{decided}"' in page.text and f'value="{still_open}"' not in page.text
        answer = kiosk.post("/kiosk/me/rating", data={"folio": decided, "stars": "5"})
        assert answer.status_code == 303
        assert stored(sessions, decided) == [(5, "kiosk")]
        thanked = kiosk.get(answer.headers["location"])
        assert 'id="thanks"' in thanked.text and 'action="/kiosk/me/rating"' not in thanked.text
        again = kiosk.post("/kiosk/me/rating", data={"folio": decided, "stars": "1"})
        assert again.status_code == 409 and "ya fue calificada" in again.text
        assert stored(sessions, decided) == [(5, "kiosk")]
        early = kiosk.post("/kiosk/me/rating", data={"folio": still_open, "stars": "3"})
        assert early.status_code == 409 and stored(sessions, still_open) == []

    def test_another_persons_folio_is_not_found(self, screen: tuple[httpx.Client, str],
                                                clerk: httpx.Client, supervisor: httpx.Client,
                                                sessions: Any) -> None:
        kiosk, _ = screen
        other = folio_of(clerk, new_person(clerk)["id"], PROGRAM)
        approve(supervisor, other)
        answer = kiosk.post("/kiosk/me/rating", data={"folio": other, "stars": "1"})
        assert answer.status_code == 404 and stored(sessions, other) == []
        cross_site = kiosk.post("/kiosk/me/rating", data={"folio": other, "stars": "1"},
                                headers={"Origin": "https://elsewhere.example"})
        assert cross_site.status_code == 403
