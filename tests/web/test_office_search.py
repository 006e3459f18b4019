"""The search-first home: CURP, name or folio in one box, posted; mistakes explained in words."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import httpx
import pytest

from redangel.person import curp as curp_rules
from tests.builders import person_payload
from tests.conftest import unique_suffix
from tests.web.a11y import violations
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def twins(clerk: httpx.Client) -> list[dict]:
    """Two registered persons whose names are one letter apart, born the same day."""
    suffix = unique_suffix()
    # A birth date of their own: CURPs of other test persons share their first letters often.
    born = (date(1980, 1, 1) + timedelta(days=random.randrange(7000))).isoformat()
    first, second = (person_payload(suffix, given_names=name, birth_date=born)
                     for name in ("Ana María", "Ana Marta"))
    # Their CURPs differ only in the homonymy character: make sure it differs.
    second["curp"] = first["curp"][:16] + ("1" if first["curp"][16] != "1" else "2")
    second["curp"] += str(curp_rules.check_digit(second["curp"]))
    made = []
    for payload in (first, second):
        answer = clerk.post("/persons", json=payload)
        if answer.status_code == 409:  # the look-alike: registered as a distinct person on purpose
            ids = [c["id"] for c in answer.json()["candidates"]]
            answer = clerk.post("/persons", json={**payload, "confirm_distinct_from": ids})
        assert answer.status_code == 201, answer.text
        made.append({**payload, "id": answer.json()["id"]})
    return made


def search(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("CURP, nombre o folio").fill(text)
    page.get_by_role("button", name="Buscar", exact=True).click()


class TestSearch:
    def test_by_name_shows_a_table_and_points_out_look_alikes(self, page, world, twins,  # type: ignore[no-untyped-def]
                                                              screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("heading", name="Buscar persona").is_visible()
        screenshot(page, "office-home")
        assert violations(page) == []
        search(page, f"ana {twins[0]['first_surname']}")
        rows = page.locator("table.results tbody tr")
        assert rows.count() == 2
        names = sorted(rows.locator("td:first-child a").all_inner_texts())
        assert names == sorted(f"{t['given_names']} {t['first_surname']} López" for t in twins)
        assert rows.first.locator("td").nth(3).inner_text() == "Sí"
        assert "2 personas encontradas" in page.locator(".found-count").inner_text()
        hint = page.locator(".look-alike")
        assert "Estos registros se parecen" in hint.inner_text()
        assert "los nombres difieren en una letra" in hint.inner_text()
        assert "Revise la fecha de nacimiento y la CURP" in hint.inner_text()
        screenshot(page, "office-search-results")
        assert violations(page) == []
        assert "curp" not in page.url.lower() and page.url.endswith("/office/search")

    def test_by_curp_finds_exactly_the_person(self, page, world, twins) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        search(page, twins[1]["curp"].lower())
        rows = page.locator("table.results tbody tr")
        assert rows.count() == 1
        assert rows.first.locator("a").inner_text().startswith("Ana Marta")
        assert twins[1]["curp"] not in page.url

    def test_a_bad_curp_is_explained(self, page, world, twins) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        curp = twins[0]["curp"]
        wrong_digit = curp[:17] + str((int(curp[17]) + 1) % 10)
        search(page, wrong_digit)
        error = page.locator("#q-error")
        assert "el último dígito no corresponde" in error.inner_text()
        assert "dígito verificador" in error.inner_text()
        assert page.get_by_label("CURP, nombre o folio").get_attribute("aria-invalid") == "true"
        search(page, "12345")
        assert "no es una CURP" in page.locator("#q-error").inner_text()

    def test_a_folio_opens_the_person_it_belongs_to(self, page, world, twins,  # type: ignore[no-untyped-def]
                                                    clerk: httpx.Client) -> None:
        folio = clerk.post("/applications", json={"person_id": twins[0]["id"],
                                                  "program": "servicios_medicos_gratuitos"}).json()["folio"]
        sign_in(page, world.clerk, world.password)
        for typed in (folio.lower().replace("-", " "), folio.replace("-", "–"),
                      folio.replace("-", "").lower(), folio[3:]):
            page.goto("/office")
            search(page, typed)
            page.wait_for_url(re.compile(rf".*/office/persons/{twins[0]['id']}\?suggest=follow_up$"))
            assert page.get_by_label("Seguimiento de una solicitud").is_checked()
        page.goto("/office")
        search(page, folio[:-1] + ("0" if folio[-1] != "0" else "1"))
        assert "folio no es válido" in page.locator("#q-error").inner_text()


@pytest.fixture
def crowd(clerk: httpx.Client) -> dict:
    """Twelve persons sharing a surname, and one whose surname is a letter away from it."""
    suffix = unique_suffix()
    surname = f"{suffix}rojas"
    near = f"{suffix}roxas"
    givens = ["Ana", "Berta", "Carla", "Diana", "Elena", "Fabiola", "Gloria", "Hilda", "Irma",
              "Julia", "Karla", "Laura"]
    for given in givens:
        answer = clerk.post("/persons", json=person_payload(suffix, given_names=given,
                                                             first_surname=surname))
        assert answer.status_code == 201, answer.text
    answer = clerk.post("/persons", json=person_payload(suffix, given_names="Mónica",
                                                         first_surname=near))
    assert answer.status_code == 201, answer.text
    return {"surname": surname, "near": near, "givens": givens}


class TestExactFirstAndPages:
    def test_exact_before_approximate_counted_and_paged(self, page, world, crowd,  # type: ignore[no-untyped-def]
                                                        screenshot) -> None:
        sign_in(page, world.clerk, world.password)
        search(page, crowd["surname"])
        count = page.locator(".found-count").inner_text()
        assert "13 personas encontradas" in count and "12 coinciden exactamente" in count
        assert "Página 1 de 2" in count
        assert page.locator("table.results-exact tbody tr").count() == 10
        assert page.locator("table.results-approximate").count() == 0
        assert page.get_by_role("button", name="Página anterior").count() == 0
        screenshot(page, "office-search-page-1")
        assert violations(page) == []
        page.get_by_role("button", name="Página siguiente").click()
        assert "Página 2 de 2" in page.locator(".found-count").inner_text()
        exact = page.locator("table.results-exact tbody tr td:first-child a").all_inner_texts()
        assert [name.split()[0] for name in exact] == crowd["givens"][10:]
        approximate = page.locator("table.results-approximate tbody tr")
        assert approximate.count() == 1
        assert approximate.first.locator("a").inner_text().startswith("Mónica")
        why = approximate.first.locator("td").nth(4).inner_text()
        assert "se parece" in why
        assert f"se escribió «{crowd['surname']}»" in why
        assert f"está registrado «{crowd['near']}»" in why
        assert page.get_by_role("button", name="Página siguiente").count() == 0
        screenshot(page, "office-search-page-2")
        assert violations(page) == []
        assert "curp" not in page.url.lower() and page.url.endswith("/office/search")
        page.get_by_role("button", name="Página anterior").click()
        assert "Página 1 de 2" in page.locator(".found-count").inner_text()
        first = page.locator("table.results-exact tbody tr td:first-child a").all_inner_texts()
        assert [name.split()[0] for name in first] == crowd["givens"][:10]


class TestCurpMistakesInWords:
    def test_length_letter_and_o_for_zero(self, page, world, screenshot) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        search(page, "HEGG560427MVZRRL0")
        assert "la CURP tiene 17 caracteres; debe tener 18" in page.locator("#q-error").inner_text()
        search(page, "HEGG5604B7MVZRRL04")
        assert "hay una letra, B, donde va un número" in page.locator("#q-error").inner_text()
        valid = curp_rules.build(given_names="Oscar", first_surname="Ortega",
                                 second_surname="Olmos", birth_date=date(1990, 1, 1), sex="H",
                                 birth_state="DF")
        search(page, "0" + valid[1:])
        error = page.locator("#q-error").inner_text()
        assert "una letra O y un cero están confundidos" in error and valid in error
        screenshot(page, "office-search-curp-o-zero")
        assert violations(page) == []
