"""The card service over HTTP, with a software card holding its own key (the PC/SC path is
exercised in tests/card_reader): issue, confirm, tap at a kiosk, reissue, report, revoke."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select

from redangel.audit.models import AuditEvent
from redangel.card import signing
from redangel.common.clock import city_today
from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix


class SoftCard:
    """A card's key pair and what was written to it."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.payload = b""

    @property
    def public(self) -> str:
        return base64.b64encode(self.key.public_key().public_bytes_raw()).decode()

    def answer(self, challenge_b64: str) -> str:
        challenge = base64.b64decode(challenge_b64)
        return base64.b64encode(self.key.sign(signing.CHALLENGE_DOMAIN + challenge)).decode()


def issue(clerk: httpx.Client, person_id: str, card: SoftCard) -> dict:
    started = clerk.post("/cards/issuances", json={"person_id": person_id, "card_public_key": card.public})
    assert started.status_code == 201, started.text
    body = started.json()
    card.payload = base64.b64decode(body["payload"])
    confirmed = clerk.post(f"/cards/issuances/{body['issuance_id']}/confirm",
                           json={"payload_sha256": hashlib.sha256(card.payload).hexdigest()})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "active"
    return body


@pytest.fixture
def kiosk(live: LiveServer, world) -> httpx.Client:  # type: ignore[no-untyped-def]
    client = httpx.Client(base_url=live.url + "/api/v1", timeout=30,
                          headers={"Authorization": f"Bearer {world.kiosk_token}"})
    yield client
    client.close()


def tap(kiosk: httpx.Client, card: SoftCard, payload: bytes | None = None) -> httpx.Response:
    issued = kiosk.post("/kiosk/challenges").json()
    return kiosk.post("/kiosk/sessions", json={
        "payload": base64.b64encode(payload if payload is not None else card.payload).decode(),
        "challenge_id": issued["challenge_id"], "signature": card.answer(issued["challenge"])})


@pytest.fixture
def person(clerk: httpx.Client) -> str:
    answer = clerk.post("/persons", json=person_payload(unique_suffix()))
    assert answer.status_code == 201
    return str(answer.json()["id"])


class TestIssueAndTap:
    def test_issued_card_opens_a_session_for_its_holder_only(
        self, clerk: httpx.Client, kiosk: httpx.Client, person: str, live: LiveServer
    ) -> None:
        card = SoftCard()
        issue(clerk, person, card)
        keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(base64.b64decode(k["public_key"]))
                for k in kiosk.get("/cards/issuer-keys").json()["keys"]}
        payload = signing.verify_payload(card.payload, keys, city_today())
        assert str(payload.beneficiary_id) == person  # opaque id, no personal data on the card
        opened = tap(kiosk, card)
        assert opened.status_code == 201, opened.text
        token = opened.json()["session_token"]
        with httpx.Client(base_url=live.url + "/api/v1",
                          headers={"Authorization": f"Bearer {token}"}) as citizen:
            locked = citizen.get(f"/persons/{person}")
            assert locked.status_code == 403 and locked.json()["code"] == "pin_required"
            current = kiosk.get("/kiosk/sessions/current").json()
            assert current == {**current, "person_id": person, "pin_verified": False}
            issued = kiosk.post("/kiosk/challenges").json()
            forged = kiosk.post("/kiosk/sessions/current/pin-proof", json={
                "challenge_id": issued["challenge_id"], "signature": card.answer(issued["challenge"])})
            assert forged.status_code == 403  # a challenge answer is not a PIN proof
            issued = kiosk.post("/kiosk/challenges").json()
            proof = card.key.sign(signing.PIN_PROOF_DOMAIN + base64.b64decode(issued["challenge"]))
            assert kiosk.post("/kiosk/sessions/current/pin-proof", json={
                "challenge_id": issued["challenge_id"],
                "signature": base64.b64encode(proof).decode()}).status_code == 204
            assert citizen.get(f"/persons/{person}").status_code == 200
            other = clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"]
            assert citizen.get(f"/persons/{other}").status_code == 404
            assert citizen.delete("/kiosk/sessions/current").status_code == 204
            assert citizen.get(f"/persons/{person}").status_code == 401
            assert kiosk.get("/kiosk/sessions/current").status_code == 404

    def test_pending_card_does_not_open_a_session(self, clerk: httpx.Client, kiosk: httpx.Client,
                                                  person: str) -> None:
        card = SoftCard()
        started = clerk.post("/cards/issuances", json={"person_id": person, "card_public_key": card.public})
        card.payload = base64.b64decode(started.json()["payload"])
        answer = tap(kiosk, card)
        assert answer.status_code == 403
        assert answer.json()["code"] == "card_revoked"

    def test_readback_mismatch_is_not_activated(self, clerk: httpx.Client, person: str) -> None:
        card = SoftCard()
        started = clerk.post("/cards/issuances", json={"person_id": person, "card_public_key": card.public})
        answer = clerk.post(f"/cards/issuances/{started.json()['issuance_id']}/confirm",
                            json={"payload_sha256": "0" * 64})
        assert answer.status_code == 409
        assert answer.json()["code"] == "card_readback_mismatch"


