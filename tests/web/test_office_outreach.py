"""The supervisor's outreach list: people of the office newly eligible for a program, the reason
in the catalog's words, and calls and appointments recorded with their outcome; clerks are
refused, and another office's persons never appear."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.audit.models import AuditEvent
from redangel.common.clock import city_today
from redangel.history.models import HistoryEntry
from redangel.lifeevent.models import OutreachContact
from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser
PENSION = "pension_adultos_mayores"


def _turned_68_days_ago(days: int) -> str:
    today = city_today()
    return (today.replace(year=today.year - 68) - timedelta(days=days)).isoformat()


def _newly_68(client: httpx.Client, borough: str) -> dict[str, Any]:
    """A person who turned 68 last week and has lived in the city since 1990."""
    payload = person_payload(unique_suffix(), given_names="Abigail",
                             birth_date=_turned_68_days_ago(7))
    payload["address"]["borough"] = borough
    payload["attributes"]["resident_since"] = "1990-05-01"
    answer = client.post("/persons", json=payload)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def newly(clerk: httpx.Client, other_clerk: httpx.Client) -> dict[str, dict[str, Any]]:
    """One such person in the supervisor's office (Iztapalapa), one in Coyoacán."""
    return {"ours": _newly_68(clerk, "iztapalapa"), "theirs": _newly_68(other_clerk, "coyoacan")}


def _name(person: dict[str, Any]) -> str:
    return " ".join(p for p in (person["given_names"], person["first_surname"],
                                person["second_surname"]) if p)


class TestOutreach:
    def test_a_supervisor_works_the_list(self, page, world, newly, sessions,  # type: ignore[no-untyped-def]
                                         screenshot) -> None:
        ours, theirs = newly["ours"], newly["theirs"]
        sign_in(page, world.supervisor, world.password)
        page.get_by_role("link", name="Personas por contactar").click()
        assert page.get_by_role("heading", name="Personas por contactar", level=1).is_visible()
        page.get_by_label("Empezaron a tener derecho en").select_option("30")
        page.get_by_label("Programa", exact=True).select_option(PENSION)
        page.get_by_role("button", name="Mostrar").click()
        item = page.locator(f"#c-{ours['id']}-{PENSION}")
        assert item.get_by_role("heading", name=_name(ours)).is_visible()
        assert "Pensión alimentaria para adultos mayores" in item.inner_text()
        assert item.get_by_text("Tiene la edad mínima de la pensión").is_visible()
        assert item.get_by_text("Aún no se le ha contactado.").is_visible()
        assert page.get_by_text(_name(theirs)).count() == 0, "another office's person is shown"

        item.get_by_label("Contacto", exact=True).select_option("call")
        item.get_by_label("Qué resultó").select_option("reached")
        item.get_by_label("Nota").fill("Vendrá el lunes con su comprobante de domicilio")
        item.get_by_role("button", name="Anotar el contacto").click()
        item = page.locator(f"#c-{ours['id']}-{PENSION}")
        assert item.get_by_role("status").filter(has_text="Contacto anotado.").is_visible()
        assert "Llamada telefónica" in item.locator(".contacts li").first.inner_text()
        assert item.locator(".contacts .outcome").first.inner_text() == "Se le localizó"

        item.get_by_label("Contacto", exact=True).select_option("appointment")
        item.get_by_label("Qué resultó").select_option("scheduled")
        item.get_by_role("button", name="Anotar el contacto").click()
        item = page.locator(f"#c-{ours['id']}-{PENSION}")
        assert item.locator(".field-error").inner_text() == "es obligatorio"
        assert item.get_by_label("Fecha de la cita").get_attribute("aria-invalid") == "true"

        day = city_today() + timedelta(days=3)
        item.get_by_label("Fecha de la cita").fill(day.isoformat())
        item.get_by_role("button", name="Anotar el contacto").click()
        item = page.locator(f"#c-{ours['id']}-{PENSION}")
        lines = item.locator(".contacts li")
        assert lines.count() == 2
        assert [o.inner_text() for o in item.locator(".contacts .outcome").all()] == [
            "Cita agendada", "Se le localizó"]
        assert "Cita en el módulo" in lines.first.inner_text()
        assert f"{day.day} de" in lines.first.inner_text()
        screenshot(page, "office-outreach")
        assert violations(page) == []
        _kept_sealed_and_audited(sessions, ours["id"])

    def test_a_clerk_is_refused_in_words(self, page, world) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("link", name="Personas por contactar").count() == 0
        answer = page.goto("/office/outreach")
        assert answer is not None and answer.status == 403
        assert page.get_by_role("heading", name="No permitido").is_visible()


def _kept_sealed_and_audited(sessions: Any, person_id: str) -> None:
    """Two contact rows, the note sealed, a history entry and an audit event for each."""
    pid = uuid.UUID(person_id)
    with sessions() as session:
        rows = session.scalars(select(OutreachContact).where(OutreachContact.person_id == pid)
                               .order_by(OutreachContact.at)).all()
        assert [(r.kind, r.outcome) for r in rows] == [("call", "reached"),
                                                       ("appointment", "scheduled")]
        assert rows[0].note_sealed and b"comprobante" not in rows[0].note_sealed
        assert rows[1].appointment_on is not None and rows[1].appointment_on > date(2020, 1, 1)
        kept = session.scalars(select(HistoryEntry.action).where(
            HistoryEntry.entity == "outreach_contact",
            HistoryEntry.entity_id.in_([r.id for r in rows]))).all()
        assert sorted(kept) == ["reached", "scheduled"]
        audited = session.scalars(select(AuditEvent.action).where(
            AuditEvent.person_id == pid, AuditEvent.action.like("outreach.%"))).all()
        assert audited.count("outreach.contact") == 2 and "outreach.worklist" in audited
