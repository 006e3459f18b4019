"""The agent's HTTP client against the real service, through the real PC/SC stack (a smoke test
of the endpoint contract; the service's own card tests live in tests/card)."""

from __future__ import annotations

import httpx
import pytest

from card_reader.errors import CardRemoved, CardRevoked
from card_reader.issue import Journal, issue_card
from card_reader.kiosk import TrustStore, tap, unlock_personal_views
from card_reader.service_client import HttpCardService
from tests.builders import person_payload
from tests.card_reader.fixtures import CardSlot
from tests.conftest import LiveServer, unique_suffix

pytestmark = pytest.mark.pcsc


@pytest.fixture
def office(clerk: httpx.Client, live: LiveServer) -> HttpCardService:
    return HttpCardService(httpx.Client(base_url=live.url, headers=dict(clerk.headers), timeout=30))


@pytest.fixture
def kiosk(live: LiveServer, world) -> HttpCardService:  # type: ignore[no-untyped-def]
    return HttpCardService(httpx.Client(base_url=live.url, timeout=30,
                                        headers={"Authorization": f"Bearer {world.kiosk_token}"}))


def test_issue_tap_end_and_revoke_against_the_service(
        card_slot: CardSlot, office: HttpCardService, kiosk: HttpCardService,
        clerk: httpx.Client, live: LiveServer) -> None:
    person = str(clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"])
    journal = Journal()
    card = card_slot.insert(remove_after=5)
    with pytest.raises(CardRemoved):
        issue_card(card_slot.connect(), office, person_id=person, pin="2468", journal=journal)
    assert [c for c in clerk.get(f"/persons/{person}/cards").json() if c["status"] == "active"] == []
    card_slot.reinsert()
    issued = issue_card(card_slot.connect(), office, person_id=person, pin="2468", journal=journal)
    trust = TrustStore()
    assert trust.refresh(kiosk)
    card_slot.reinsert()
    result = tap(card_slot.connect(), kiosk, trust)
    assert result.session is not None and result.session.person_id == person
    citizen = httpx.Client(base_url=live.url + "/api/v1",
                           headers={"Authorization": f"Bearer {result.session.session_token}"})
    locked = citizen.get(f"/persons/{person}")
    assert locked.status_code == 403 and locked.json()["code"] == "pin_required"
    unlock_personal_views(card_slot.connect(), kiosk, "2468")
    assert citizen.get(f"/persons/{person}").status_code == 200
    kiosk.end_session(result.session.session_token)
    assert citizen.get(f"/persons/{person}").status_code == 401
    citizen.close()
    assert clerk.post(f"/cards/{issued.serial}/report", json={"status": "stolen"}).status_code == 200
    assert trust.refresh(kiosk, max_age=0)
    card_slot.insert(card.applet)
    with pytest.raises(CardRevoked):
        tap(card_slot.connect(), kiosk, trust)
