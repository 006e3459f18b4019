"""The life-event wizard: birth of a child, from the questions to the printed receipt."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import httpx
import pytest

from redangel.common.clock import city_today
from tests.builders import born_in, person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in
from tests.web.office_steps import answer_birth_of_child

pytestmark = pytest.mark.browser


@pytest.fixture
def new_mother(clerk: httpx.Client) -> dict:
    """A mother living with her partner and their three-week-old baby, on a low income."""
    suffix = unique_suffix()
    born = city_today() - timedelta(days=21)
    mother = clerk.post("/persons", json=person_payload(
        suffix, birth_date=born_in(1996), attributes={"marital_status": "free_union",
                                                     "monthly_income": "4200.00"},
        sensitive={"health_coverage": "none"})).json()
    father = clerk.post("/persons", json=person_payload(
        suffix, given_names="José Luis", sex="H", birth_date="1994-09-03", with_curp=False,
        attributes={"monthly_income": "3800.00"})).json()
    baby = clerk.post("/persons", json=person_payload(
        suffix, given_names="Sofía", birth_date=born.isoformat(), with_curp=False, attributes={})).json()
    since = born.isoformat()
    assert clerk.post("/households", json={"members": [
        {"person_id": mother["id"], "relationship": "head", "since": since},
        {"person_id": father["id"], "relationship": "spouse", "since": since},
        {"person_id": baby["id"], "relationship": "child", "since": since}]}).status_code == 201
    return {**mother, "baby_born": born}


class TestBirthOfChild:
    def test_answer_see_verdicts_apply_and_print(self, page, world, new_mother,  # type: ignore[no-untyped-def]
                                                 clerk: httpx.Client, screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        page.goto(f"/office/persons/{new_mother['id']}/events")
        events = page.locator(".event-choice")
        assert events.count() == 12
        page.get_by_role("link", name="Nacimiento de un hijo").click()
        assert page.get_by_role("heading", name="Nacimiento de un hijo").is_visible()
        page.get_by_role("button", name="Ver los programas").click()  # unanswered: said in words
        assert page.locator("#q_child_birth_date-error").inner_text() == "Responda esta pregunta."
        page.goto(f"/office/persons/{new_mother['id']}/events/birth_of_child")
        page.get_by_label("Fecha de nacimiento del bebé").fill(new_mother["baby_born"].isoformat())
        screenshot(page, "office-event-questions")
        assert violations(page) == []
        page.get_by_role("button", name="Ver los programas").click()

        def card(name: str):  # type: ignore[no-untyped-def]
            return page.locator("li.program", has=page.get_by_role("heading", name=name))

        safe_baby = card("Bebé seguro")
        assert safe_baby.locator(".badge").inner_text() == "Puede recibirlo"
        assert "Cumple los requisitos de Bebé seguro" in safe_baby.locator(".reason").inner_text()
        assert "Acta de nacimiento del bebé" in safe_baby.inner_text()
        single = card("Apoyo a madres solas")
        assert single.locator(".badge").inner_text() == "No cumple"
        assert single.locator(".reason").inner_text() == (
            "No cumple los requisitos de Apoyo a madres solas. Vive en pareja (estado civil: "
            "unión libre); este programa es para madres sin pareja.")
        single.get_by_text("Cada requisito revisado").click()
        partner = single.locator("li.criterion.unmet")
        assert " ".join(partner.inner_text().split()) == (
            "No se cumple: Vive en pareja (estado civil: unión libre); este programa es para "
            "madres sin pareja.")
        assert " ".join(single.locator("li.criterion.met").first.inner_text().split()) == \
            "Se cumple: Es mujer."
        kitchens = card("Comedores comunitarios")
        assert kitchens.locator(".badge").inner_text() == "Falta información"
        assert "falta saber" in kitchens.locator(".reason").inner_text()
        assert single.get_by_role("checkbox").count() == 0
        assert safe_baby.get_by_role("checkbox").is_checked()
        medical = card("Servicios médicos y medicamentos gratuitos")
        medical.get_by_role("checkbox").uncheck()
        screenshot(page, "office-event-bundle")
        assert violations(page) == []
        evaluation_id = page.locator("input[name=evaluation_id]").input_value()
        csrf = page.locator("input[name=csrf_token]").first.input_value()
        page.get_by_role("button", name="Solicitar los programas marcados").click()

        page.wait_for_url(re.compile(rf".*/office/persons/{new_mother['id']}/receipt\?folio="))
        folios = page.locator(".receipt dd.folio").all_inner_texts()
        assert len(folios) == 1
        receipt = page.locator(".receipt").inner_text()
        for text in ("Comprobante de solicitudes", f"María Guadalupe {new_mother['first_surname']} López",
                     "Módulo Iztapalapa", "Bebé seguro", "DIF Ciudad de México",
                     "Acta de nacimiento del bebé", "Respuesta esperada a más tardar"):
            assert text in receipt, text
        expected = city_today() + timedelta(days=15)
        assert f"{expected.day} de" in receipt and str(expected.year) in receipt
        assert page.get_by_role("button", name="Imprimir").is_visible()
        screenshot(page, "office-receipt")
        assert violations(page) == []
        page.emulate_media(media="print")  # what the citizen takes home: the receipt alone
        assert not page.get_by_role("button", name="Imprimir").is_visible()
        assert not page.locator(".topbar").is_visible() and page.locator(".receipt").is_visible()
        screenshot(page, "office-receipt-print")
        page.emulate_media(media="screen")
        application = clerk.get(f"/applications/{folios[0]}").json()
        assert application["program"] == "bebe_seguro" and application["person_id"] == new_mother["id"]
        assert application["channel"] == "office"

        # Posting the same apply again (a refresh, a double click) applies nothing twice.
        again = page.request.post(
            f"/office/persons/{new_mother['id']}/events/birth_of_child/apply",
            form={"csrf_token": csrf, "evaluation_id": evaluation_id, "program": "bebe_seguro"},
            max_redirects=0)
        assert again.status == 303 and folios[0] in unquote(again.headers["location"])
        programs = clerk.get(f"/persons/{new_mother['id']}/programs").json()["applications"]
        assert [a["folio"] for a in programs if a["program"] == "bebe_seguro"] == folios

    def test_the_print_button_prints(self, page, world, new_mother) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        answer_birth_of_child(page, new_mother["id"], new_mother["baby_born"])
        page.get_by_role("button", name="Solicitar los programas marcados").click()
        page.wait_for_url(re.compile(r".*/receipt\?folio="))
        page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
        page.get_by_role("button", name="Imprimir").click()
        assert page.evaluate("window.__printed") == 1

    def test_nothing_ticked_is_said_in_words(self, page, world, new_mother) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        answer_birth_of_child(page, new_mother["id"], new_mother["baby_born"])
        for box in page.get_by_role("checkbox").all():
            box.uncheck()
        page.get_by_role("button", name="Solicitar los programas marcados").click()
        assert "Marque al menos un programa" in page.get_by_role("alert").inner_text()
