"""The public screening page in a real browser: answers in, programs out, nothing stored, bad
answers explained next to the field, and the same without JavaScript."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from redangel.lifeevent.models import Evaluation

pytestmark = pytest.mark.browser


def _evaluations(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Evaluation)) or 0)


def _answer_basics(page, age: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Edad (años)").fill(age)
    page.get_by_role("group", name="¿La persona vive en la Ciudad de México?").get_by_label("Sí").check()
    page.get_by_label("Alcaldía").select_option("iztapalapa")
    page.get_by_label("Vive en la ciudad desde (año)").fill("1990")


class TestScreening:
    def test_answers_show_programs_and_nothing_is_stored(  # type: ignore[no-untyped-def]
            self, page, live, sessions, screenshot) -> None:
        before = _evaluations(sessions)
        page.goto("/screening")
        assert page.locator("html").get_attribute("lang") == "es"
        _answer_basics(page, "70")
        screenshot(page, "screening-form")
        page.get_by_role("button", name="Ver programas").click()
        results = page.locator("#results")
        expect(results.get_by_role("heading", name="Programas que podrían corresponderle")).to_be_visible()
        pension = results.locator("li", has_text="Pensión alimentaria para adultos mayores")
        expect(pension).to_contain_text("Podría corresponderle")
        expect(results.locator("li.yours")).to_contain_text("Módulo Red Ángel Iztapalapa")
        screenshot(page, "screening-results")
        address = urlsplit(page.url)  # the answers travel in the body, never in the address
        assert address.path == "/screening" and not address.query
        assert _evaluations(sessions) == before
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    def test_a_life_event_asks_its_own_question(self, page) -> None:  # type: ignore[no-untyped-def]
        page.goto("/screening?lang=en")
        page.get_by_label("Age (years)").fill("30")
        page.get_by_role("group", name="Does the person live in Mexico City?").get_by_label("Yes").check()
        page.get_by_label("Borough (alcaldía)").select_option("coyoacan")
        page.get_by_label("What happened in your life?").select_option("birth_of_child")
        question = page.get_by_label("Baby's birth date")
        expect(question).to_be_visible()  # shown at once by the script
        page.get_by_role("button", name="See programs").click()
        expect(page.locator("#err-q_child_birth_date")).to_have_text(
            "Please answer this question for the life event you chose.")
        page.get_by_label("Baby's birth date").fill("2026-11-20")
        page.get_by_role("button", name="See programs").click()
        expect(page.locator("#results li", has_text="Safe baby")).to_be_visible()

    def test_bad_answers_are_explained_next_to_the_field(self, page) -> None:  # type: ignore[no-untyped-def]
        page.goto("/screening")
        page.get_by_label("Edad (años)").fill("200")
        page.get_by_role("button", name="Ver programas").click()
        expect(page.get_by_role("alert")).to_contain_text("Revise las respuestas marcadas abajo")
        expect(page.locator("#err-age")).to_have_text("La edad debe ser un número entero de 0 a 120.")
        assert page.get_by_label("Edad (años)").get_attribute("aria-invalid") == "true"
        expect(page.locator("#err-lives_in_city")).to_have_text(
            "Indique si la persona vive en la Ciudad de México.")
        expect(page.locator("#results")).to_have_count(0)
        page.get_by_label("Edad (años)").fill("")
        page.get_by_role("group", name="¿La persona vive en la Ciudad de México?").get_by_label("No").check()
        page.get_by_role("button", name="Ver programas").click()
        expect(page.locator("#err-age")).to_have_text("Escriba la edad, un número entero de 0 a 120.")

    def test_works_without_javascript(self, browser, live) -> None:  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live.url, java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto("/screening")
            _answer_basics(page, "70")
            page.get_by_role("button", name="Ver programas").click()
            expect(page.locator("#results li", has_text="Pensión alimentaria para adultos mayores")
                   ).to_contain_text("Podría corresponderle")
        finally:
            context.close()

    def test_a_form_post_from_a_client_is_checked_too(self, page, live) -> None:  # type: ignore[no-untyped-def]
        answer = page.request.post(live.url + "/screening", form={"age": "x" * 41})
        assert answer.status == 422
        answer = page.request.post(live.url + "/screening", form={
            "age": "40", "lives_in_city": "yes", "borough": "nowhere", "event": "not_an_event"})
        assert answer.status == 422
        text = answer.text()
        assert "Elija la alcaldía donde vive la persona." in text
        assert "Elija un suceso de la lista." in text
