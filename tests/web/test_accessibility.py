"""WCAG 2.1 AA on the kiosk, the public screening and the error pages (axe-core in chromium).

The office pages are checked inside their own tests (tests/web/test_office_*.py).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.a11y import violations
from tests.web.kiosk_fixtures import *  # noqa: F403
from tests.web.kiosk_steps import enter_pin, tap_and_wait, wait_for_tiles

pytestmark = [pytest.mark.browser]


def test_the_checker_finds_a_missing_label(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/screening")
    assert violations(page) == []
    page.evaluate("document.querySelector('label[for=age]').remove()")
    assert any(v.startswith("label") for v in violations(page))


def test_the_public_screening_form_and_answer(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/screening")
    assert violations(page) == []
    page.get_by_label("Edad (años)").fill("200")
    page.get_by_role("button", name="Ver programas").click()
    expect(page.locator("#err-age")).to_be_visible()
    assert violations(page) == []  # the page with its errors shown
    page.get_by_label("Edad (años)").fill("70")
    page.get_by_role("group", name="¿La persona vive en la Ciudad de México?").get_by_label("No").check()
    page.get_by_role("button", name="Ver programas").click()
    expect(page.locator("#results")).to_be_visible()
    assert violations(page) == []  # the answer


def test_the_error_page(page) -> None:  # type: ignore[no-untyped-def]
    answer = page.goto("/office/no-such-page")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", name="No se encontró")).to_be_visible()
    assert violations(page) == []


@pytest.mark.pcsc
def test_the_kiosk_screens(kiosk, citizen, kiosk_slot) -> None:  # type: ignore[no-untyped-def]
    page = kiosk
    assert violations(page) == []  # idle
    tap_and_wait(page, kiosk_slot, citizen.applet)
    assert violations(page) == []  # PIN keypad
    enter_pin(page, citizen.pin)
    wait_for_tiles(page)
    assert violations(page) == []  # the citizen's options
    for tile in ("Mis solicitudes", "Mis programas", "Próximas entregas",
                 "Programas que podrían corresponderme", "Quién consultó mis datos y por qué"):
        page.get_by_role("link", name=tile).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert violations(page) == [], tile
        page.get_by_role("link", name="Volver a mis opciones").click()
        wait_for_tiles(page)
