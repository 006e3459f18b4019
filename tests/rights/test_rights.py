"""Each data right end to end at the office, over real HTTP on both databases: a request needs
the identity document seen, gets a folio and a deadline in business days, is answered once and
leaves its folio in the audit; access hands over everything held; rectification links the
change; opposition takes the person off outreach; cancellation blocks every door at once; and
only the office that received a request, in the right role, may act on it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.common.business_days import add_business_days
from redangel.common.clock import city_day
from redangel.rights import service
from redangel.rights.models import RightsRequest
from tests.builders import born_in, person_payload
from tests.conftest import LiveServer, login, unique_suffix
from tests.program.helpers import agency_client, approve, folio_of
from tests.rights.helpers import office, receive, received, step


@pytest.fixture
def desk(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa clerk at the console."""
    client = office(live, world.clerk, world.password)
    yield client
    client.close()


@pytest.fixture
def boss(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa supervisor at the console."""
    client = office(live, world.supervisor, world.password)
    yield client
    client.close()


@pytest.fixture
def stranger(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Coyoacán clerk at the console."""
    client = office(live, world.other_clerk, world.password)
    yield client
    client.close()


def _person(clerk: httpx.Client, **overrides: Any) -> dict[str, Any]:
    answer = clerk.post("/persons", json=person_payload(
        unique_suffix(), **{"birth_date": born_in(1970), **overrides}))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _request(sessions: Any, request_id: str) -> RightsRequest:
    with sessions() as session:
        row = session.get(RightsRequest, uuid.UUID(request_id))
        assert row is not None
        session.expunge(row)
        return row


def _audited(sessions: Any, folio: str) -> list[str]:
    with sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action.like("rights.%"))
                               .order_by(AuditEvent.id)).all()
        return [r.action for r in rows if r.detail.get("folio") == folio]


def test_business_days_skip_the_weekend() -> None:
    friday = date(2026, 12, 4)
    assert add_business_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_business_days(friday, 20) == date(2027, 1, 1)  # four whole weeks later
    assert add_business_days(date(2026, 12, 7), 5) == date(2026, 12, 14)


class TestReceiving:
    def test_a_request_without_identity_checked_is_refused_in_words(  # type: ignore[no-untyped-def]
            self, clerk, desk, sessions) -> None:
        person = _person(clerk)
        for lang, words in (("es", "No se comprobó la identidad"),
                            ("en", "The person's identity was not checked")):
            answer = receive(desk, person["id"], "access", document="", lang=lang)
            assert answer.status_code == 422
            assert words in answer.text.replace("&#39;", "'")
        forged = receive(desk, person["id"], "access", document="library_card")
        assert forged.status_code == 422
        with sessions() as session:
            assert session.scalars(select(RightsRequest).where(
                RightsRequest.person_id == uuid.UUID(person["id"]))).all() == []

    def test_a_request_gets_a_folio_and_the_legal_deadline(  # type: ignore[no-untyped-def]
            self, clerk, desk, sessions, settings) -> None:
        person = _person(clerk)
        request_id = received(desk, person["id"], "access")
        row = _request(sessions, request_id)
        assert re.fullmatch(r"RA-[0-9A-Z]{4}-[0-9A-Z]{4}-.", row.folio)
        assert row.identity_document == "voter_card" and row.status == "open"
        assert row.due_on == add_business_days(city_day(row.received_at),
                                               settings.rights_deadline_days)
        page = desk.get(f"/office/rights/{request_id}")
        assert row.folio in page.text and "Acceso" in page.text
        assert row.folio in desk.get("/office/rights").text
        assert _audited(sessions, row.folio) == ["rights.receive", "rights.read"]  # page shown

    def test_opposition_must_name_the_use(self, clerk, desk) -> None:  # type: ignore[no-untyped-def]
        person = _person(clerk)
        answer = receive(desk, person["id"], "opposition")
        assert answer.status_code == 422 and "indica qué uso niega" in answer.text


class TestAccess:
    def test_the_person_gets_everything_held_about_them(  # type: ignore[no-untyped-def]
            self, clerk, desk, sessions) -> None:
        person = _person(clerk, phone="5571938264")
        folio = folio_of(clerk, person["id"], "servicios_medicos_gratuitos")
        request_id = received(desk, person["id"], "access", document="passport")
        page = desk.get(f"/office/rights/{request_id}/access")
        assert page.status_code == 200
        for held in (person["curp"], person["first_surname"], "5571938264", folio,
                     "Quién consultó tus datos"):
            assert held in page.text, held
        file = desk.get(f"/office/rights/{request_id}/access.json")
        assert file.status_code == 200
        assert "attachment" in file.headers["content-disposition"]
        data = file.json()
        assert data["overview"]["person"]["curp"] == person["curp"]
        assert data["overview"]["person"]["phone"] == "5571938264"
        assert [a["folio"] for a in data["overview"]["open_applications"]] == [folio]
        purposes = {a["purpose"] for a in data["accesses"]}
        assert {"registration", "data_subject_rights"} <= purposes
        assert [r["right"] for r in data["requests"]] == ["access"]
        assert step(desk, request_id, "deliver").status_code == 303
        row = _request(sessions, request_id)
        assert (row.status, row.outcome) == ("done", "delivered")
        assert _audited(sessions, row.folio) == ["rights.receive", "rights.access"]
        assert step(desk, request_id, "deliver").status_code == 409  # answered once

    def test_another_office_and_a_wrong_step_are_refused(  # type: ignore[no-untyped-def]
            self, clerk, desk, stranger, sessions) -> None:
        person = _person(clerk)
        request_id = received(desk, person["id"], "access")
        for path in ("", "/access", "/access.json"):
            assert stranger.get(f"/office/rights/{request_id}{path}").status_code == 404
        for name in ("deliver", "block", "refuse", "oppose"):
            assert step(stranger, request_id, name, reason="not_the_holder").status_code in (403, 404)
        assert step(desk, request_id, "close").status_code == 409  # not a rectification
        assert step(desk, request_id, "nonsense").status_code == 422
        assert _request(sessions, request_id).status == "open"
        # a clerk cannot receive a request for a person outside the office's scope
        assert receive(stranger, person["id"], "access").status_code == 404