class TestRefusals:
    def test_cloned_card_without_the_key_is_refused(self, clerk: httpx.Client, kiosk: httpx.Client,
                                                    person: str) -> None:
        genuine = SoftCard()
        issue(clerk, person, genuine)
        clone = SoftCard()
        clone.payload = genuine.payload
        answer = tap(kiosk, clone)
        assert answer.status_code == 403
        assert answer.json()["code"] == "card_cloned"

    def test_tampered_payload_is_refused(self, clerk: httpx.Client, kiosk: httpx.Client,
                                         person: str) -> None:
        card = SoftCard()
        issue(clerk, person, card)
        tampered = bytearray(card.payload)
        tampered[20] ^= 0x01
        answer = tap(kiosk, card, bytes(tampered))
        assert answer.status_code == 403
        assert answer.json()["code"] == "card_tampered"

    def test_reissue_replaces_and_revokes_the_old_card(self, clerk: httpx.Client, kiosk: httpx.Client,
                                                       person: str) -> None:
        old, new = SoftCard(), SoftCard()
        first = issue(clerk, person, old)
        second = issue(clerk, person, new)
        assert second["generation"] == first["generation"] + 1
        assert tap(kiosk, old).json()["code"] == "card_revoked"
        assert tap(kiosk, new).status_code == 201
        keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(base64.b64decode(k["public_key"]))
                for k in kiosk.get("/cards/issuer-keys").json()["keys"]}
        listing = signing.verify_revocations(kiosk.get("/cards/revocations").content, keys)
        assert listing.is_revoked(signing.serial_number(first["serial"]))
        assert not listing.is_revoked(signing.serial_number(second["serial"]))

    def test_reported_lost_card_stops_working(self, clerk: httpx.Client, kiosk: httpx.Client,
                                              person: str) -> None:
        card = SoftCard()
        body = issue(clerk, person, card)
        assert clerk.post(f"/cards/{body['serial']}/report", json={"status": "lost"}).status_code == 200
        assert tap(kiosk, card).json()["code"] == "card_revoked"

    def test_challenge_is_single_use(self, clerk: httpx.Client, kiosk: httpx.Client, person: str) -> None:
        card = SoftCard()
        issue(clerk, person, card)
        issued = kiosk.post("/kiosk/challenges").json()
        body = {"payload": base64.b64encode(card.payload).decode(),
                "challenge_id": issued["challenge_id"], "signature": card.answer(issued["challenge"])}
        assert kiosk.post("/kiosk/sessions", json=body).status_code == 201
        again = kiosk.post("/kiosk/sessions", json=body)
        assert again.status_code == 403 and again.json()["code"] == "challenge_invalid"

    def test_refusals_are_audited(self, clerk: httpx.Client, kiosk: httpx.Client, person: str,
                                  sessions) -> None:  # type: ignore[no-untyped-def]

        card = SoftCard()
        issue(clerk, person, card)
        clone = SoftCard()
        clone.payload = card.payload
        tap(kiosk, clone)
        with sessions() as session:
            count = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "kiosk.card_refused", AuditEvent.outcome == "card_cloned"))
        assert count >= 1

    def test_only_kiosks_get_challenges_and_only_staff_issue(self, clerk: httpx.Client,
                                                            kiosk: httpx.Client, person: str) -> None:
        assert clerk.post("/kiosk/challenges").status_code == 403
        card = SoftCard()
        answer = kiosk.post("/cards/issuances", json={"person_id": person, "card_public_key": card.public})
        assert answer.status_code == 403


def test_concurrent_issuance_yields_exactly_one_active_card(live: LiveServer, world, person: str) -> None:  # type: ignore[no-untyped-def]
    clerks = [login(live, world.clerk, world.password) for _ in range(4)]
    cards = [SoftCard() for _ in clerks]
    started = []
    for clerk, card in zip(clerks, cards, strict=True):
        body = clerk.post("/cards/issuances",
                          json={"person_id": person, "card_public_key": card.public}).json()
        card.payload = base64.b64decode(body["payload"])
        started.append(body)

    def confirm(index: int) -> int:
        body = started[index]
        return clerks[index].post(f"/cards/issuances/{body['issuance_id']}/confirm", json={
            "payload_sha256": hashlib.sha256(cards[index].payload).hexdigest()}).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(confirm, range(4)))
    assert set(statuses) <= {200, 409}
    listing = clerks[0].get(f"/persons/{person}/cards").json()
    assert [c["status"] for c in listing].count("active") == 1
    for clerk in clerks:
        clerk.close()
