"""A note on an application is acting on it: staff write what was done or agreed, the words are
sealed, an escalated request stops climbing and the citizen is promised a new date; an empty or
over-long note is refused beside the field, and another office's staff find nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.auth import service as auth
from redangel.common.clock import city_today
from redangel.program import deadlines, escalation, escalation_rules
from redangel.program.models import ApplicationNote
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import agency_client
from tests.program.test_escalation import late
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.test_complaints import boss, desk, other_boss  # noqa: F401 (fixtures)
from tests.web.test_office_attacks import csrf, office

NOTE = "Le llamamos; trae el comprobante de domicilio el lunes."


@pytest.fixture
def sedeso(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, "sedeso")
    yield client
    client.close()


def climb(sessions: Any, settings: Any, app: Any, runs: int) -> None:
    chain = escalation_rules.load(settings.catalog_path)
    for _ in range(runs):
        with sessions() as session:
            moment = deadlines.breached_at(app.expected_decision_on) + timedelta(hours=60)
            escalation.run(session, chain=chain, now=moment)
            session.commit()


def write(client: httpx.Client, folio: str, note: str) -> httpx.Response:
    path = f"/office/applications/{folio}"
    return client.post(f"{path}/notes", data={"csrf_token": csrf(client), "note": note})


def test_a_note_stops_the_climb_and_promises_a_new_date(
        desk: httpx.Client, clerk: httpx.Client, sedeso: httpx.Client,  # noqa: F811
        anon: httpx.Client, sessions: Any, settings: Any) -> None:
    folio, app = late(clerk, sessions)
    climb(sessions, settings, app, 2)
    assert folio in {i["folio"] for i in sedeso.get("/agency/escalations").json()["items"]}

    written = write(desk, folio, NOTE)
    assert written.status_code == 303, written.text[:500]
    page = desk.get(written.headers["location"]).text
    assert NOTE in page and "Guardado: la nota quedó en la solicitud." in page
    assert folio not in {i["folio"] for i in sedeso.get("/agency/escalations").json()["items"]}
    with sessions() as session:
        row = session.scalars(select(ApplicationNote)
                              .where(ApplicationNote.application_id == app.id)).one()
        assert NOTE.encode() not in row.text_sealed
    restart = escalation_rules.load(settings.catalog_path).restart_days
    promised = (city_today() + timedelta(days=restart)).isoformat()
    assert clerk.get(f"/applications/{folio}").json()["expected_decision_on"] == promised
    person = clerk.get(f"/persons/{app.person_id}").json()
    shown = anon.post("/requests/status", json={"folio": folio,
                                                "birth_date": person["birth_date"]})
    assert shown.status_code == 200 and NOTE not in shown.text  # the citizen never reads it


def test_bad_notes_are_refused_beside_the_field_and_other_offices_find_nothing(
        desk: httpx.Client, other_boss: httpx.Client, clerk: httpx.Client,  # noqa: F811
        sessions: Any) -> None:
    folio, app = late(clerk, sessions)
    empty = write(desk, folio, "   ")
    assert empty.status_code == 422 and 'id="note-error"' in empty.text
    long = write(desk, folio, "a" * 501)
    assert long.status_code == 422 and "500" in long.text
    control = write(desk, folio, "hola\x07")
    assert control.status_code == 422
    assert write(other_boss, folio, NOTE).status_code == 404
    with sessions() as session:
        assert session.scalars(select(ApplicationNote)
                               .where(ApplicationNote.application_id == app.id)).all() == []


@pytest.mark.browser
def test_the_clerk_writes_a_note_in_the_browser(
        page: Any, world: Any, clerk: httpx.Client, sessions: Any, screenshot: Any) -> None:
    folio, _ = late(clerk, sessions)
    sign_in(page, world.clerk, world.password)
    page.goto(f"/office/applications/{folio}")
    page.get_by_label("Qué se hizo o se acordó").fill(NOTE)
    page.get_by_role("button", name="Guardar la nota").click()
    assert NOTE in page.locator("#note-list").inner_text()
    assert "Se escribió una nota" in page.locator("#transitions").inner_text()
    screenshot(page, "office-application-note")
    assert violations(page) == []


@pytest.mark.parametrize(("role", "home"), [
    ("call_center", "/office/call"), ("coordinator", "/office/escalations"),
    ("steward", "/office/rolls")])
def test_roles_that_do_not_follow_applications_cannot_write_notes(
        role: str, home: str, live: LiveServer, world: Any, clerk: httpx.Client, sessions: Any) -> None:
    folio, app = late(clerk, sessions)
    username = f"{role}-{unique_suffix().lower()}"
    with sessions() as session:
        auth.create_user(session, username=username, password=world.password, role=role,
                         display_name="Otra función",
                         office_id=world.office_id if role == "steward" else None)
        session.commit()
    client = office(live, username, world.password)
    answer = client.post(f"/office/applications/{folio}/notes",
                         data={"csrf_token": csrf(client, home), "note": NOTE})
    assert answer.status_code in (403, 404), answer.status_code
    client.close()
    with sessions() as session:
        assert session.scalars(select(ApplicationNote)
                               .where(ApplicationNote.application_id == app.id)).all() == []
