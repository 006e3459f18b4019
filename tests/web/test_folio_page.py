"""'Consulta tu folio' in chromium: the status in words, the promised date and the history;
the same refusal for a wrong folio and a wrong birth date; one rating per decided request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.program.helpers import approve, folio_of, move, new_person
from tests.web.a11y import violations

pytestmark = pytest.mark.browser
PROGRAM = "comedores_comunitarios"


def look_up(page: Any, folio: str, born: str) -> None:
    page.goto("/folio")
    page.get_by_label("Folio", exact=True).fill(folio)
    page.get_by_label("Fecha de nacimiento de quien hizo la solicitud").fill(born)
    page.get_by_role("button", name="Consultar").click()


class TestFolioPage:
    def test_status_and_history_in_words(self, page: Any, clerk: httpx.Client,
                                         supervisor: httpx.Client, screenshot: Any) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        assert move(supervisor, folio, "in_review").status_code == 200
        look_up(page, folio.lower(), person["birth_date"])
        assert page.locator("#status-title").inner_text() == f"Solicitud {folio}"
        assert page.locator("#status-words").inner_text().startswith("En revisión")
        history = page.locator("#history li").all_inner_texts()
        assert [h.split(": ", 1)[1] for h in history] == [
            "Solicitud recibida", "La dependencia comenzó su revisión"]
        body = page.content()
        for personal in (person["first_surname"], person["given_names"], person["birth_date"]):
            assert personal not in page.locator("#status").inner_text()
        assert "Comedores" in body
        screenshot(page, "folio-status")
        assert violations(page) == []

    def test_guesses_get_one_refusal(self, page: Any, clerk: httpx.Client,
                                     screenshot: Any) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        look_up(page, folio, "1901-02-03")
        wrong_date = page.locator("#refused").inner_text()
        screenshot(page, "folio-refused")
        assert violations(page) == []
        look_up(page, "RA-0000-0000-0", person["birth_date"])
        assert page.locator("#refused").inner_text() == wrong_date
        assert "Ninguna solicitud coincide" in wrong_date
        assert page.locator("#status").count() == 0

    def test_rating_once(self, page: Any, clerk: httpx.Client, supervisor: httpx.Client,
                         screenshot: Any) -> None:
        person = new_person(clerk)
        folio = folio_of(clerk, person["id"], PROGRAM)
        approve(supervisor, folio)
        look_up(page, folio, person["birth_date"])
        page.get_by_label("Muy bien").check()
        page.get_by_label("Algo que quiera decirnos (opcional)").fill("Rápido y amable")
        screenshot(page, "folio-rating")
        assert violations(page) == []
        page.get_by_role("button", name="Enviar mi calificación").click()
        assert "Gracias" in page.locator("#notice").inner_text()
        assert page.locator("#rate").count() == 0
        look_up(page, folio, person["birth_date"])
        assert page.locator("#rated").is_visible() and page.locator("#rate").count() == 0
        screenshot(page, "folio-rated")
