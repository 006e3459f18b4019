"""Issuing cards through pyscard → pcscd → vpcd → the virtual card, against the in-process service."""

from __future__ import annotations

import uuid

import pytest

from card_reader import apdu
from card_reader.connection import Card
from card_reader.errors import CardLocked, CardRemoved, InvalidPin
from card_reader.issue import Issued, Journal, issue_card
from card_reader.virtual_card import VirtualCard
from redangel.card import format as card_format
from tests.card_reader.fake_service import FakeService
from tests.card_reader.fixtures import CardSlot

pytestmark = pytest.mark.pcsc
ISSUE_APDUS = 9  # SELECT, GET DATA, GENERATE, UPDATE, PUK, PIN, ACTIVATE, READ, INTERNAL AUTH


def test_personalize_and_read_back(card_slot: CardSlot, virtual_card: VirtualCard,
                                   service: FakeService) -> None:
    person = str(uuid.uuid4())
    with card_slot.connect(exclusive=True) as connection:
        issued = issue_card(connection, service, person_id=person, pin="2468")
    assert isinstance(issued, Issued) and issued.apdus == ISSUE_APDUS and not issued.resumed
    assert [c.payload.serial_text for c in service.active(person)] == [issued.serial]
    assert issued.puk is not None and len(issued.puk) == 8
    memory = virtual_card.memory
    assert memory.lifecycle == apdu.LCS_ACTIVATED and memory.pin == b"2468"
    keys = {kid: key.public_key() for kid, key in service.keys.items()}
    card = Card(card_slot.connect())
    card.select()
    payload = card_format.verify_payload(card.read_payload(), keys, issued.expires_on)
    assert payload.serial_text == issued.serial and str(payload.beneficiary_id) == person
    assert payload.generation == 1


def test_an_activated_card_cannot_be_issued_again(card_slot: CardSlot, virtual_card: VirtualCard,
                                                   service: FakeService) -> None:
    issue_card(card_slot.connect(), service, person_id=str(uuid.uuid4()), pin="1234")
    before = virtual_card.memory.payload
    with pytest.raises(CardLocked) as refused:
        issue_card(card_slot.connect(), service, person_id=str(uuid.uuid4()), pin="1234")
    assert "ya está personalizada" in refused.value.message("es")
    assert virtual_card.memory.payload == before


def test_a_bad_pin_is_refused_before_touching_the_card(card_slot: CardSlot, virtual_card: VirtualCard,
                                                       service: FakeService) -> None:
    with pytest.raises(InvalidPin):
        issue_card(card_slot.connect(), service, person_id=str(uuid.uuid4()), pin="12")
    assert virtual_card.answered == 0 and service.calls == []


WRITES = range(2, 7)  # GENERATE, UPDATE BINARY, PUK, PIN, ACTIVATE change the card's memory
STEPS = [(n, False) for n in range(ISSUE_APDUS)] + [(n, True) for n in WRITES]


@pytest.mark.parametrize(("pulled_after", "tear"), STEPS,
                         ids=[f"{'torn' if t else 'pulled'}-after-{n}" for n, t in STEPS])
def test_card_pulled_at_every_step_then_issued_again(card_slot: CardSlot, service: FakeService,
                                                     pulled_after: int, tear: bool) -> None:
    person = str(uuid.uuid4())
    journal = Journal()
    card = card_slot.insert(remove_after=pulled_after, tear=tear)
    with pytest.raises(CardRemoved) as error:
        issue_card(card_slot.connect(exclusive=True), service, person_id=person, pin="1357",
                   journal=journal)
    assert "Retiró la tarjeta antes de tiempo" in error.value.message("es")
    assert "removed too soon" in error.value.message("en")
    assert service.active(person) == [] and "confirm_issuance" not in service.calls
    card_slot.reinsert()
    issued = issue_card(card_slot.connect(exclusive=True), service, person_id=person, pin="1357",
                        journal=journal)
    assert [c.payload.serial_text for c in service.active(person)] == [issued.serial]
    assert card.memory.lifecycle == apdu.LCS_ACTIVATED
    # Pulled once ACTIVATE ran (APDU 7, or torn while answering it): the locked card is
    # confirmed from the desk's journal, not rewritten.
    assert issued.resumed == (pulled_after + tear >= 7)
    assert journal.find(card.memory.payload) is None


def test_a_locked_card_from_another_desk_is_refused(card_slot: CardSlot, service: FakeService) -> None:
    card_slot.insert(remove_after=6, tear=True)  # ACTIVATE executed, answer never arrived
    with pytest.raises(CardRemoved):
        issue_card(card_slot.connect(), service, person_id=str(uuid.uuid4()), pin="1357")
    card_slot.reinsert()
    with pytest.raises(CardLocked):
        issue_card(card_slot.connect(), service, person_id=str(uuid.uuid4()), pin="1357",
                   journal=Journal())


def test_reissue_replaces_the_previous_card(card_slot: CardSlot, service: FakeService) -> None:
    person = str(uuid.uuid4())
    card_slot.insert()
    first = issue_card(card_slot.connect(), service, person_id=person, pin="1234")
    card_slot.insert()
    second = issue_card(card_slot.connect(), service, person_id=person, pin="1234")
    assert second.generation == 2 and first.serial != second.serial
    assert [c.payload.serial_text for c in service.active(person)] == [second.serial]
