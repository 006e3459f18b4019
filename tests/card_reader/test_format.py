"""The payload and revocation list bytes: round trips, every byte protected, typed refusals."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, date, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from redangel.card import format as card_format

ISSUER = Ed25519PrivateKey.generate()
CARD = Ed25519PrivateKey.generate()
KEYS = {"k1": ISSUER.public_key()}
TODAY = date(2026, 6, 1)


def payload(**overrides: object) -> card_format.Payload:
    fields: dict[str, object] = {
        "kid": "k1", "beneficiary_id": uuid.uuid4(), "serial": 123456789012345, "generation": 2,
        "issued_on": date(2026, 1, 1), "expires_on": date(2031, 1, 1),
        "card_public_key": CARD.public_key().public_bytes_raw()}
    fields.update(overrides)
    return card_format.Payload(**fields)  # type: ignore[arg-type]


def test_round_trip_and_size() -> None:
    original = payload()
    signed = card_format.sign_payload(original, ISSUER)
    assert len(signed) == card_format.SIGNED_PAYLOAD_BYTES == 137  # one READ BINARY
    assert card_format.verify_payload(signed, KEYS, TODAY) == original
    assert card_format.peek_payload(signed) == original


# Regions of the signed payload and what flipping a bit there must raise.
REGIONS = [
    (range(0, 3), card_format.Malformed),  # magic, version
    (range(3, 11), (card_format.Malformed, card_format.UnknownKid)),  # kid
    (range(11, 27), card_format.Tampered),  # beneficiary id
    (range(27, 35), (card_format.Tampered, card_format.Malformed)),  # serial (may leave range)
    (range(35, 37), card_format.Tampered),  # generation
    (range(37, 41), (card_format.Tampered, card_format.Malformed)),  # dates (issued > expires)
    (range(41, 73), card_format.Tampered),  # card public key
    (range(73, 137), card_format.Tampered),  # issuer signature
]


@pytest.mark.parametrize(("region", "expected"), REGIONS, ids=[
    "header", "kid", "beneficiary", "serial", "generation", "dates", "card_key", "signature"])
def test_every_byte_is_protected(region: range, expected: type[Exception]) -> None:
    signed = card_format.sign_payload(payload(), ISSUER)
    for index in region:
        for bit in (0x01, 0x80):
            tampered = bytearray(signed)
            tampered[index] ^= bit
            with pytest.raises(expected):
                card_format.verify_payload(bytes(tampered), KEYS, TODAY)


@pytest.mark.parametrize("size", [0, 1, 136, 138, 255])
def test_wrong_length_is_malformed(size: int) -> None:
    signed = card_format.sign_payload(payload(), ISSUER)
    with pytest.raises(card_format.Malformed):
        card_format.verify_payload((signed * 2)[:size], KEYS, TODAY)


def test_unknown_kid_expired_and_revoked() -> None:
    signed = card_format.sign_payload(payload(), ISSUER)
    with pytest.raises(card_format.Expired) as expired:
        card_format.verify_payload(signed, KEYS, date(2031, 1, 2))
    assert expired.value.expires_on == date(2031, 1, 1)
    assert card_format.verify_payload(signed, KEYS, date(2031, 1, 1))  # valid on its last day
    with pytest.raises(card_format.UnknownKid) as unknown:
        card_format.verify_payload(signed, {"k2": ISSUER.public_key()}, TODAY)
    assert unknown.value.kid == "k1"
    revoked = card_format.verify_revocations(card_format.sign_revocations(
        [123456789012345], sequence=1, issued_at=datetime.now(UTC), kid="k1", key=ISSUER), KEYS)
    with pytest.raises(card_format.Revoked):
        card_format.verify_card(signed, KEYS, TODAY, revoked)


def test_another_issuer_key_under_the_same_kid_is_tampering() -> None:
    forged = card_format.sign_payload(payload(), Ed25519PrivateKey.generate())
    with pytest.raises(card_format.Tampered):
        card_format.verify_payload(forged, KEYS, TODAY)


def test_rotation_verifies_old_and_new_cards() -> None:
    newer = Ed25519PrivateKey.generate()
    keys = {"k1": ISSUER.public_key(), "k2": newer.public_key()}
    old = card_format.sign_payload(payload(), ISSUER)
    new = card_format.sign_payload(payload(kid="k2"), newer)
    assert card_format.verify_payload(old, keys, TODAY).kid == "k1"
    assert card_format.verify_payload(new, keys, TODAY).kid == "k2"


@pytest.mark.parametrize("bad", [{"kid": ""}, {"kid": "k 1"}, {"kid": "toolongkid"}, {"serial": 10**15},
                                 {"generation": 70000}, {"card_public_key": b"short"},
                                 {"expires_on": date(2200, 1, 1)}])
def test_unencodable_fields_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        payload(**bad).encode()


def test_messages_in_both_languages() -> None:
    for error in (card_format.Malformed(), card_format.Tampered(), card_format.UnknownKid("k"),
                  card_format.Expired(TODAY), card_format.Revoked(1)):
        assert error.message("es") != error.message("en") and error.code.startswith("card_")


def test_challenge_and_pin_proof_are_domain_separated() -> None:
    key = CARD.public_key().public_bytes_raw()
    challenge = b"x" * 32
    proof = CARD.sign(card_format.CHALLENGE_DOMAIN + challenge)
    assert card_format.verify_challenge(key, challenge, proof)
    assert not card_format.verify_pin_proof(key, challenge, proof)
    assert not card_format.verify_challenge(key, challenge, CARD.sign(challenge))
    other = Ed25519PrivateKey.generate()
    forged = other.sign(card_format.CHALLENGE_DOMAIN + challenge)
    assert not card_format.verify_challenge(key, challenge, forged)
    assert not card_format.verify_challenge(b"bad", challenge, proof)
    pin_proof = CARD.sign(card_format.PIN_PROOF_DOMAIN + challenge)
    assert card_format.verify_pin_proof(key, challenge, pin_proof)


def test_serials_carry_a_luhn_digit() -> None:
    text = card_format.serial_text(42)
    assert len(text) == 16 and card_format.serial_number(text) == 42
    with pytest.raises(card_format.Malformed):
        card_format.serial_number(text[:15] + str((int(text[15]) + 1) % 10))


def test_large_revocation_list_is_fast_and_compact() -> None:
    serials = random.Random(7).sample(range(card_format.MAX_SERIAL), 300_000)
    blob = card_format.sign_revocations(serials, sequence=9, issued_at=datetime(2026, 1, 1, tzinfo=UTC),
                                        kid="k1", key=ISSUER)
    assert len(blob) == 8 * len(serials) + 87
    listing = card_format.verify_revocations(blob, KEYS)
    assert (listing.sequence, listing.kid, len(listing)) == (9, "k1", 300_000)
    assert listing.issued_at == datetime(2026, 1, 1, tzinfo=UTC)
    probes = serials[:5000] + [s + 1 for s in serials[:5000] if s + 1 not in set(serials[:5000])]
    started = time.perf_counter()
    hits = sum(listing.is_revoked(s) for s in probes)
    per_check = (time.perf_counter() - started) / len(probes)
    assert hits >= 5000 and per_check < 1e-3
    assert not listing.is_revoked(card_format.MAX_SERIAL + 1) and not listing.is_revoked(0)


@pytest.mark.parametrize("index", [0, 5, 12, 20, 87 + 8 * 10, -1])
def test_revocation_list_tampering_is_detected(index: int) -> None:
    blob = bytearray(card_format.sign_revocations(range(1, 100), sequence=1,
                                                  issued_at=datetime.now(UTC), kid="k1", key=ISSUER))
    blob[index] ^= 0x01
    with pytest.raises(card_format.CardFormatError):
        card_format.verify_revocations(bytes(blob), KEYS)


def test_revocation_list_by_unknown_key_or_truncated() -> None:
    blob = card_format.sign_revocations([5], sequence=1, issued_at=datetime.now(UTC), kid="k1", key=ISSUER)
    with pytest.raises(card_format.UnknownKid):
        card_format.verify_revocations(blob, {})
    with pytest.raises(card_format.Malformed):
        card_format.verify_revocations(blob[:-9], KEYS)
    with pytest.raises(card_format.Malformed):
        card_format.verify_revocations(b"", KEYS)


def test_empty_revocation_list() -> None:
    listing = card_format.verify_revocations(card_format.sign_revocations(
        [], sequence=0, issued_at=datetime.now(UTC), kid="k1", key=ISSUER), KEYS)
    assert len(listing) == 0 and not listing.is_revoked(1)


def test_same_bytes_as_the_services_signing_module() -> None:
    signing = pytest.importorskip("redangel.card.signing")
    original = payload()
    theirs = signing.Payload(kid=original.kid, beneficiary_id=original.beneficiary_id,
                             serial=original.serial, generation=original.generation,
                             issued_on=original.issued_on, expires_on=original.expires_on,
                             card_public_key=original.card_public_key)
    assert theirs.encode() == original.encode()
    assert card_format.verify_payload(signing.sign_payload(theirs, ISSUER), KEYS, TODAY) == original
    blob = signing.sign_revocations([3, 1, 2], sequence=4, issued_at=datetime.now(UTC), kid="k1", key=ISSUER)
    assert card_format.verify_revocations(blob, KEYS).is_revoked(2)
