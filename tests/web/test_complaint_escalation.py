"""Late complaints climb the chain of command in the escalation job's runs, one level per run:
the office's supervisor is told first, then the agency concerned (its API), then the city's
coordination unit (its page) — neither of the last two reads the citizen's words or who they
are. The answer stops the climb; the citizen follows all of it by folio, on the page and as
Open311 JSON; two runs at once raise a complaint once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from redangel.common.clock import city_today
from redangel.history.models import HistoryEntry
from redangel.program import deadlines, escalation, escalation_rules
from redangel.program.followup_schemas import EscalationRun
from redangel.program.models import Complaint
from tests.conftest import LiveServer
from tests.program.helpers import agency_client, new_person
from tests.web.a11y import violations
from tests.web.test_call_center import operator  # noqa: F401 (fixture)
from tests.web.test_complaints import WORDS, boss, complaint_of, desk  # noqa: F401 (fixtures)
from tests.web.test_office_attacks import csrf, office
from tests.web.test_office_escalations import coordinator  # noqa: F401 (fixture)

AGENCY = "sedeso"


@pytest.fixture(scope="module")
def chain(settings: Any) -> escalation_rules.Chain:
    return escalation_rules.load(settings.catalog_path)


@pytest.fixture
def sedeso(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, AGENCY)
    yield client
    client.close()


def late_complaint(at_desk: httpx.Client, clerk: httpx.Client, sessions: Any,
                   category: str = "delay") -> tuple[str, dict[str, Any], Complaint]:
    """A complaint about sedeso whose answer was due two days ago: (folio, person, row)."""
    person = new_person(clerk)
    folio = complaint_of(at_desk, person["id"], category, AGENCY)
    with sessions() as session:
        session.execute(update(Complaint).where(Complaint.folio == folio)
                        .values(expected_answer_on=city_today() - timedelta(days=2)))
        row = session.scalars(select(Complaint).where(Complaint.folio == folio)).one()
        session.commit()
        session.expunge(row)
    return folio, person, row


def run(sessions: Any, chain: escalation_rules.Chain, row: Complaint,
        hours: float) -> EscalationRun:
    """One job run in its own transaction, `hours` after the complaint breached."""
    with sessions() as session:
        moment = deadlines.breached_at(row.expected_answer_on) + timedelta(hours=hours)
        result = escalation.run(session, chain=chain, now=moment)
        session.commit()
    return result


def told(sessions: Any, row: Complaint) -> list[tuple[int, str, str]]:
    """The complaint's escalations as its history keeps them: (level, role, who was told)."""
    with sessions() as session:
        return [(h.changes["level"], h.changes["role"], h.changes["told"])
                for h in session.scalars(select(HistoryEntry).where(
                    HistoryEntry.entity == "complaint", HistoryEntry.entity_id == row.id,
                    HistoryEntry.action == "escalated").order_by(HistoryEntry.id))]


def agency_sees(client: httpx.Client) -> dict[str, dict[str, Any]]:
    answer = client.get("/agency/escalations")
    assert answer.status_code == 200, answer.text
    return {c["folio"]: c for c in answer.json()["complaints"]}


def open311(anon: httpx.Client, folio: str, born: str) -> dict[str, Any]:
    answer = anon.post("/requests/status", json={"folio": folio, "birth_date": born})
    assert answer.status_code == 200, answer.text
    item: dict[str, Any] = answer.json()[0]
    return item


