"""The virtual card's command processor, APDU by APDU (no reader: the applet alone)."""

from __future__ import annotations

from pathlib import Path

from card_reader import apdu
from card_reader.virtual_card import Applet, CardMemory, clone_of


def run(applet: Applet, command: apdu.Command) -> apdu.Response:
    return apdu.Response.decode(applet.process(command.encode()))


def personalized(pin: str = "1234", puk: str = "12345678") -> Applet:
    applet = Applet()
    assert run(applet, apdu.select()).ok
    assert len(run(applet, apdu.generate_key()).data) == 32
    assert run(applet, apdu.write_payload(b"p" * 137)).ok
    assert run(applet, apdu.set_puk(puk)).ok
    assert run(applet, apdu.set_pin(pin)).ok
    assert run(applet, apdu.activate()).ok
    return applet


def test_nothing_before_select_and_foreign_aid() -> None:
    applet = Applet()
    assert run(applet, apdu.read_payload()).sw == apdu.SW.COMMAND_NOT_ALLOWED
    assert run(applet, apdu.Command(0, 0xA4, 4, 0, b"\xa0\x00\x00\x00\x03", 0)).sw == apdu.SW.NOT_FOUND
    assert run(applet, apdu.Command(0xA0, 0xB0, 0, 0, b"", 0)).sw == apdu.SW.CLA_NOT_SUPPORTED
    assert applet.process(b"\x00\xa4") == b"\x67\x00"


def test_blank_card_life_cycle() -> None:
    applet = Applet()
    run(applet, apdu.select())
    assert run(applet, apdu.get_lifecycle()).data == bytes([apdu.LCS_PERSONALIZING])
    assert run(applet, apdu.read_payload()).sw == apdu.SW.DATA_NOT_FOUND
    assert run(applet, apdu.write_payload(b"x")).sw == apdu.SW.DATA_NOT_FOUND  # key first
    assert run(applet, apdu.activate()).sw == apdu.SW.DATA_NOT_FOUND
    assert run(applet, apdu.verify_pin("1234")).sw == apdu.SW.DATA_NOT_FOUND
    assert run(applet, apdu.internal_authenticate(b"c" * 32)).sw == apdu.SW.DATA_NOT_FOUND


def test_a_new_key_wipes_an_interrupted_personalization() -> None:
    applet = Applet()
    run(applet, apdu.select())
    first = run(applet, apdu.generate_key()).data
    run(applet, apdu.write_payload(b"old"))
    run(applet, apdu.set_pin("1111"))
    second = run(applet, apdu.generate_key()).data
    assert first != second
    assert applet.memory == CardMemory(key=applet.memory.key)


def test_activation_locks_personalization() -> None:
    applet = personalized()
    assert run(applet, apdu.get_lifecycle()).data == bytes([apdu.LCS_ACTIVATED])
    for command in (apdu.generate_key(), apdu.write_payload(b"x"), apdu.set_pin("9999"),
                    apdu.set_puk("00000000"), apdu.activate()):
        assert run(applet, command).sw == apdu.SW.CONDITIONS_NOT_SATISFIED
    assert run(applet, apdu.read_payload()).data == b"p" * 137
    assert run(applet, apdu.read_payload(130)).data == b"p" * 7
    assert run(applet, apdu.read_payload(200)).sw == apdu.SW.WRONG_OFFSET


def test_pin_counter_block_and_puk() -> None:
    applet = personalized()
    assert run(applet, apdu.pin_status()).sw == 0x63C3
    assert run(applet, apdu.verify_pin("0000")).sw == 0x63C2
    assert run(applet, apdu.verify_pin("0000")).sw == 0x63C1
    assert run(applet, apdu.verify_pin("0000")).sw == apdu.SW.BLOCKED
    assert run(applet, apdu.verify_pin("1234")).sw == apdu.SW.BLOCKED
    assert run(applet, apdu.reset_retry_counter("87654321", "4321")).sw == 0x63C9
    assert run(applet, apdu.reset_retry_counter("12345678", "4321")).ok
    assert run(applet, apdu.verify_pin("4321")).ok
    assert run(applet, apdu.pin_status()).ok


def test_pin_proof_needs_the_pin_and_power_cycle_forgets_it() -> None:
    applet = personalized()
    challenge = b"c" * 32
    assert run(applet, apdu.internal_authenticate(challenge, pin_proof=True)).sw == 0x6982
    assert run(applet, apdu.verify_pin("1234")).ok
    assert len(run(applet, apdu.internal_authenticate(challenge, pin_proof=True)).data) == 64
    applet.power_cycle()
    run(applet, apdu.select())
    assert run(applet, apdu.internal_authenticate(challenge, pin_proof=True)).sw == 0x6982
    assert run(applet, apdu.internal_authenticate(b"short")).sw == apdu.SW.WRONG_LENGTH


def test_memory_survives_in_a_json_file(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    applet = Applet.load(state)
    run(applet, apdu.select())
    run(applet, apdu.generate_key())
    assert state.exists()
    again = Applet.load(state)
    assert again.memory == applet.memory and not again.selected


def test_clone_has_the_payload_but_not_the_key() -> None:
    original = personalized()
    copy = clone_of(original)
    assert copy.memory.payload == original.memory.payload
    assert copy.memory.key != original.memory.key
    assert clone_of(original, with_key=False).memory.key == b""