class TestRectification:
    def test_it_links_the_change_made_through_the_normal_edit(  # type: ignore[no-untyped-def]
            self, clerk, desk, sessions) -> None:
        person = _person(clerk)
        request_id = received(desk, person["id"], "rectification")
        assert step(desk, request_id, "close").status_code == 409  # nothing corrected yet
        etag = clerk.get(f"/persons/{person['id']}").headers["etag"]
        fixed = clerk.patch(f"/persons/{person['id']}", json={"phone": "5511112222"},
                            headers={"If-Match": etag})
        assert fixed.status_code == 200, fixed.text
        assert step(desk, request_id, "close").status_code == 303
        row = _request(sessions, request_id)
        assert (row.status, row.outcome) == ("done", "rectified") and row.history_id
        assert "Cambio número" in desk.get(f"/office/rights/{request_id}").text


class TestOpposition:
    AS_OF, SINCE = "2078-03-10", "2078-03-02"  # persons born in March 2010 turn 68 then

    def test_outreach_leaves_out_who_refused_it(  # type: ignore[no-untyped-def]
            self, live, world, clerk, desk, sessions) -> None:
        payload = {"attributes": {"resident_since": "2000-01-01"}}
        kept = _person(clerk, birth_date="2010-03-05", **payload)
        refusing = _person(clerk, birth_date="2010-03-06", **payload)
        supervisor = login(live, world.supervisor, world.password)

        def listed() -> set[str]:
            answer = supervisor.post("/outreach", json={"program": "pension_adultos_mayores",
                                                        "as_of": self.AS_OF, "since": self.SINCE})
            assert answer.status_code == 200, answer.text
            return {p["id"] for p in answer.json()["persons"]}

        assert {kept["id"], refusing["id"]} <= listed()
        request_id = received(desk, refusing["id"], "opposition", use="outreach")
        assert step(desk, request_id, "oppose").status_code == 303
        found = listed()
        assert kept["id"] in found and refusing["id"] not in found
        with sessions() as session:
            assert service.opposes(session, uuid.UUID(refusing["id"]), "outreach")
            assert not service.opposes(session, uuid.UUID(kept["id"]), "outreach")
            assert not service.opposes(session, uuid.UUID(refusing["id"]), "proactive_offers")
        supervisor.close()


class TestCancellation:
    def test_blocking_closes_every_door_at_once(  # type: ignore[no-untyped-def]
            self, live, sessions, clerk, desk, boss) -> None:
        person = _person(clerk)
        pid = person["id"]
        salud = agency_client(live, sessions, "salud")
        approve(salud, folio_of(clerk, pid, "servicios_medicos_gratuitos"))
        assert salud.get(f"/agency/persons/{pid}").status_code == 200
        request_id = received(desk, pid, "cancellation")
        assert step(desk, request_id, "block").status_code == 403  # the supervisor decides
        assert clerk.get(f"/persons/{pid}").status_code == 200
        before = clerk.post("/persons/search", json={"name": person["first_surname"]})
        assert [i["id"] for i in before.json()["items"]] == [pid]
        assert step(boss, request_id, "block").status_code == 303
        assert step(boss, request_id, "block").status_code == 409  # decided once
        assert clerk.get(f"/persons/{pid}").status_code == 404
        assert clerk.get(f"/persons/{pid}/programs").status_code == 404
        for query in ({"name": person["first_surname"]}, {"curp": person["curp"]}):
            found = clerk.post("/persons/search", json=query)
            assert found.status_code == 200 and found.json()["items"] == [], found.text
        assert salud.get(f"/agency/persons/{pid}").status_code == 404
        assert salud.post("/agency/persons/lookup", json={"curp": person["curp"]}).status_code == 404
        roll = salud.get("/agency/enrollments", params={"limit": 500})
        assert pid not in roll.text
        assert desk.get(f"/office/persons/{pid}?purpose=attention").status_code == 404
        assert clerk.post("/life-events/birth_of_child/evaluations",
                          json={"person_id": pid, "answers": {}}).status_code in (404, 422)
        row = _request(sessions, request_id)
        assert (row.status, row.outcome) == ("done", "blocked") and row.erase_after is not None
        salud.close()

    def test_refusing_is_the_supervisors_and_needs_a_reason(  # type: ignore[no-untyped-def]
            self, clerk, desk, boss, sessions) -> None:
        person = _person(clerk)
        request_id = received(desk, person["id"], "cancellation")
        assert step(desk, request_id, "refuse", reason="legal_obligation").status_code == 403
        assert step(boss, request_id, "refuse", reason="because").status_code == 422
        assert step(boss, request_id, "refuse", reason="legal_obligation").status_code == 303
        row = _request(sessions, request_id)
        assert (row.status, row.outcome) == ("refused", "legal_obligation")
        assert clerk.get(f"/persons/{person['id']}").status_code == 200  # not blocked
