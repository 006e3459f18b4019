"""Complaints (quejas) over real HTTP: recorded at the office with a folio and its own answer
date, answered by the office's supervisor, read by the citizen on the folio page without
personal data; family violence complaints stay hidden from clerks, and another office's
supervisor finds nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.auth import service as auth
from redangel.auth.models import Agency
from redangel.common.business_days import add_business_days
from redangel.common.clock import city_today
from redangel.program.complaints import ANSWER_BUSINESS_DAYS
from redangel.program.models import Complaint
from tests.conftest import LiveServer, unique_suffix
from tests.program.helpers import new_person
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.test_office_attacks import csrf, office

WORDS = "Me trataron mal en la ventanilla 3 el martes."


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
def other_boss(live: LiveServer, world: Any, sessions: Any) -> Iterator[httpx.Client]:
    """A supervisor of the Coyoacán office."""
    username = f"sup-{unique_suffix().lower()}"
    with sessions() as session:
        auth.create_user(session, username=username, password=world.password, role="supervisor",
                         display_name="Supervisora", office_id=world.other_office_id)
        session.commit()
    client = office(live, username, world.password)
    yield client
    client.close()


def agency_of(sessions: Any) -> str:
    """Some agency a complaint may concern."""
    with sessions() as session:
        return str(session.scalars(select(Agency.code).order_by(Agency.code)).first())


def complaint_of(client: httpx.Client, person: str, category: str, agency: str) -> str:
    """Record a complaint through the office form; its folio."""
    path = f"/office/persons/{person}/complaint"
    answer = client.post(path, data={"csrf_token": csrf(client, path), "category": category,
                                     "agency": agency, "text": WORDS})
    assert answer.status_code == 303, answer.text[:500]
    page = client.get(answer.headers["location"])
    found = re.search(r'id="complaint-folio">([^<]+)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_recorded_answered_and_read_on_the_folio_page(
        live: LiveServer, desk: httpx.Client, boss: httpx.Client, clerk: httpx.Client,
        sessions: Any) -> None:
    person = new_person(clerk)
    folio = complaint_of(desk, person["id"], "delay", agency_of(sessions))
    with sessions() as session:
        row = session.scalars(select(Complaint).where(Complaint.folio == folio)).one()
        assert row.expected_answer_on == add_business_days(city_today(), ANSWER_BUSINESS_DAYS)
        assert WORDS.encode() not in row.text_sealed
    assert folio in boss.get("/office/complaints").text
    assert folio in desk.get("/office/complaints").text
    page = f"/office/complaints/{folio}"
    refused = desk.post(f"{page}/answer", data={"csrf_token": csrf(desk, page),
                                                "answer": "Ya se atendió."})
    assert refused.status_code == 403
    empty = boss.post(f"{page}/answer", data={"csrf_token": csrf(boss, page), "answer": " "})
    assert empty.status_code == 422
    said = "Hablamos con la ventanilla; se corrigió el trato."
    answered = boss.post(f"{page}/answer", data={"csrf_token": csrf(boss, page), "answer": said})
    assert answered.status_code == 303, answered.text[:500]
    again = boss.post(f"{page}/answer", data={"csrf_token": csrf(boss, page), "answer": "Otra"})
    assert again.status_code == 409 and "ya fue respondida" in again.text
    with httpx.Client(base_url=live.url, timeout=30,
                      headers={"Origin": live.url, "Sec-Fetch-Site": "same-origin"}) as citizen:
        form = citizen.get("/folio")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        data = {"folio": folio, "birth_date": person["birth_date"],
                **({"csrf_token": token.group(1)} if token else {})}
        shown = citizen.post("/folio", data=data)
        assert shown.status_code == 200, shown.text[:500]
        assert said in shown.text and "Respondida" in shown.text
        assert WORDS not in shown.text and person["first_surname"] not in shown.text
        wrong = citizen.post("/folio", data={**data, "birth_date": "1950-01-02"})
        assert wrong.status_code == 404 and said not in wrong.text


def test_family_violence_hidden_from_clerk_and_other_office(
        desk: httpx.Client, boss: httpx.Client, other_boss: httpx.Client, clerk: httpx.Client,
        sessions: Any) -> None:
    person = new_person(clerk)
    folio = complaint_of(desk, person["id"], "family_violence", agency_of(sessions))
    assert folio not in desk.get("/office/complaints").text
    assert desk.get(f"/office/complaints/{folio}").status_code == 404
    assert folio in boss.get("/office/complaints").text
    seen = boss.get(f"/office/complaints/{folio}")
    assert seen.status_code == 200 and WORDS in seen.text
    assert folio not in other_boss.get("/office/complaints").text
    assert other_boss.get(f"/office/complaints/{folio}").status_code == 404
    page = f"/office/complaints/{folio}"
    stranger = other_boss.post(f"{page}/answer", data={
        "csrf_token": csrf(other_boss, "/office/complaints"), "answer": "Nada"})
    assert stranger.status_code == 404
    with sessions() as session:
        assert session.scalars(select(Complaint.status).where(
            Complaint.folio == folio)).one() == "submitted"


@pytest.mark.browser
def test_the_complaint_walked_in_chromium(page: Any, world: Any, clerk: httpx.Client,
                                          screenshot: Any) -> None:
    person = new_person(clerk)
    sign_in(page, world.supervisor, world.password)
    page.goto(f"/office/persons/{person['id']}?purpose=attention")
    page.get_by_role("link", name="Registrar una queja").click()
    page.get_by_label("De qué trata la queja").select_option("delay")
    page.get_by_label("Dependencia de la que se queja").select_option(index=1)
    page.get_by_label("La queja de la persona, en sus palabras").fill(WORDS)
    page.get_by_role("button", name="Registrar la queja").click()
    folio = page.locator("#complaint-folio").inner_text()
    screenshot(page, "office-complaint-recorded")
    assert violations(page) == []
    page.goto("/office/complaints")
    page.get_by_role("link", name=folio).click()
    page.get_by_label("La respuesta que leerá la persona").fill("Se revisó su trámite.")
    page.get_by_role("button", name="Enviar la respuesta").click()
    assert page.locator("#answer").inner_text() == "Se revisó su trámite."
    screenshot(page, "office-complaint-answered")
    assert violations(page) == []
    page.goto("/folio")
    page.get_by_label("Folio", exact=True).fill(folio)
    page.get_by_label("Fecha de nacimiento de quien hizo la solicitud").fill(person["birth_date"])
    page.get_by_role("button", name="Consultar").click()
    assert page.locator("#status-words").inner_text().startswith("Respondida")
    assert page.locator("#reason").inner_text() == "Se revisó su trámite."
    screenshot(page, "folio-complaint")
    assert violations(page) == []


def test_the_audit_trail_does_not_name_a_reserved_complaints_category(
        desk: httpx.Client, clerk: httpx.Client, sessions: Any) -> None:
    person = new_person(clerk)["id"]
    folios = {category: complaint_of(desk, person, category, "dif")
              for category in ("family_violence", "disability_access", "delay")}
    with sessions() as session:
        details = {e.detail["folio"]: e.detail for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "complaint.file",
                                     AuditEvent.person_id == uuid.UUID(person)))}
    assert set(details) == set(folios.values())
    for category, folio in folios.items():
        named = "delay" if category == "delay" else None
        assert details[folio].get("category") == named, details[folio]
