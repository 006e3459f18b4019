"""Command encoding, command parsing (the card's side) and status words → typed errors."""

from __future__ import annotations

import pytest

from card_reader import apdu, errors


def test_select_and_pin_bytes_are_stable() -> None:
    assert apdu.select().encode() == bytes.fromhex("00A4040009A000000852414E470100")
    assert apdu.verify_pin("1234").encode() == bytes.fromhex("002000010431323334")
    assert apdu.read_payload().encode() == bytes.fromhex("00B0810000")
    assert apdu.get_lifecycle().encode() == bytes.fromhex("80CA010100")
    assert apdu.generate_key().encode() == bytes.fromhex("0047800000")
    assert apdu.activate().encode() == bytes.fromhex("00440000")
    assert apdu.pin_status().encode() == bytes.fromhex("00200001")
    assert apdu.set_puk("12345678").encode() == bytes.fromhex("00240102083132333435363738")
    assert apdu.reset_retry_counter("12345678", "9876").encode().hex().upper() == (
        "002C00010C" + "3132333435363738" + "39383736")
    proof = apdu.internal_authenticate(b"\x01" * 32, pin_proof=True).encode()
    assert proof[:5] == bytes.fromhex("0088000120") and proof[-1] == 0


@pytest.mark.parametrize("command", [
    apdu.select(), apdu.get_lifecycle(), apdu.generate_key(), apdu.write_payload(b"x" * 137),
    apdu.read_payload(3), apdu.set_pin("123456"), apdu.set_puk("00000000"), apdu.activate(),
    apdu.internal_authenticate(b"c" * 32), apdu.verify_pin("0000"), apdu.pin_status(),
    apdu.reset_retry_counter("12345678", "1111"),
])
def test_every_command_decodes_to_itself(command: apdu.Command) -> None:
    assert apdu.Command.decode(command.encode()) == command


@pytest.mark.parametrize("raw", ["00A4", "00A4040005AABB", "00A40400000000", "00A4040002AABBCCDD"])
def test_malformed_commands_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        apdu.Command.decode(bytes.fromhex(raw))


def test_long_data_needs_extended_apdus() -> None:
    with pytest.raises(ValueError):
        apdu.write_payload(b"x" * 256).encode()


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "١٢٣٤", ""])
def test_pins_are_four_to_six_ascii_digits(pin: str) -> None:
    with pytest.raises(errors.InvalidPin):
        apdu.verify_pin(pin)


def test_puk_is_eight_digits() -> None:
    with pytest.raises(ValueError):
        apdu.set_puk("1234")


def test_response_split_and_join() -> None:
    response = apdu.Response.decode(bytes.fromhex("0102039000"))
    assert response == apdu.Response(b"\x01\x02\x03", 0x9000) and response.ok
    assert response.encode() == bytes.fromhex("0102039000")
    with pytest.raises(ValueError):
        apdu.Response.decode(b"\x90")


@pytest.mark.parametrize(("sw", "kind"), [
    (0x63C2, errors.WrongPin), (0x63C0, errors.PinBlocked), (0x6983, errors.PinBlocked),
    (0x6982, errors.PinRequired), (0x6A82, errors.UnknownCard), (0x6985, errors.CardLocked),
    (0x6A88, errors.CardNotActivated), (0x6F00, errors.CardError), (0x6D00, errors.CardError),
])
def test_status_words_become_typed_errors(sw: int, kind: type[errors.CardError]) -> None:
    with pytest.raises(kind) as raised:
        apdu.check(b"", sw)
    assert type(raised.value) is kind


def test_wrong_pin_says_tries_left_in_both_languages_one_in_the_singular() -> None:
    with pytest.raises(errors.WrongPin) as raised:
        apdu.check(b"", 0x63C1)
    assert raised.value.tries == 1 and raised.value.params == {"tries": 1}
    assert raised.value.message("es") == "NIP incorrecto. Le queda 1 intento."
    assert raised.value.message("en") == "Wrong PIN. You have 1 try left."


def test_unknown_status_word_is_named() -> None:
    with pytest.raises(errors.CardError) as raised:
        apdu.check(b"", 0x6F00)
    assert "6F00" in raised.value.message("es") and "6F00" in raised.value.message("en")


def test_ok_returns_data() -> None:
    assert apdu.check(b"ab", 0x9000) == b"ab"