class TestLateComplaints:
    def test_climb_each_level_sees_it_and_the_answer_stops_it(
            self, live: LiveServer, desk: httpx.Client, boss: httpx.Client,  # noqa: F811
            clerk: httpx.Client, sedeso: httpx.Client, anon: httpx.Client, sessions: Any,
            chain: escalation_rules.Chain, world: Any, coordinator: str) -> None:  # noqa: F811
        folio, person, row = late_complaint(desk, clerk, sessions)
        reserved, _, _ = late_complaint(desk, clerk, sessions, "family_violence")
        assert run(sessions, chain, row, 1).complaints_raised >= 2
        [(level, role, who)] = told(sessions, row)
        assert (level, role) == (1, "office_supervisor") and who.startswith("office:")
        run(sessions, chain, row, 1)  # nothing new is due: no second notice
        assert len(told(sessions, row)) == 1
        assert folio not in agency_sees(sedeso)  # the program lead is not told yet

        run(sessions, chain, row, 200)  # long past every level: still one level per run
        assert [t[0] for t in told(sessions, row)] == [1, 2]
        assert told(sessions, row)[1][2] == f"agency:{AGENCY}"
        seen = agency_sees(sedeso)
        assert seen[folio]["level"] == 2 and seen[folio]["category"] == "delay"
        assert seen[folio]["days_late"] == 2
        assert seen[reserved]["category"] is None  # family violence: the category stays home
        assert WORDS not in str(seen) and person["first_surname"] not in str(seen)
        assert set(seen[folio]) == {"folio", "category", "agency", "agency_name", "office",
                                    "level", "role", "reached_at", "expected_answer_on",
                                    "days_late"}
        assert folio not in agency_sees(agency_client(live, sessions, "styfe"))
        assert "También se avisó a: La responsable del programa" in boss.get(
            "/office/complaints").text

        unit = office(live, coordinator, world.password)
        assert folio not in unit.get("/office/escalations").text  # not at its level yet
        run(sessions, chain, row, 200)
        assert [t[0] for t in told(sessions, row)] == [1, 2, 3]
        page = unit.get("/office/escalations").text
        assert folio in page and reserved in page and WORDS not in page
        assert "Reservada: solo la supervisión del módulo la lee" in page
        run(sessions, chain, row, 200)  # the chain has no fourth level
        assert len(told(sessions, row)) == 3

        item = open311(anon, folio, person["birth_date"])
        assert item["service_name"] == "Queja" and item["status"] == "open"
        assert item["status_notes"] == ("Recibida: el módulo tiene su queja y la responderá. "
                                        "La respuesta está atrasada. Ya se avisó a los responsables.")

        path = f"/office/complaints/{folio}"
        answered = boss.post(f"{path}/answer", data={"csrf_token": csrf(boss, path),
                                                     "answer": "Se resolvió el retraso."})
        assert answered.status_code == 303, answered.text[:300]
        assert folio not in agency_sees(sedeso)
        assert folio not in unit.get("/office/escalations").text
        assert open311(anon, folio, person["birth_date"])["status"] == "closed"
        unit.close()

    def test_two_runs_at_once_raise_a_complaint_once(
            self, desk: httpx.Client, clerk: httpx.Client, sessions: Any,  # noqa: F811
            chain: escalation_rules.Chain) -> None:
        _, _, row = late_complaint(desk, clerk, sessions)
        run(sessions, chain, row, 1)  # at level 1: both runs below read the same row
        start = threading.Barrier(2)
        results: list[EscalationRun] = []

        def job() -> None:
            with sessions() as session:
                start.wait()
                moment = deadlines.breached_at(row.expected_answer_on) + timedelta(hours=60)
                results.append(escalation.run(session, chain=chain, now=moment))
                session.commit()

        threads = [threading.Thread(target=job) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == 2
        assert [t[0] for t in told(sessions, row)] == [1, 2]


@pytest.mark.browser
def test_the_citizen_and_the_coordination_unit_read_it(
        page: Any, browser: Any, live: LiveServer, desk: httpx.Client,  # noqa: F811
        clerk: httpx.Client, sessions: Any, chain: escalation_rules.Chain, world: Any,
        coordinator: str, screenshot: Any) -> None:  # noqa: F811
    folio, person, row = late_complaint(desk, clerk, sessions)
    for _ in range(3):
        run(sessions, chain, row, 500)
    page.goto("/folio")
    page.get_by_label("Folio", exact=True).fill(folio)
    page.get_by_label("Fecha de nacimiento de quien hizo la solicitud").fill(person["birth_date"])
    page.get_by_role("button", name="Consultar").click()
    assert "Ya se avisó a los responsables" in page.locator("#status-words").inner_text()
    assert page.locator("#status-title").inner_text() == f"Queja {folio}"
    assert "Se avisó a los responsables que la respuesta está atrasada" in page.inner_text("main")
    screenshot(page, "folio-complaint-escalated")
    assert violations(page) == []

    page.goto("/office/login")
    page.get_by_label("Usuario").fill(coordinator)
    page.get_by_label("Contraseña").fill(world.password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/office/escalations")
    mine = page.locator("#queue-complaints tr", has_text=folio)
    assert "La unidad de coordinación" in mine.locator("td.level").inner_text()
    screenshot(page, "office-coordination-complaints")
    assert violations(page) == []


def test_the_call_center_reads_a_complaint_by_its_folio(
        live: LiveServer, desk: httpx.Client, clerk: httpx.Client,  # noqa: F811
        sessions: Any, world: Any, operator: str) -> None:  # noqa: F811
    folio, person, _ = late_complaint(desk, clerk, sessions)
    phone = office(live, operator, world.password)
    answers = {"folio": folio, "birth_date": person["birth_date"],
               "surname": person["first_surname"]}
    shown = phone.post("/office/call", data={"csrf_token": csrf(phone, "/office/call"), **answers})
    assert shown.status_code == 200, shown.text[:500]
    assert "Recibida: el módulo tiene su queja" in shown.text and "Retraso" in shown.text
    assert WORDS not in shown.text and 'name="program"' not in shown.text
    wrong = phone.post("/office/call", data={"csrf_token": csrf(phone, "/office/call"),
                                             **answers, "surname": "Otro"})
    assert wrong.status_code == 404 and "Retraso" not in wrong.text
    phone.close()
