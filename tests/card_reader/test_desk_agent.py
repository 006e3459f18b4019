"""The desk agent over its loopback HTTP, through the real PC/SC stack, against the in-process
service: only the service's origin, JSON bodies, one job at a time, progress, errors in words,
and a PIN that is never kept nor logged."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from card_reader.desk_agent import DeskAgent
from tests.card_reader.fake_service import FakeService
from tests.card_reader.fixtures import CardSlot

pytestmark = pytest.mark.pcsc
ORIGIN = "http://127.0.0.1:8000"
PIN = "739146"


@pytest.fixture
def agent(card_slot: CardSlot, service: FakeService) -> Iterator[DeskAgent]:
    desk = DeskAgent(service=service, reader=card_slot.reader, allowed_origin=ORIGIN,
                     signed_in_as={"username": "clerk-test", "role": "clerk"}, port=0,
                     card_timeout=6).start()
    yield desk
    desk.stop()


@pytest.fixture
def page(agent: DeskAgent) -> Iterator[httpx.Client]:
    """What the office page's script does: requests with the service's Origin."""
    with httpx.Client(base_url=agent.url, headers={"Origin": ORIGIN}, timeout=10) as client:
        yield client


def wait_for(page: httpx.Client, *, state: str, timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = page.get("/status").json()["job"]
        if job and job["state"] == state:
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"the job did not reach {state!r}: {job}")


def issue(page: httpx.Client, person: str, pin: str = PIN, repeat: str | None = None) -> httpx.Response:
    return page.post("/issue", json={"person_id": person, "pin": pin,
                                     "pin_repeat": pin if repeat is None else repeat})


class TestOrigin:
    def test_another_origin_or_none_is_refused(self, agent: DeskAgent) -> None:
        for headers in ({"Origin": "http://evil.example"}, {}):
            answer = httpx.get(agent.url + "/status", headers=headers)
            assert answer.status_code == 403 and answer.json() == {"error": "origin"}
            answer = httpx.post(agent.url + "/issue", headers=headers,
                                json={"person_id": str(uuid.uuid4()), "pin": PIN, "pin_repeat": PIN})
            assert answer.status_code == 403
        assert agent.job is None

    def test_the_service_origin_gets_cors_for_itself_alone(self, page: httpx.Client) -> None:
        answer = page.options("/issue", headers={"Access-Control-Request-Method": "POST"})
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        assert page.get("/status").headers["access-control-allow-origin"] == ORIGIN


class TestRequests:
    def test_bad_json_and_bad_fields_are_refused_in_words(self, page: httpx.Client, agent: DeskAgent) -> None:
        raw = page.post("/issue", content=b"{not json", headers={"Content-Type": "application/json"})
        assert raw.status_code == 400 and raw.json()["error"] == "json_invalid"
        listed = page.post("/issue", json=["a"])
        assert listed.status_code == 400
        form = page.post("/issue", data={"pin": PIN})
        assert form.status_code == 415
        no_person = page.post("/issue", json={"pin": PIN, "pin_repeat": PIN})
        assert no_person.status_code == 400 and no_person.json()["error"] == "person_invalid"
        assert "vuelva a abrir su expediente" in no_person.json()["message"]["es"]
        short = issue(page, str(uuid.uuid4()), pin="12")
        assert short.status_code == 400 and short.json()["error"] == "pin_invalid"
        assert short.json()["message"]["es"] == ("El NIP debe tener de 4 a 6 dígitos y coincidir "
                                                 "las dos veces.")
        different = issue(page, str(uuid.uuid4()), repeat="739147")
        assert different.status_code == 400 and different.json()["error"] == "pin_invalid"
        assert agent.job is None

    def test_status_says_reader_card_and_who(self, page: httpx.Client, card_slot: CardSlot) -> None:
        body = page.get("/status").json()
        assert body["reader_present"] and body["reader"] == card_slot.reader
        assert body["card_present"] is False and body["job"] is None and body["busy"] is False
        assert body["signed_in_as"] == {"username": "clerk-test", "role": "clerk"}
        card_slot.insert()
        assert page.get("/status").json()["card_present"] is True


class TestJobs:
    def test_one_job_at_a_time_then_the_card_is_issued(self, page: httpx.Client, card_slot: CardSlot,
                                                       service: FakeService,
                                                       caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        person = str(uuid.uuid4())
        started = issue(page, person)
        assert started.status_code == 202
        job = started.json()["job"]
        assert job["state"] == "running" and job["step"] == "waiting_card"
        busy = issue(page, str(uuid.uuid4()))
        assert busy.status_code == 409 and busy.json()["error"] == "busy"
        assert "espere a que termine" in busy.json()["message"]["es"]
        card_slot.insert()
        done = wait_for(page, state="done")
        assert done["id"] == job["id"] and done["step"] == "activated"
        assert [c.payload.serial_text for c in service.active(person)] == [done["result"]["serial"]]
        assert len(done["result"]["puk"]) == 8 and done["result"]["expires_on"]
        assert card_slot.card is not None and card_slot.card.memory.pin == PIN.encode()
        seen = json.dumps(page.get("/status").json()) + " ".join(r.getMessage() for r in caplog.records)
        assert PIN not in seen
        assert issue(page, str(uuid.uuid4()), pin="1234").status_code == 202  # free again

    def test_the_steps_move_on_as_the_card_is_written(self, page: httpx.Client, card_slot: CardSlot) -> None:
        card_slot.insert()
        issue(page, str(uuid.uuid4()))
        steps = set()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            job = page.get("/status").json()["job"]
            steps.add(job["step"])
            if job["state"] != "running":
                break
        assert job["state"] == "done" and "activated" in steps
        assert steps <= {"waiting_card", "writing", "checking", "activated"}

    def test_a_card_pulled_away_is_said_in_words_and_issued_next_time(
            self, page: httpx.Client, card_slot: CardSlot, service: FakeService) -> None:
        person = str(uuid.uuid4())
        card_slot.insert(remove_after=5)
        issue(page, person)
        failed = wait_for(page, state="failed")
        assert failed["error"]["code"] == "card_removed"
        assert failed["error"]["es"].startswith("Retiró la tarjeta antes de tiempo")
        assert "removed too soon" in failed["error"]["en"]
        assert failed["step"] in ("writing", "checking")
        assert service.active(person) == []
        card_slot.reinsert()
        issue(page, person)
        assert wait_for(page, state="done")["result"]["serial"]
        assert len(service.active(person)) == 1

    def test_no_card_in_time_is_said_in_words(self, service: FakeService, card_slot: CardSlot) -> None:
        desk = DeskAgent(service=service, reader=card_slot.reader, allowed_origin=ORIGIN,
                         signed_in_as={}, port=0, card_timeout=1.5).start()
        try:
            with httpx.Client(base_url=desk.url, headers={"Origin": ORIGIN}) as page:
                issue(page, str(uuid.uuid4()))
                failed = wait_for(page, state="failed")
        finally:
            desk.stop()
        assert failed["step"] == "waiting_card" and failed["error"]["code"] == "no_card"
        assert failed["error"]["es"] == "No hay tarjeta en el lector. Acerque la tarjeta."
