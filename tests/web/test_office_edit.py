"""Correcting a person's data from the 360: a stale page is told what changed, a double submit
applies once, a refused value is explained beside its field; household changes with dates."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from redangel.history.models import HistoryEntry
from tests.builders import born_in, person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def person(clerk: httpx.Client) -> dict[str, Any]:
    """A registered person of the clerk's office, living at Calle Hidalgo 12, 09000."""
    answer = clerk.post("/persons", json=person_payload(unique_suffix(), birth_date=born_in(1980)))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def patch(client: httpx.Client, person_id: str, body: dict[str, Any]) -> None:
    """Another session's change, over the API with the ETag it read."""
    tag = client.get(f"/persons/{person_id}").headers["ETag"]
    answer = client.patch(f"/persons/{person_id}", json=body, headers={"If-Match": tag})
    assert answer.status_code == 200, answer.text


class TestCorrectingData:
    def test_a_stale_page_is_told_what_changed_and_keeps_what_was_typed(  # type: ignore[no-untyped-def]
            self, page, world, person, clerk: httpx.Client, supervisor: httpx.Client,
            screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{person['id']}?purpose=registration")
        page.get_by_role("link", name="Corregir los datos").click()
        page.wait_for_url(f"**/office/persons/{person['id']}/edit")
        screenshot(page, "office-edit")
        assert violations(page) == []
        # While the clerk has the page open, the supervisor corrects the postal code and street.
        patch(supervisor, person["id"], {"address": {
            "borough": "iztapalapa", "colonia": "Centro", "postal_code": "09100",
            "street": "Avenida Tláhuac 100"}})
        form = page.locator("#form-contact")
        form.get_by_label("Colonia").fill("San Lucas")
        form.get_by_label("¿Por qué se cambia?").select_option("moved")
        form.get_by_role("button", name="Guardar el domicilio y el teléfono").click()
        stale = page.locator("#stale")
        assert "Alguien más modificó este expediente" in stale.inner_text()
        rows = {r.locator("th").inner_text(): [c.inner_text() for c in r.locator("td").all()]
                for r in stale.locator("tbody tr").all()}
        assert rows == {"Calle y número": ["Calle Hidalgo 12", "Avenida Tláhuac 100"],
                        "Código postal": ["09000", "09100"]}
        # What the clerk typed is kept; what they did not touch shows the record as it is now.
        assert form.get_by_label("Colonia").input_value() == "San Lucas"
        assert form.get_by_label("Código postal").input_value() == "09100"
        assert form.get_by_label("¿Por qué se cambia?").input_value() == "moved"
        screenshot(page, "office-edit-stale")
        assert violations(page) == []
        assert clerk.get(f"/persons/{person['id']}").json()["address"]["colonia"] == "Centro"
        form.get_by_role("button", name="Guardar el domicilio y el teléfono").click()
        page.get_by_text("Guardado. El cambio está en el expediente y en su historial.").wait_for()
        address = clerk.get(f"/persons/{person['id']}").json()["address"]
        assert address == {"borough": "iztapalapa", "colonia": "San Lucas",
                           "postal_code": "09100", "street": "Avenida Tláhuac 100"}
        screenshot(page, "office-edit-saved")

    def test_a_double_submit_applies_once(self, page, world, person, sessions) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{person['id']}/edit")
        form = page.locator("#form-facts")
        form.get_by_label("Vive en la ciudad desde").fill("2001-05-04")
        form.get_by_label("Servicio de salud").select_option("imss")
        form.get_by_label("¿Por qué se cambia?").select_option("document_shown")
        body = {"csrf_token": form.locator("[name=csrf_token]").input_value()}
        for field in form.locator("input[type=hidden], input:not([type]), input[type=date], "
                                  "select").all():
            body[field.get_attribute("name") or ""] = field.input_value()
        url = f"/office/persons/{person['id']}/edit/facts"
        answers = [page.request.post(url, form=body, max_redirects=0) for _ in range(2)]
        assert [a.status for a in answers] == [303, 303]
        with sessions() as session:
            updates = session.scalars(select(HistoryEntry.changes).where(
                HistoryEntry.entity_id == uuid.UUID(person["id"]),
                HistoryEntry.action == "update")).all()
        assert updates == [{"fields": ["attributes", "sensitive"], "reason": "document_shown"}]

    def test_a_refused_value_is_explained_beside_its_field(self, page, world, person) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{person['id']}/edit")
        form = page.locator("#form-contact")
        form.get_by_label("Código postal").fill("9100")
        form.get_by_role("button", name="Guardar el domicilio y el teléfono").click()
        assert page.locator("#contact-reason-error").inner_text() == (
            "Elija por qué se cambian los datos; queda en el historial del expediente.")
        form.get_by_label("¿Por qué se cambia?").select_option("typing_error")
        form.get_by_role("button", name="Guardar el domicilio y el teléfono").click()
        assert page.locator("#postal_code").get_attribute("aria-invalid") == "true"
        assert page.locator("#postal_code-error").inner_text()
        assert form.get_by_label("Código postal").input_value() == "9100"
        assert form.get_by_label("¿Por qué se cambia?").input_value() == "typing_error"
        page.goto(f"/office/persons/{person['id']}/edit?lang=en")
        form = page.locator("#form-personal")
        form.get_by_label("Given names").fill("")
        form.get_by_label("Why is it changed?").select_option("typing_error")
        form.get_by_role("button", name="Save the personal data").click()
        assert page.locator("#given_names-error").inner_text() == (
            "This cannot be left blank: type it as it appears on the citizen's document.")


class TestHouseholdChanges:
    @pytest.fixture
    def family(self, clerk: httpx.Client) -> dict[str, Any]:
        """A mother (head) and her adult son; and another household headed by an aunt."""
        suffix = unique_suffix()
        ids = {}
        for key, names, born in (("mother", "María", 1960), ("son", "Pedro", 1990),
                                 ("aunt", "Rosa", 1958)):
            answer = clerk.post("/persons", json=person_payload(
                suffix, given_names=names, sex="H" if key == "son" else "M",
                birth_date=born_in(born)))
            assert answer.status_code == 201, answer.text
            ids[key] = answer.json()["id"]
            ids[f"{key}_curp"] = answer.json()["curp"]
        home = clerk.post("/households", json={"members": [
            {"person_id": ids["mother"], "relationship": "head", "since": "2000-01-01"},
            {"person_id": ids["son"], "relationship": "child", "since": "2000-01-01"}]})
        other = clerk.post("/households", json={"members": [
            {"person_id": ids["aunt"], "relationship": "head", "since": "2000-01-01"}]})
        assert home.status_code == other.status_code == 201
        return {**ids, "home": home.json()["id"], "other": other.json()["id"]}

    def test_a_member_becomes_head_then_joins_another_household(  # type: ignore[no-untyped-def]
            self, page, world, family, clerk: httpx.Client, screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{family['son']}?purpose=registration")
        page.get_by_role("link", name="Cambios en el hogar").click()
        screenshot(page, "office-household-changes")
        assert violations(page) == []
        form = page.locator("#form-head")
        form.get_by_label("Jefa o jefe desde").fill("2026-01-15")
        form.get_by_label("Quien era jefa o jefe queda como").select_option("parent")
        form.get_by_role("button", name="Nombrarla jefa o jefe del hogar").click()
        page.get_by_text("Guardado: la persona ahora es jefa o jefe del hogar.").wait_for()
        members = clerk.get(f"/households/{family['home']}").json()["members"]
        now = {m["person_id"]: m["relationship"] for m in members if m["until"] is None}
        assert now == {family["son"]: "head", family["mother"]: "parent"}
        assert page.locator("#form-head").count() == 0  # the head is not offered to become head
        form = page.locator("#form-join")
        form.get_by_label("CURP de una persona del otro hogar").fill("AAAA000000HDFXXX00")
        form.get_by_label("Parentesco con la persona jefa de ese hogar").select_option("other_relative")
        form.get_by_role("button", name="Pasar a la persona a ese hogar").click()
        assert page.locator("#join-curp").get_attribute("aria-invalid") == "true"
        assert page.locator("#join-curp").input_value() == "AAAA000000HDFXXX00"
        screenshot(page, "office-household-refused-curp")
        assert violations(page) == []  # the form with its error shown
        form = page.locator("#form-join")
        form.get_by_label("CURP de una persona del otro hogar").fill(family["aunt_curp"])
        form.get_by_label("Vive ahí desde").fill("2026-02-01")
        form.get_by_role("button", name="Pasar a la persona a ese hogar").click()
        page.get_by_text("Guardado: la persona ahora pertenece al otro hogar.").wait_for()
        other = clerk.get(f"/households/{family['other']}").json()["members"]
        joined = [m for m in other if m["person_id"] == family["son"]]
        assert [(m["relationship"], m["since"], m["until"]) for m in joined] == [
            ("other_relative", "2026-02-01", None)]
        home = clerk.get(f"/households/{family['home']}").json()["members"]
        left = [m for m in home if m["person_id"] == family["son"] and m["relationship"] == "head"]
        assert [(m["until"], m["end_reason"]) for m in left] == [
            ("2026-02-01", "moved_to_other_household")]
        assert re.search(r"Se une a otro hogar", page.content())

    def test_leaving_sent_twice_is_recorded_once(self, page, world, family,  # type: ignore[no-untyped-def]
                                                 clerk: httpx.Client) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{family['son']}/household")
        form = page.locator("#form-leave")
        form.get_by_role("button", name="Registrar que la persona salió").click()
        assert page.locator("#leave-reason-error").inner_text() == (
            "elija por qué deja el hogar")
        form = page.locator("#form-leave")
        form.get_by_label("Salió el").fill("2026-03-01")
        form.get_by_label("Por qué").select_option("moved_out")
        body = {name: form.locator(f"[name={name}]").input_value()
                for name in ("csrf_token", "household", "version", "until", "reason")}
        url = f"/office/persons/{family['son']}/household/leave"
        answers = [page.request.post(url, form=body, max_redirects=0) for _ in range(2)]
        assert [a.status for a in answers] == [303, 303]
        home = clerk.get(f"/households/{family['home']}").json()["members"]
        assert [(m["until"], m["end_reason"]) for m in home if m["person_id"] == family["son"]] \
            == [("2026-03-01", "moved_out")]
