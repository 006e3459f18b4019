"""The life-event wizard asks what is missing: a person turning 68 without a residence date."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.common.clock import city_today
from redangel.history.models import HistoryEntry
from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser

RESIDENCE = "Fecha desde la que vive en la ciudad"
KEEP = "Guardar y decidir de nuevo"


@pytest.fixture
def turning_68(clerk: httpx.Client) -> dict[str, Any]:
    """A woman of Iztapalapa who turned 68 last week, with no income and no residence date."""
    born = city_today().replace(year=city_today().year - 68) - timedelta(days=7)
    person = clerk.post("/persons", json=person_payload(
        unique_suffix(), given_names="Yolanda", birth_date=born.isoformat(),
        attributes={"employment_status": "retired"})).json()
    assert "resident_since" not in person["attributes"]
    return person


def _history(sessions: Any, person_id: str) -> list[dict[str, Any]]:
    with sessions() as session:
        rows = session.scalars(select(HistoryEntry).where(
            HistoryEntry.entity == "person").order_by(HistoryEntry.id)).all()
        return [r.changes for r in rows if str(r.entity_id) == person_id]


class TestTurning68WithoutResidenceDate:
    def test_the_clerk_states_the_date_and_applies(  # type: ignore[no-untyped-def]
            self, page, world, turning_68, clerk: httpx.Client, sessions, screenshot) -> None:
        pid = turning_68["id"]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{pid}/events")
        page.get_by_role("link", name="Cumplir la edad de la pensión").click()
        assert "Este evento no hace preguntas" in page.locator("main").inner_text()
        screenshot(page, "office-event-facts-1-questions")
        page.get_by_role("button", name="Ver los programas").click()

        pension = page.locator("li.program", has=page.get_by_role(
            "heading", name="Pensión alimentaria para adultos mayores"))
        assert pension.locator(".badge").inner_text() == "Falta información"
        panel = page.locator("section.facts-missing")
        assert panel.get_by_role("heading", name="Información que falta").is_visible()
        field = panel.get_by_label(RESIDENCE)
        assert field.get_attribute("type") == "date" and field.input_value() == ""
        screenshot(page, "office-event-facts-2-missing")
        assert violations(page) == []

        # A date in the future is refused beside the field, and what was typed is kept.
        future = (city_today() + timedelta(days=30)).isoformat()
        field.fill(future)
        panel.get_by_role("button", name=KEEP).click()
        field = page.locator("section.facts-missing").get_by_label(RESIDENCE)
        error = page.locator(f"#{field.get_attribute('id')}-error")
        assert error.inner_text() == "Esta fecha es futura. Escriba una fecha de hoy o anterior."
        assert field.input_value() == future and field.get_attribute("aria-invalid") == "true"
        assert pension.locator(".badge").inner_text() == "Falta información"
        assert "no se guardó nada" in page.get_by_role("alert").inner_text()
        screenshot(page, "office-event-facts-3-future")
        assert violations(page) == []

        # A malformed date (typed where the browser's picker is not used) is kept as typed.
        field.evaluate("input => { input.type = 'text'; }")
        field.fill("31/02/2019")
        page.locator("section.facts-missing").get_by_role("button", name=KEEP).click()
        field = page.locator("section.facts-missing").get_by_label(RESIDENCE)
        error = page.locator(f"#{field.get_attribute('id')}-error")
        assert error.inner_text() == \
            "Escriba una fecha que exista, con día, mes y año, por ejemplo 15/03/2021."
        assert field.input_value() == "31/02/2019"
        screenshot(page, "office-event-facts-4-malformed")
        assert _history(sessions, pid) == [_history(sessions, pid)[0]]  # nothing stored yet

        field.fill("10/05/2001")
        page.locator("section.facts-missing").get_by_role("button", name=KEEP).click()
        assert pension.locator(".badge").inner_text() == "Puede recibirlo"
        assert "Cumple los requisitos" in pension.locator(".reason").inner_text()
        assert page.get_by_role("status").filter(has_text="Guardado en el registro").inner_text() == \
            f"Guardado en el registro, como declarado en el módulo: {RESIDENCE}."
        assert page.locator("section.facts-missing").get_by_label(RESIDENCE).count() == 0
        screenshot(page, "office-event-facts-5-eligible")
        assert violations(page) == []
        page.get_by_role("button", name="Solicitar los programas marcados").click()
        page.wait_for_url(re.compile(rf".*/office/persons/{pid}/receipt\?folio="))
        assert "Pensión alimentaria para adultos mayores" in page.locator(".receipt").inner_text()
        screenshot(page, "office-event-facts-6-receipt")

        record = clerk.get(f"/persons/{pid}").json()
        assert record["attributes"]["resident_since"] == "2001-05-10"
        assert record["attributes"]["employment_status"] == "retired"  # the rest kept
        stated = _history(sessions, pid)[1:]
        assert stated == [{"fields": ["attributes"], "facts": ["resident_since"],
                           "source": "stated_at_office"}]
        programs = clerk.get(f"/persons/{pid}/programs").json()["applications"]
        assert [a["program"] for a in programs].count("pension_adultos_mayores") == 1

    def test_a_double_submit_keeps_the_fact_once(  # type: ignore[no-untyped-def]
            self, page, world, turning_68, sessions) -> None:
        pid = turning_68["id"]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{pid}/events/turning_68")
        page.get_by_role("button", name="Ver los programas").click()
        form = page.locator("section.facts-missing form")
        fields = {name: form.locator(f"input[name='{name}']").first.input_value()
                  for name in ("csrf_token", "shown_evaluation")}
        residence = form.get_by_label(RESIDENCE).get_attribute("name")
        url = f"/office/persons/{pid}/events/turning_68"
        for _ in range(2):  # a double click, or a refresh that posts again
            answer = page.request.post(url, form={**fields, residence: "2001-05-10"})
            assert answer.status == 200 and "Puede recibirlo" in answer.text()
        assert [c for c in _history(sessions, pid) if c.get("source")] == [
            {"fields": ["attributes"], "facts": ["resident_since"], "source": "stated_at_office"}]


class TestIncomeToConfirm:
    def test_the_known_income_is_shown_to_confirm_and_a_correction_kept(  # type: ignore[no-untyped-def]
            self, page, world, clerk: httpx.Client, sessions, screenshot) -> None:
        person = clerk.post("/persons", json=person_payload(
            unique_suffix(), birth_date="1994-02-11", attributes={"monthly_income": "4200.00"})).json()
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{person['id']}/events/pregnancy")
        income = page.get_by_label("Ingreso mensual")
        assert income.input_value() == "4200.00"
        page.get_by_label("Fecha probable de parto").fill(
            (city_today() + timedelta(days=90)).isoformat())
        income.fill("-5")
        page.get_by_role("button", name="Ver los programas").click()
        income = page.get_by_label("Ingreso mensual")
        assert income.input_value() == "-5"
        assert page.locator(f"#{income.get_attribute('id')}-error").inner_text().startswith(
            "Esta cantidad está fuera de rango")
        assert page.get_by_label("Fecha probable de parto").input_value()  # the answer kept too
        screenshot(page, "office-event-facts-7-income-refused")
        assert violations(page) == []
        income.fill("3100")
        page.get_by_role("button", name="Ver los programas").click()
        assert page.get_by_role("heading", name=re.compile("lo que la persona puede recibir")).is_visible()
        record = clerk.get(f"/persons/{person['id']}").json()
        assert record["attributes"]["monthly_income"] == "3100"
        assert [c for c in _history(sessions, person["id"]) if c.get("source")] == [
            {"fields": ["attributes"], "facts": ["monthly_income"], "source": "stated_at_office"}]
