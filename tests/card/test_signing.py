"""The card payload and revocation list formats, byte by byte (pure: no reader, no service)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from card_reader import apdu
from card_reader.errors import CardError
from redangel.card import signing

ISSUER = Ed25519PrivateKey.generate()
CARD = Ed25519PrivateKey.generate()
KEYS = {"k1": ISSUER.public_key()}


def payload(**overrides: object) -> signing.Payload:
    fields: dict = {"kid": "k1", "beneficiary_id": uuid.uuid4(), "serial": 123456789012345,
                    "generation": 2, "issued_on": date(2026, 1, 1), "expires_on": date(2031, 1, 1),
                    "card_public_key": CARD.public_key().public_bytes_raw()}
    fields.update(overrides)
    return signing.Payload(**fields)


def test_round_trip_and_size() -> None:
    original = payload()
    signed = signing.sign_payload(original, ISSUER)
    assert len(signed) == 137
    assert signing.verify_payload(signed, KEYS, date(2026, 6, 1)) == original


@pytest.mark.parametrize("index", range(0, 137, 3))
def test_every_byte_is_protected(index: int) -> None:
    signed = bytearray(signing.sign_payload(payload(), ISSUER))
    signed[index] ^= 0x40
    with pytest.raises(signing.CardFormatError) as error:
        signing.verify_payload(bytes(signed), KEYS, date(2026, 6, 1))
    assert error.value.code in ("card_tampered", "card_unknown_issuer", "card_malformed")


def test_expired_and_unknown_issuer() -> None:
    signed = signing.sign_payload(payload(), ISSUER)
    with pytest.raises(signing.CardFormatError, match="card_expired"):
        signing.verify_payload(signed, KEYS, date(2031, 1, 2))
    with pytest.raises(signing.CardFormatError, match="card_unknown_issuer"):
        signing.verify_payload(signed, {"k2": ISSUER.public_key()}, date(2026, 6, 1))


def test_challenge_signed_by_another_key_is_refused() -> None:
    key = CARD.public_key().public_bytes_raw()
    challenge = b"x" * 32
    assert signing.verify_challenge(key, challenge, CARD.sign(signing.CHALLENGE_DOMAIN + challenge))
    other = Ed25519PrivateKey.generate()
    assert not signing.verify_challenge(key, challenge, other.sign(signing.CHALLENGE_DOMAIN + challenge))
    assert not signing.verify_challenge(key, challenge, CARD.sign(challenge))  # no domain separation


def test_revocation_list_with_many_serials() -> None:
    serials = list(range(1, 200_000, 3))
    blob = signing.sign_revocations(serials, sequence=9, issued_at=datetime.now(UTC), kid="k1",
                                    key=ISSUER)
    listing = signing.verify_revocations(blob, KEYS)
    assert listing.sequence == 9
    assert listing.is_revoked(4) and not listing.is_revoked(5) and not listing.is_revoked(10**15)
    tampered = bytearray(blob)
    tampered[100] ^= 1
    with pytest.raises(signing.CardFormatError):
        signing.verify_revocations(bytes(tampered), KEYS)


def test_serials_carry_a_luhn_digit() -> None:
    text = signing.serial_text(42)
    assert len(text) == 16 and signing.serial_number(text) == 42
    with pytest.raises(signing.CardFormatError):
        signing.serial_number(text[:15] + str((int(text[15]) + 1) % 10))


def test_apdu_encoding_and_status_words() -> None:
    assert apdu.select().encode() == bytes.fromhex("00A4040009A000000852414E470100")
    assert apdu.verify_pin("1234").encode() == bytes.fromhex("002000010431323334")
    assert apdu.check(b"ab", 0x9000) == b"ab"
    with pytest.raises(CardError) as wrong:
        apdu.check(b"", 0x63C1)
    assert wrong.value.params == {"tries": 1}
    assert "queda 1 intento." in wrong.value.message("es") and "1 try" in wrong.value.message("en")
    for sw, code in ((0x6983, "pin_blocked"), (0x6A82, "unknown_card"), (0x6985, "card_not_blank"),
                     (0x6F00, "card_error")):
        with pytest.raises(CardError) as error:
            apdu.check(b"", sw)
        assert error.value.code == code
