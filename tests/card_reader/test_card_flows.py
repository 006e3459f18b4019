"""Issuing and tapping cards through pyscard → pcscd → vpcd → the virtual card, against the real
service over HTTP."""

from __future__ import annotations

import httpx
import pytest

from card_reader import apdu
from card_reader.errors import CardError
from card_reader.issue import issue_card, unblock_pin
from card_reader.kiosk import TrustStore, enter_pin, tap
from card_reader.service_client import HttpCardService
from card_reader.virtual_card import Applet, clone_of
from tests.builders import person_payload
from tests.card_reader.conftest import Slot
from tests.conftest import LiveServer, unique_suffix

pytestmark = pytest.mark.pcsc


@pytest.fixture
def office(clerk: httpx.Client, live: LiveServer) -> HttpCardService:
    client = httpx.Client(base_url=live.url, headers=dict(clerk.headers), timeout=30)
    return HttpCardService(client)


@pytest.fixture
def kiosk(live: LiveServer, world) -> HttpCardService:  # type: ignore[no-untyped-def]
    client = httpx.Client(base_url=live.url, timeout=30,
                          headers={"Authorization": f"Bearer {world.kiosk_token}"})
    return HttpCardService(client)


@pytest.fixture
def person(clerk: httpx.Client) -> str:
    return str(clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"])


def issue_new(slot: Slot, office: HttpCardService, person: str, pin: str = "2468") -> Applet:
    card = slot.insert()
    connection = slot.connect()
    issued = issue_card(connection, office, person_id=person, pin=pin)
    assert issued.serial and issued.puk and not issued.resumed
    connection.close()
    slot.remove()
    return card.applet


def active_cards(clerk: httpx.Client, person: str) -> list[dict]:
    return [c for c in clerk.get(f"/persons/{person}/cards").json() if c["status"] == "active"]


def test_issue_then_tap_enter_pin_and_remove(slot: Slot, office: HttpCardService,
                                             kiosk: HttpCardService, clerk: httpx.Client,
                                             person: str, live: LiveServer) -> None:
    applet = issue_new(slot, office, person)
    assert len(active_cards(clerk, person)) == 1
    slot.insert(applet)
    connection = slot.connect()
    trust = TrustStore()
    trust.refresh(kiosk)
    session = tap(connection, kiosk, trust)
    assert session.person_id == person
    with pytest.raises(CardError) as wrong:
        enter_pin(connection, kiosk, "0000")
    assert wrong.value.code == "wrong_pin" and wrong.value.params == {"tries": 2}
    assert "2 intentos" in wrong.value.message("es")
    enter_pin(connection, kiosk, "2468")
    citizen = httpx.Client(base_url=live.url + "/api/v1",
                           headers={"Authorization": f"Bearer {session.session_token}"})
    assert citizen.get(f"/persons/{person}").status_code == 200
    connection.close()
    slot.remove()
    kiosk.end_session()
    assert citizen.get(f"/persons/{person}").status_code == 401
    citizen.close()


@pytest.mark.parametrize("pulled_after", [2, 4, 6, 8])
def test_card_pulled_mid_personalization_activates_nothing_and_can_be_issued_again(
    slot: Slot, office: HttpCardService, clerk: httpx.Client, person: str, pulled_after: int
) -> None:
    card = slot.insert(remove_after=pulled_after)
    connection = slot.connect()
    with pytest.raises(CardError) as error:
        issue_card(connection, office, person_id=person, pin="1357")
    assert error.value.code == "card_removed"
    assert "Retiró la tarjeta" in error.value.message("es")
    assert active_cards(clerk, person) == []
    slot.remove()
    slot.insert(card.applet)
    issued = issue_card(slot.connect(), office, person_id=person, pin="1357")
    assert issued.serial
    assert len(active_cards(clerk, person)) == 1


def test_three_wrong_pins_block_and_the_puk_unblocks(slot: Slot, office: HttpCardService,
                                                     person: str) -> None:
    card = slot.insert()
    connection = slot.connect()
    issued = issue_card(connection, office, person_id=person, pin="1111")
    codes = []
    for _ in range(3):
        with pytest.raises(CardError) as error:
            apdu.check(*connection.send_and_receive(apdu.verify_pin("9999").encode()))
        codes.append(error.value.code)
    assert codes == ["wrong_pin", "wrong_pin", "pin_blocked"]
    with pytest.raises(CardError) as blocked:
        apdu.check(*connection.send_and_receive(apdu.verify_pin("1111").encode()))
    assert blocked.value.code == "pin_blocked"
    assert issued.puk is not None
    unblock_pin(connection, puk=issued.puk, new_pin="4321")
    assert apdu.check(*connection.send_and_receive(apdu.verify_pin("4321").encode())) == b""
    assert card.applet.memory.pin_tries == 3


def test_cloned_card_is_refused(slot: Slot, office: HttpCardService, kiosk: HttpCardService,
                                person: str) -> None:
    genuine = issue_new(slot, office, person)
    slot.insert(clone_of(genuine))
    trust = TrustStore()
    trust.refresh(kiosk)
    with pytest.raises(CardError) as error:
        tap(slot.connect(), kiosk, trust)
    assert error.value.code == "card_cloned"


def test_revoked_card_is_refused_offline_from_the_list(slot: Slot, office: HttpCardService,
                                                       kiosk: HttpCardService, clerk: httpx.Client,
                                                       person: str) -> None:
    applet = issue_new(slot, office, person)
    serial = active_cards(clerk, person)[0]["serial"]
    assert clerk.post(f"/cards/{serial}/report", json={"status": "stolen"}).status_code == 200
    trust = TrustStore()
    trust.refresh(kiosk)

    class Offline(HttpCardService):
        def challenge(self) -> tuple[str, bytes]:
            raise AssertionError("a revoked card must be refused before going online")

    slot.insert(applet)
    with pytest.raises(CardError) as error:
        tap(slot.connect(), Offline(kiosk.client), trust)
    assert error.value.code == "card_revoked"
    assert "dada de baja" in error.value.message("es")


def test_old_cards_keep_working_after_issuer_key_rotation(
    slot: Slot, office: HttpCardService, kiosk: HttpCardService, person: str, sessions, keyring  # type: ignore[no-untyped-def]
) -> None:
    from redangel.card.service import rotate_issuer_key

    applet = issue_new(slot, office, person)
    with sessions() as session:
        rotate_issuer_key(session, keyring=keyring)
        session.commit()
    trust = TrustStore()
    trust.refresh(kiosk)
    assert len(trust.keys) >= 2
    slot.insert(applet)
    assert tap(slot.connect(), kiosk, trust).person_id == person


def test_unknown_card_is_named(slot: Slot) -> None:
    class Foreign(Applet):
        def process(self, command: bytes) -> bytes:
            return b"\x6a\x82"

    slot.insert(Foreign())
    with pytest.raises(CardError) as error:
        apdu.check(*slot.connect().send_and_receive(apdu.select().encode()))
    assert error.value.code == "unknown_card"
    assert error.value.message("en") == "This card is not a Red Ángel card."
