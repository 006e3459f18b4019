"""Attacks on the data-rights desk: no session, no form token, malformed ids and fields,
a request for a blocked person, and a request of another office named by its id — each answered
in words, never with a server error, and nothing written."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.builders import born_in, person_payload
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import folio_of
from tests.rights.helpers import csrf, office, receive, received, step


@pytest.fixture
def desk(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa clerk at the console."""
    client = office(live, world.clerk, world.password)
    yield client
    client.close()


def test_the_desk_refuses_what_it_should(  # type: ignore[no-untyped-def]
        live: LiveServer, world, clerk: httpx.Client, desk: httpx.Client) -> None:
    made = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1980)))
    pid = made.json()["id"]
    with httpx.Client(base_url=live.url, follow_redirects=False, timeout=30) as nobody:
        for answer in (nobody.get("/office/rights"),
                       nobody.post("/office/rights", data={"person_id": pid})):
            assert answer.status_code == 303 and "/office/login" in answer.headers["location"]
    forged = desk.post("/office/rights", data={"csrf_token": "x" * 43, "person_id": pid,
                                               "right": "access", "identity_document": "passport"})
    assert forged.status_code == 403
    for bad in ("not-a-uuid", "1" * 300, "%00"):
        assert desk.get(f"/office/rights/{bad}").status_code in (404, 422)
        assert desk.post(f"/office/rights/{bad}/deliver",
                         data={"csrf_token": csrf(desk)}).status_code in (404, 422)
    garbage = desk.post("/office/rights", data={"csrf_token": csrf(desk), "person_id": "nope",
                                                "right": "access", "identity_document": "passport"})
    assert garbage.status_code == 422
    wrong = receive(desk, pid, "everything")
    assert wrong.status_code == 422 and "Derecho" in wrong.text
    assert receive(desk, str(uuid.uuid4()), "access").status_code == 404
    unknown = desk.get(f"/office/rights/{uuid.uuid4()}")
    assert unknown.status_code == 404


def test_a_blocked_person_cannot_be_asked_about_again(  # type: ignore[no-untyped-def]
        live: LiveServer, world, clerk: httpx.Client, desk: httpx.Client) -> None:
    made = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1981)))
    pid = made.json()["id"]
    access = received(desk, pid, "access")
    cancel = received(desk, pid, "cancellation")
    boss = office(live, world.supervisor, world.password)
    assert step(boss, cancel, "block").status_code == 303
    assert receive(desk, pid, "access").status_code == 404  # the record is out of every use
    assert desk.get(f"/office/rights/{access}/access.json").status_code == 404
    assert desk.get(f"/office/rights/{access}").status_code == 200  # the request stays readable
    boss.close()


def test_a_clerks_access_copy_keeps_a_reserved_complaint_private(  # type: ignore[no-untyped-def]
        live: LiveServer, world, clerk: httpx.Client, desk: httpx.Client) -> None:
    made = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1985)))
    pid = str(made.json()["id"])
    words = "Mi pareja me amenaza en casa"
    filed = desk.post(f"/office/persons/{pid}/complaint", data={
        "csrf_token": csrf(desk), "category": "family_violence", "agency": "dif", "text": words})
    assert filed.status_code == 303, filed.text[:500]
    access = received(desk, pid, "access")
    copy = desk.get(f"/office/rights/{access}/access.json")
    assert copy.status_code == 200 and len(copy.json()["complaints"]) == 1
    assert words not in copy.text and "family_violence" not in copy.text
    assert copy.json()["complaints"][0]["category"] == "reserved"
    page = desk.get(f"/office/rights/{access}/access")
    assert page.status_code == 200 and words not in page.text
    assert "Una queja que se atiende en privado" in page.text
    boss = office(live, world.supervisor, world.password)
    full = boss.get(f"/office/rights/{access}/access.json").json()["complaints"][0]
    assert (full["category"], full["text"]) == ("family_violence", words)
    boss.close()


def test_a_blocked_persons_requests_and_complaints_answer_nowhere(  # type: ignore[no-untyped-def]
        live: LiveServer, world, clerk: httpx.Client, desk: httpx.Client,
        anon: httpx.Client) -> None:
    payload = person_payload(unique_suffix(), birth_date=born_in(1979))
    pid = str(clerk.post("/persons", json=payload).json()["id"])
    folio = folio_of(clerk, pid, "comedores_comunitarios")
    filed = desk.post(f"/office/persons/{pid}/complaint", data={
        "csrf_token": csrf(desk), "category": "delay", "agency": "sedeso",
        "text": "Nadie me dice nada de mi solicitud"})
    assert filed.status_code == 303, filed.text[:500]
    complaint = filed.headers["location"].split("folio=")[1].split("&")[0]
    boss = office(live, world.supervisor, world.password)
    asked = {"birth_date": payload["birth_date"]}
    for known in (folio, complaint):
        assert anon.post("/requests/status", json={"folio": known, **asked}).status_code == 200
    assert boss.get(f"/office/complaints/{complaint}").status_code == 200
    assert step(boss, received(desk, pid, "cancellation"), "block").status_code == 303
    for known in (folio, complaint):
        answer = anon.post("/requests/status", json={"folio": known, **asked})
        assert answer.status_code == 404 and answer.json()["code"] == "folio_no_match"
    assert boss.get(f"/office/complaints/{complaint}").status_code == 404
    assert complaint not in boss.get("/office/complaints").text
    answered = boss.post(f"/office/complaints/{complaint}/answer",
                         data={"csrf_token": csrf(boss), "answer": "Ya quedó"})
    assert answered.status_code == 404
    boss.close()
