"""The office console seen by an attacker over plain HTTP: another office's ids, folios and
CURPs answer as if they did not exist, a clerk's direct POST of a supervisor's action is
refused, forged tokens and versions write nothing, and odd input gets words, not a crash."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.common.folio import new_folio
from tests.builders import born_in, person_payload
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import approve, folio_of


def office(live: LiveServer, username: str, password: str) -> httpx.Client:
    """A cookie-keeping client signed in to the office console, as a browser would be."""
    client = httpx.Client(base_url=live.url, timeout=30, follow_redirects=False,
                          headers={"Origin": live.url, "Sec-Fetch-Site": "same-origin"})
    page = client.get("/office/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    answer = client.post("/office/login", data={"username": username, "password": password,
                                                "next": "/office", "login_token": token.group(1)})
    assert answer.status_code == 303, answer.text[:300]
    return client


def csrf(client: httpx.Client, path: str = "/office") -> str:
    """The session's form token, read off a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


@pytest.fixture
def desk(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa clerk at the console."""
    client = office(live, world.clerk, world.password)
    yield client
    client.close()


@pytest.fixture
def stranger(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Coyoacán clerk at the console."""
    client = office(live, world.other_clerk, world.password)
    yield client
    client.close()


@pytest.fixture
def boss(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa supervisor at the console."""
    client = office(live, world.supervisor, world.password)
    yield client
    client.close()


COYOACAN = {"borough": "coyoacan", "colonia": "Centro", "postal_code": "04000",
            "street": "Calle Allende 3"}


def _person(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    made = api.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1970),
                                                    **overrides))
    assert made.status_code == 201, made.text
    return dict(made.json())


def _words(page: str) -> str:
    """A page's text without its tokens (what a reader could compare between two answers)."""
    return re.sub(r'value="[^"]*"|content="[^"]*"', "", page)


class TestAnotherOffice:
    def test_every_new_page_answers_another_offices_ids_as_unknown(  # type: ignore[no-untyped-def]
            self, clerk, supervisor, stranger) -> None:
        ours = _person(clerk)
        folio = folio_of(clerk, ours["id"], "servicios_medicos_gratuitos")
        enrollment = approve(supervisor, folio)
        token = csrf(stranger)
        for path in (f"/office/persons/{ours['id']}/edit", f"/office/persons/{ours['id']}/household",
                     f"/office/applications/{folio}", f"/office/enrollments/{enrollment}"):
            answer = stranger.get(path)
            assert answer.status_code == 404, (path, answer.status_code)
            assert ours["first_surname"] not in answer.text
            nobody = stranger.get(path.replace(ours["id"], str(uuid.uuid4())).replace(
                enrollment, str(uuid.uuid4())).replace(folio, new_folio()))
            assert nobody.status_code == 404 and _words(nobody.text) == _words(answer.text), path
        for path, data in ((f"/office/persons/{ours['id']}/edit/personal",
                            {"version": "1", "given_names": "X", "reason": "typing_error"}),
                           (f"/office/persons/{ours['id']}/household/leave",
                            {"household": "", "version": "1", "reason": "moved_out"}),
                           (f"/office/applications/{folio}/documents",
                            {"version": "1", "received": "0"}),
                           (f"/office/enrollments/{enrollment}/move",
                            {"version": "1", "to": "suspended", "reason": "other"})):
            answer = stranger.post(path, data={**data, "csrf_token": token})
            assert answer.status_code == 404, (path, answer.status_code)
        assert clerk.get(f"/persons/{ours['id']}").json()["version"] == ours["version"]
        assert clerk.get(f"/applications/{folio}").json()["documents"][0]["received"] is False

    def test_a_curp_of_another_office_and_an_unknown_one_read_the_same(  # type: ignore[no-untyped-def]
            self, clerk, other_clerk, desk) -> None:
        ours, theirs = _person(clerk), _person(other_clerk, address=COYOACAN)
        unknown = person_payload(unique_suffix())["curp"]  # well formed, never registered
        token = csrf(desk)
        answers = []
        for curp in (theirs["curp"], unknown):
            answer = desk.post(f"/office/persons/{ours['id']}/household/join", data={
                "csrf_token": token, "household": "", "curp": curp, "relationship": "child",
                "since": "2026-01-01", "version": ""})
            answers.append((answer.status_code, re.sub(r'value="[^"]*"', "", answer.text)))
        assert answers[0][0] == answers[1][0]
        assert answers[0][0] in (404, 422)
        assert answers[0][1].replace(theirs["curp"], "") == answers[1][1].replace(unknown, "")

    def test_a_folio_of_another_office_reads_like_a_mistyped_one(  # type: ignore[no-untyped-def]
            self, other_clerk, desk) -> None:
        theirs = _person(other_clerk, address=COYOACAN)
        folio = folio_of(other_clerk, theirs["id"], "servicios_medicos_gratuitos")
        token = csrf(desk)
        found = desk.post("/office/search", data={"csrf_token": token, "q": folio})
        assert found.status_code == 404 and theirs["id"] not in found.text


class TestSupervisorsWork:
    def test_a_clerks_direct_posts_of_supervisor_actions_are_refused(  # type: ignore[no-untyped-def]
            self, clerk, supervisor, desk) -> None:
        ours = _person(clerk)
        folio = folio_of(clerk, ours["id"], "servicios_medicos_gratuitos")
        enrollment = approve(supervisor, folio)
        other = folio_of(clerk, _person(clerk)["id"], "servicios_medicos_gratuitos")
        token = csrf(desk)
        version = str(clerk.get(f"/applications/{other}").json()["version"])
        assert desk.post(f"/office/applications/{other}/decision", data={
            "csrf_token": token, "version": version, "to": "approved",
            "reason": "Cumple"}).status_code == 403
        row = clerk.get(f"/persons/{ours['id']}/programs").json()["enrollments"][0]
        assert desk.post(f"/office/enrollments/{enrollment}/move", data={
            "csrf_token": token, "version": str(row["version"]), "to": "suspended",
            "reason": "other"}).status_code == 403
        assert desk.get("/office/queue").status_code == 403
        assert desk.post("/office/outreach/contacts", data={
            "csrf_token": token, "person_id": ours["id"], "program": "servicios_medicos_gratuitos",
            "kind": "call", "outcome": "reached"}).status_code == 403
        assert clerk.get(f"/applications/{other}").json()["status"] == "submitted"
        assert clerk.get(f"/persons/{ours['id']}/programs").json()[
            "enrollments"][0]["status"] == "active"

    def test_a_supervisor_cannot_decide_their_own_submission(  # type: ignore[no-untyped-def]
            self, supervisor, boss) -> None:
        ours = _person(supervisor)
        folio = folio_of(supervisor, ours["id"], "servicios_medicos_gratuitos")
        version = str(supervisor.get(f"/applications/{folio}").json()["version"])
        answer = boss.post(f"/office/applications/{folio}/decision", data={
            "csrf_token": csrf(boss), "version": version, "to": "approved", "reason": "Cumple"})
        assert answer.status_code == 403
        assert supervisor.get(f"/applications/{folio}").json()["status"] == "submitted"


class TestForgery:
    def test_a_forged_or_foreign_csrf_token_writes_nothing(  # type: ignore[no-untyped-def]
            self, clerk, desk, stranger) -> None:
        ours = _person(clerk)
        foreign = csrf(stranger)  # another session's real token
        for token in ("", "x" * 40, foreign):
            answer = desk.post(f"/office/persons/{ours['id']}/edit/personal", data={
                "csrf_token": token, "version": str(ours["version"]), "reason": "typing_error",
                "given_names": "Forjado", "first_surname": ours["first_surname"],
                "birth_date": ours["birth_date"]})
            assert answer.status_code == 403, (token[:8], answer.status_code)
        assert clerk.get(f"/persons/{ours['id']}").json()["given_names"] == ours["given_names"]

    def test_a_forged_version_writes_nothing(self, clerk, desk) -> None:  # type: ignore[no-untyped-def]
        ours = _person(clerk)
        token = csrf(desk)
        for version in ("0", "99", "-1", "abc", "9" * 40):
            answer = desk.post(f"/office/persons/{ours['id']}/edit/personal", data={
                "csrf_token": token, "version": version, "reason": "typing_error",
                "given_names": "Forjado", "first_surname": ours["first_surname"],
                "birth_date": ours["birth_date"]})
            assert answer.status_code in (409, 303), (version, answer.status_code)
        assert clerk.get(f"/persons/{ours['id']}").json()["given_names"] == ours["given_names"]


class TestOddInput:
    def test_odd_text_gets_words_not_a_crash(self, clerk, desk) -> None:  # type: ignore[no-untyped-def]
        ours = _person(clerk)
        token = csrf(desk)
        edit = f"/office/persons/{ours['id']}/edit/personal"
        base = {"csrf_token": token, "version": str(ours["version"]), "reason": "typing_error",
                "first_surname": ours["first_surname"], "birth_date": ours["birth_date"]}
        for given, birth in (("Mаría", ours["birth_date"]),  # a Cyrillic а
                             ("Ana\x00Luisa", ours["birth_date"]), ("A" * 5000, ours["birth_date"]),
                             (ours["given_names"], "9999-12-31"), (ours["given_names"], "0001-01-01"),
                             (ours["given_names"], "1970-02-30")):
            answer = desk.post(edit, data={**base, "given_names": given, "birth_date": birth})
            assert answer.status_code == 422, (given[:12], birth, answer.status_code)
        record = clerk.get(f"/persons/{ours['id']}").json()
        assert (record["given_names"], record["birth_date"]) == (ours["given_names"],
                                                                 ours["birth_date"])
        for q in ("Mаría", "Ana\x00", "A" * 5000, "RA-0000-0000-0"):
            answer = desk.post("/office/search", data={"csrf_token": token, "q": q})
            assert answer.status_code < 500, (q[:12], answer.status_code)

    def test_a_tampered_search_cursor_gets_words_not_a_crash(  # type: ignore[no-untyped-def]
            self, desk) -> None:
        token = csrf(desk)
        for position in ([0, "gar\x00cia", str(uuid.uuid4())], [0, "a" * 400, "nope"],
                         [7, "garcia", str(uuid.uuid4())], [0, 1, 2], "x"):
            cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
            answer = desk.post("/office/search", data={"csrf_token": token, "q": "Garcia",
                                                        "cursor": cursor})
            assert answer.status_code in (200, 422), (position, answer.status_code)
        for cursor in ("%%%", "A" * 600):
            answer = desk.post("/office/search", data={"csrf_token": token, "q": "Garcia",
                                                        "cursor": cursor})
            assert answer.status_code in (200, 422), (cursor[:8], answer.status_code)


# Every console page with a person, folio or enrollment in its address: each read of one leaves
# an audit event with a purpose.
PAGE_READS = ("/office/persons/{person_id}", "/office/persons/{person_id}/edit",
              "/office/persons/{person_id}/household", "/office/applications/{folio}",
              "/office/enrollments/{enrollment_id}")


def _events(sessions: Any, person_id: str, since: datetime) -> list[tuple[str, str, str]]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(
            select(AuditEvent.action, AuditEvent.purpose, AuditEvent.outcome).where(
                AuditEvent.person_id == uuid.UUID(person_id), AuditEvent.at >= since)).all()]


class TestPagesLeaveTheirTrail:
    def test_every_page_read_of_a_person_is_audited_with_a_purpose(  # type: ignore[no-untyped-def]
            self, clerk, supervisor, desk, boss, sessions) -> None:
        ours = _person(clerk)
        folio = folio_of(clerk, ours["id"], "servicios_medicos_gratuitos")
        enrollment = approve(supervisor, folio)
        values = {"person_id": ours["id"], "folio": folio, "enrollment_id": enrollment}
        for path in PAGE_READS:
            since = datetime.now(UTC) - timedelta(seconds=1)
            url = path.format(**values) + ("?purpose=follow_up" if path.endswith("}") and
                                           "persons" in path else "")
            answer = desk.get(url)
            assert answer.status_code == 200, (url, answer.status_code)
            events = _events(sessions, ours["id"], since)
            assert events and all(purpose for _, purpose, _ in events), (path, events)
        since = datetime.now(UTC) - timedelta(seconds=1)
        found = desk.post("/office/search", data={"csrf_token": csrf(desk),
                                                  "q": ours["curp"]})
        assert found.status_code == 200 and ours["id"] in found.text
        assert ("person.search", "search", "ok") in _events(sessions, ours["id"], since)
        since = datetime.now(UTC) - timedelta(seconds=1)
        assert boss.get("/office/queue").status_code == 200
        queued = _events(sessions, ours["id"], since)
        assert all(purpose for _, purpose, _ in queued), queued


class TestDocumentsChecklist:
    def test_a_position_off_the_checklist_is_refused_and_ticks_nothing(  # type: ignore[no-untyped-def]
            self, clerk, desk) -> None:
        ours = _person(clerk)
        folio = folio_of(clerk, ours["id"], "servicios_medicos_gratuitos")
        token = csrf(desk)
        for position in ("-1", "-99", "2", "9999"):
            version = str(clerk.get(f"/applications/{folio}").json()["version"])
            answer = desk.post(f"/office/applications/{folio}/documents", data={
                "csrf_token": token, "version": version, "received": position})
            assert answer.status_code == 422, (position, answer.status_code)
        shown = clerk.get(f"/applications/{folio}").json()
        assert [d["received"] for d in shown["documents"]] == [False, False]


class TestOutreachContacts:
    def test_an_appointment_out_of_range_or_odd_digits_get_words(  # type: ignore[no-untyped-def]
            self, clerk, boss) -> None:
        ours = _person(clerk)
        token = csrf(boss)
        base = {"csrf_token": token, "person_id": ours["id"], "program": "servicios_medicos_gratuitos",
                "kind": "appointment", "outcome": "scheduled", "days": "90", "only": ""}
        for day in ("0001-01-01", "9999-12-31"):
            answer = boss.post("/office/outreach/contacts", data={**base, "appointment_on": day})
            assert answer.status_code == 422, (day, answer.status_code)
        answer = boss.post("/office/outreach/contacts", data={
            **base, "appointment_on": "2027-01-04", "days": "²"})  # a digit, not a number
        assert answer.status_code == 303, answer.status_code
