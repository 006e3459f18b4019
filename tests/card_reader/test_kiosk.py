"""Kiosk taps through pyscard → pcscd → vpcd → the virtual card: sessions and every refusal."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest

from card_reader import apdu, errors, pcsc
from card_reader.connection import Card
from card_reader.issue import issue_card, unblock_pin
from card_reader.kiosk import TrustStore, enter_pin, hold_session, pin_proof, pin_tries, tap
from card_reader.virtual_card import Applet, VirtualCard, clone_of
from redangel.card import format as card_format
from redangel.common.clock import city_today
from tests.card_reader.fake_service import FakeService
from tests.card_reader.fixtures import CardSlot

pytestmark = pytest.mark.pcsc
PIN = "2468"


@pytest.fixture
def issued(card_slot: CardSlot, service: FakeService) -> Callable[..., tuple[VirtualCard, str]]:
    """Issue a fresh card through the office flow; it is left on the reader."""

    def issue(pin: str = PIN) -> tuple[VirtualCard, str]:
        card = card_slot.insert()
        with card_slot.connect() as connection:
            result = issue_card(connection, service, person_id=str(uuid.uuid4()), pin=pin)
        assert result.puk is not None
        return card, result.puk

    return issue


def trusted(service: FakeService) -> TrustStore:
    trust = TrustStore()
    assert trust.refresh(service)
    return trust


def test_tap_opens_a_session_that_ends_when_the_card_leaves(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    result = tap(card_slot.connect(), service, trusted(service))
    assert result.online and result.session is not None and result.apdus == 4
    assert service.sessions[result.session.session_token] == str(result.payload.beneficiary_id)
    holder = threading.Thread(target=hold_session, args=(pcsc.PcscReader(card_slot.reader), service,
                                                         result.session), kwargs={"timeout": 10})
    holder.start()
    time.sleep(0.2)
    assert holder.is_alive() and result.session.session_token in service.sessions
    removed = time.monotonic()
    card.remove()
    holder.join(5)
    assert not holder.is_alive() and service.ended == [result.session.session_token]
    assert time.monotonic() - removed < 1.0  # pcscd polls vpcd every 0.4 s


def test_offline_tap_verifies_with_a_local_challenge(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    issued()
    trust = trusted(service)
    service.online = False
    assert not trust.refresh(service, max_age=0)  # keeps the cached keys and list
    result = tap(card_slot.connect(), service, trust)
    assert not result.online and result.session is None


def test_three_wrong_pins_block_then_the_puk_unblocks(
        card_slot: CardSlot, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, puk = issued()
    connection = card_slot.connect()
    Card(connection).select()
    assert pin_tries(connection) == 3
    with pytest.raises(errors.WrongPin) as first:
        enter_pin(connection, "0000")
    assert first.value.tries == 2 and "Le quedan 2 intentos" in first.value.message("es")
    with pytest.raises(errors.WrongPin) as second:
        enter_pin(connection, "0000")
    assert "1 try left" in second.value.message("en")
    with pytest.raises(errors.PinBlocked) as third:
        enter_pin(connection, "0000")
    assert "bloqueado" in third.value.message("es")
    with pytest.raises(errors.PinBlocked):
        enter_pin(connection, PIN)  # even the right PIN, once blocked
    assert pin_tries(connection) == 0
    with pytest.raises(errors.WrongPuk) as wrong_puk:
        unblock_pin(connection, puk=f"{(int(puk) + 1) % 10**8:08d}", new_pin="1357")
    assert "9" in wrong_puk.value.message("es")
    with pytest.raises(errors.InvalidPuk):
        unblock_pin(connection, puk="123", new_pin="1357")
    unblock_pin(connection, puk=puk, new_pin="1357")
    enter_pin(connection, "1357")
    assert pin_tries(connection) == -1 and card.memory.pin_tries == 3


def test_pin_proof_is_signed_by_the_chip_only_after_the_pin(
        card_slot: CardSlot, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    issued()
    connection = card_slot.connect()
    card_api = Card(connection)
    card_api.select()
    payload = card_format.peek_payload(card_api.read_payload())
    with pytest.raises(errors.PinRequired) as required:
        pin_proof(connection, b"n" * 32)
    assert required.value.message("en") == "Please enter your PIN to continue."
    enter_pin(connection, PIN)
    assert card_format.verify_pin_proof(payload.card_public_key, b"n" * 32, pin_proof(connection, b"n" * 32))


@pytest.mark.parametrize("with_key", [True, False], ids=["other-key", "no-key"])
def test_a_cloned_card_is_refused(card_slot: CardSlot, service: FakeService, with_key: bool,
                                  issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    genuine, _ = issued()
    trust = trusted(service)
    card_slot.insert(clone_of(genuine.applet, with_key=with_key))
    with pytest.raises(errors.ClonedCard) as refused:
        tap(card_slot.connect(), service, trust)
    assert refused.value.message("es") == "La tarjeta no pudo probar que es original. Acuda a un módulo."
    assert service.sessions == {}
    service.online = False  # offline, the local challenge catches it too
    card_slot.reinsert()
    with pytest.raises(errors.ClonedCard):
        tap(card_slot.connect(), service, trust)


def test_a_revoked_card_is_refused_offline_from_the_list(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    serial = card_format.peek_payload(card.memory.payload).serial_text
    service.revoke(serial)
    trust = trusted(service)
    service.online = False
    card_slot.reinsert()
    calls = len(service.calls)
    with pytest.raises(errors.CardRevoked) as refused:
        tap(card_slot.connect(), service, trust)
    assert "dada de baja" in refused.value.message("es") and "cancelled" in refused.value.message("en")
    assert service.calls[calls:] == []  # refused before asking the service anything


def test_an_older_revocation_list_is_not_adopted(service: FakeService) -> None:
    trust = trusted(service)
    old = service.revocations()
    service.revoke("nothing")
    trust.load_revocations(service.revocations())
    trust.load_revocations(old)
    assert trust.revocations is not None and trust.revocations.sequence == 1


def test_issuer_key_rotation_keeps_old_cards_valid(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    old_card, _ = issued()
    trust = trusted(service)
    service.rotate()
    new_card, _ = issued()
    assert card_format.peek_payload(new_card.memory.payload).kid == "k2"
    # The kiosk's cache predates k2: it fetches the keys once and accepts the new card.
    assert tap(card_slot.connect(), service, trust).payload.kid == "k2"
    card_slot.insert(old_card.applet)
    assert tap(card_slot.connect(), service, trust).payload.kid == "k1"


def test_an_unknown_issuer_key_is_refused(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    issued()
    stranger = FakeService()  # another issuer: its kiosks know other keys under the same kid
    stranger.keys = {"k7": stranger.keys["k1"]}
    stranger.active_kid = "k7"
    with pytest.raises(errors.UnknownIssuerKey) as refused:
        tap(card_slot.connect(), stranger, trusted(stranger))
    assert "llave desconocida" in refused.value.message("es")


def test_a_tampered_payload_is_refused(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    forged = bytearray(card.memory.payload)
    forged[20] ^= 0x01  # another beneficiary id
    card.memory.payload = bytes(forged)
    card_slot.reinsert()
    with pytest.raises(errors.TamperedCard) as refused:
        tap(card_slot.connect(), service, trusted(service))
    assert refused.value.message("en") == "The card was altered or is not genuine."


def test_an_expired_card_is_refused(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    expires = card_format.peek_payload(card.memory.payload).expires_on
    with pytest.raises(errors.CardExpired) as refused:
        tap(card_slot.connect(), service, trusted(service), today=expires + timedelta(days=1))
    assert "vencida" in refused.value.message("es")


def test_a_foreign_card_is_named(card_slot: CardSlot, service: FakeService) -> None:
    class Foreign(Applet):
        def process(self, apdu_bytes: bytes) -> bytes:
            return b"\x6a\x82"

    card_slot.insert(Foreign())
    with pytest.raises(errors.UnknownCard) as refused:
        tap(card_slot.connect(), service, trusted(service))
    assert refused.value.message("es") == "Esta tarjeta no es una tarjeta Red Ángel."


def test_a_blank_card_is_not_activated(card_slot: CardSlot, service: FakeService,
                                       virtual_card: VirtualCard) -> None:
    with pytest.raises(errors.CardNotActivated):
        tap(card_slot.connect(), service, trusted(service))


def test_a_card_pulled_during_a_tap_opens_nothing(card_slot: CardSlot, service: FakeService,
                                                  issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    trust = trusted(service)
    card_slot.insert(card.applet, remove_after=3)  # gone before INTERNAL AUTHENTICATE
    with pytest.raises(errors.CardRemoved):
        tap(card_slot.connect(), service, trust)
    assert service.sessions == {}


def test_expired_today_still_valid_on_its_last_day(
        card_slot: CardSlot, service: FakeService, issued: Callable[..., tuple[VirtualCard, str]]) -> None:
    card, _ = issued()
    expires = card_format.peek_payload(card.memory.payload).expires_on
    assert tap(card_slot.connect(), service, trusted(service), today=expires).online
    assert expires > city_today()
    assert card.memory.lifecycle == apdu.LCS_ACTIVATED
