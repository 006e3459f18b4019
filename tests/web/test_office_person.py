"""Person 360: the purpose is asked before any data is shown, and the opening is audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from redangel.audit.models import AuditEvent
from redangel.common.clock import city_today
from redangel.program.models import Application
from tests.builders import born_in, person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.office_steps import open_person

pytestmark = pytest.mark.browser


@pytest.fixture
def mother(clerk: httpx.Client, supervisor: httpx.Client, sessions) -> dict:  # type: ignore[no-untyped-def]
    """A registered mother with a child at home, an approved program and an overdue application."""
    suffix = unique_suffix()
    person = clerk.post("/persons", json=person_payload(suffix, birth_date=born_in(1990))).json()
    child = clerk.post("/persons", json=person_payload(
        suffix, given_names="Mateo", sex="H", birth_date="2019-06-01", with_curp=False)).json()
    assert clerk.post("/households", json={"members": [
        {"person_id": person["id"], "relationship": "head", "since": "2019-06-01"},
        {"person_id": child["id"], "relationship": "child", "since": "2019-06-01"}]}).status_code == 201
    late = clerk.post("/applications", json={"person_id": person["id"],
                                             "program": "comedores_comunitarios"}).json()
    approved = clerk.post("/applications", json={"person_id": person["id"],
                                                 "program": "servicios_medicos_gratuitos"}).json()
    for to in ("in_review", "approved"):  # the office's supervisor decides, not the clerk
        assert supervisor.post(f"/applications/{approved['folio']}/transitions", json={"to": to},
                               headers={"If-Match": "*"}).status_code == 200
    with sessions() as session:
        session.execute(update(Application).where(Application.folio == late["folio"])
                        .values(expected_decision_on=city_today() - timedelta(days=4)))
        session.commit()
    return {**person, "child": child, "late": late["folio"], "approved": approved["folio"]}


class TestPerson360:
    def test_the_purpose_comes_first_and_the_opening_is_audited(self, page, world, mother,  # type: ignore[no-untyped-def]
                                                                clerk: httpx.Client, screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{mother['id']}")
        assert page.get_by_role("heading", name="¿Para qué abre este expediente?").is_visible()
        assert mother["first_surname"] not in page.content()
        assert mother["curp"] not in page.content()
        open_person(page, mother["id"], "Seguimiento de una solicitud")
        full_name = f"María Guadalupe {mother['first_surname']} López"
        assert page.get_by_role("heading", name=full_name).is_visible()
        assert page.get_by_text(mother["curp"]).is_visible()
        assert "Seguimiento de una solicitud" in page.locator(".person-head").inner_text()
        accesses = clerk.get(f"/persons/{mother['id']}/accesses").json()
        reads = [a for a in accesses if a["action"] == "person.read"]
        assert reads and reads[0]["purpose"] == "follow_up" and reads[0]["office"] == "Módulo Iztapalapa"
        screenshot(page, "office-person")
        assert violations(page) == []

    def test_everything_across_agencies_is_shown(self, page, world, mother) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        open_person(page, mother["id"])
        household = page.locator("section[aria-labelledby=household-title]")
        assert household.get_by_role("link", name=f"Mateo {mother['first_surname']} López").is_visible()
        assert "Hija o hijo" in household.inner_text()
        programs = page.locator("section[aria-labelledby=programs-title]").inner_text()
        assert "Servicios médicos y medicamentos gratuitos" in programs and "Secretaría de Salud" in programs
        open_row = page.locator("tr.overdue")
        assert mother["late"] in open_row.inner_text() and "Días de atraso: 4" in open_row.inner_text()
        decided = page.locator("section[aria-labelledby=decided-title]").inner_text()
        assert mother["approved"] in decided and "Aprobada" in decided
        history = page.locator(".timeline").inner_text()
        assert f"Solicitó Comedores comunitarios (folio {mother['late']})." in history
        assert page.get_by_role("link", name="Registrar un evento de vida").is_visible()
        assert page.get_by_role("link", name="Emitir tarjeta").is_visible()

    def test_an_unknown_purpose_is_asked_again(self, page, world, mother) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{mother['id']}?purpose=curiosity")
        assert page.get_by_role("alert").inner_text() == "Elija uno de los motivos de abajo."
        assert mother["first_surname"] not in page.content()

    def test_a_person_of_another_office_is_not_found(self, page, world, other_clerk: httpx.Client,  # type: ignore[no-untyped-def]
                                                     sessions) -> None:
        stranger = other_clerk.post("/persons", json=person_payload(
            unique_suffix(), address={"borough": "coyoacan"})).json()
        sign_in(page, world.clerk, world.password)
        answer = page.goto(f"/office/persons/{stranger['id']}?purpose=attention")
        assert answer is not None and answer.status == 404
        assert page.get_by_role("heading", name="No se encontró").is_visible()
        assert stranger["first_surname"] not in page.content()
        with sessions() as session:  # the denied attempt is audited, as on the API
            denied = session.scalars(select(AuditEvent.action).where(
                AuditEvent.person_id == uuid.UUID(stranger["id"]),
                AuditEvent.action.startswith("denied:"))).all()
        assert denied == ["denied:GET /office/persons/{person_id}"]
