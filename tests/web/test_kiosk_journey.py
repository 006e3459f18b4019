"""A citizen at the kiosk, in a real browser, with a real card through the real PC/SC stack:
tap, PIN on screen, their applications and who looked at their data, and the card's removal
clearing the screen."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from redangel.common.clock import city_today
from redangel.web.templating import long_date
from tests.program.helpers import agency_client, approve, folio_of, move
from tests.web.kiosk_fixtures import *  # noqa: F403
from tests.web.kiosk_steps import enter_pin, remove_and_wait_idle, tap_and_wait, wait_for_tiles

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]
PRIVATE = ("Seguro contra la violencia familiar", "Apoyo a personas con discapacidad permanente")
PRIVACY_NOTE = ("Para proteger su privacidad, algunos apoyos nunca se muestran en esta pantalla. "
                "Puede preguntar por ellos en privado en cualquier módulo de Red Ángel.")


class TestKioskJourney:
    def test_tap_pin_applications_accesses_and_removal(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot, clerk, supervisor, screenshot) -> None:
        applied = clerk.post("/applications", json={"person_id": citizen.person_id,
                                                    "program": "comedores_comunitarios"})
        assert applied.status_code == 201, applied.text
        folio = applied.json()["folio"]
        expected = long_date(date.fromisoformat(applied.json()["expected_decision_on"]), "es")
        approved = folio_of(clerk, citizen.person_id, "servicios_medicos_gratuitos")
        for to in ("in_review", "approved"):  # the supervisor's approval enrols the person
            assert move(supervisor, approved, to).status_code == 200
        page = kiosk
        expect(page.get_by_role("heading", name="Acerque su tarjeta al lector")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "es"
        screenshot(page, "kiosk-idle")

        tap_and_wait(page, kiosk_slot, citizen.applet)
        expect(page.get_by_role("heading", name="Bienvenida o bienvenido. Su tarjeta fue leída.")
               ).to_be_visible()
        assert citizen.surname not in page.content()  # nothing personal before the PIN
        expect(page.get_by_label("Su NIP (4 a 6 dígitos)")).to_be_focused()

        enter_pin(page, "1111")  # a wrong PIN: tries left, in words
        expect(page.get_by_role("alert")).to_have_text("NIP incorrecto. Le quedan 2 intentos.")
        screenshot(page, "kiosk-pin")
        page.keyboard.type(citizen.pin)  # the physical keyboard works too
        page.keyboard.press("Enter")
        wait_for_tiles(page)
        expect(page.get_by_role("heading", name=re.compile("^Hola, "))).to_have_text(
            f"Hola, {citizen.given_names}")
        screenshot(page, "kiosk-home")

        page.get_by_role("link", name="Mis solicitudes").click()
        item = page.locator(".kiosk-list li", has_text=folio)
        expect(item).to_contain_text(f"Recibida; respuesta esperada el {expected}")
        screenshot(page, "kiosk-applications")

        page.get_by_role("link", name="Volver a mis opciones").click()
        page.get_by_role("link", name="Próximas entregas").click()
        expect(page.locator(".kiosk-list li").first).to_have_text(
            f"Comedores comunitarios: respuesta esperada el {expected}")

        page.get_by_role("link", name="Volver a mis opciones").click()
        page.get_by_role("link", name="Mis programas").click()
        enrolled = page.locator(".kiosk-list li", has_text="Servicios médicos y medicamentos gratuitos")
        expect(enrolled).to_contain_text(f"Activo desde el {long_date(city_today(), 'es')}")
        screenshot(page, "kiosk-programs")

        page.get_by_role("link", name="Volver a mis opciones").click()
        page.get_by_role("link", name="Programas que podrían corresponderme").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Programas que podrían corresponderme")
        expect(page.locator(".kiosk-list li").first).to_be_visible()
        for held in ("Comedores comunitarios", "Servicios médicos y medicamentos gratuitos"):
            expect(page.get_by_text(held, exact=True)).to_have_count(0)  # applied, or enrolled
        screenshot(page, "kiosk-eligible")

        page.get_by_role("link", name="Volver a mis opciones").click()
        page.get_by_role("link", name="Quién consultó mis datos y por qué").click()
        expect(page.locator(".accesses li", has_text="Módulo Iztapalapa ·").first).to_be_visible()
        screenshot(page, "kiosk-accesses")

        remove_and_wait_idle(page, kiosk_slot)
        expect(page.get_by_role("heading", name="Su sesión terminó")).to_be_visible()
        screenshot(page, "kiosk-ended")
        page.go_back()
        page.wait_for_load_state()
        body = page.locator("body").inner_text()
        assert citizen.given_names not in body and folio not in body
        assert re.search(r"/kiosk(/ended\?lang=es)?$", page.url), page.url
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    def test_english_for_one_citizen_then_spanish_again(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot) -> None:
        page = kiosk
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", name="Place your card on the reader")).to_be_visible()
        tap_and_wait(page, kiosk_slot, citizen.applet)
        enter_pin(page, citizen.pin)
        wait_for_tiles(page)
        expect(page.get_by_role("link", name="My applications")).to_be_visible()
        page.get_by_role("button", name="Finish").click()
        page.wait_for_url(re.compile(r".*/kiosk/ended\?lang=es$"))
        expect(page.get_by_role("heading", name="Su sesión terminó")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "es"

    def test_screening_at_the_kiosk_then_a_tap(self, kiosk, citizen, kiosk_slot) -> None:  # type: ignore[no-untyped-def]
        page = kiosk
        page.get_by_role("link", name="¿No tiene tarjeta? Vea qué programas podrían ayudarle").click()
        page.wait_for_url(re.compile(r".*/screening\?kiosk=1$"))
        expect(page.get_by_role("link", name="Volver al kiosco")).to_be_visible()
        page.get_by_label("Edad (años)").fill("70")
        tap_and_wait(page, kiosk_slot, citizen.applet)  # the card's screen replaces the form
        expect(page.get_by_label("Su NIP (4 a 6 dígitos)")).to_be_visible()

    def test_sensitive_programs_are_never_named_on_the_screen(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot, clerk, supervisor, live, sessions,
            screenshot) -> None:
        person = citizen.person_id
        tag = clerk.get(f"/persons/{person}").headers["etag"]
        assert clerk.patch(f"/persons/{person}", headers={"If-Match": tag}, json={"sensitive": {
            "disability": "permanent", "health_coverage": "none", "family_violence": True,
        }}).status_code == 200
        private = folio_of(clerk, person, "seguro_violencia_familiar")
        enrollment = approve(supervisor, folio_of(clerk, person, "apoyo_discapacidad"))
        dif = agency_client(live, sessions, "dif")
        assert dif.post(f"/enrollments/{enrollment}/deliveries", json={
            "delivered_on": city_today().isoformat(), "kind": "apoyo_mensual"}).status_code == 201
        dif.close()
        kitchens = folio_of(clerk, person, "comedores_comunitarios")
        page = kiosk
        tap_and_wait(page, kiosk_slot, citizen.applet)
        enter_pin(page, citizen.pin)
        wait_for_tiles(page)
        for tile, shown in (("Programas que podrían corresponderme",
                             "Servicios médicos y medicamentos gratuitos"),
                            ("Mis solicitudes", kitchens),
                            ("Mis programas", None), ("Próximas entregas", "Comedores comunitarios")):
            page.get_by_role("link", name=tile).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(tile)
            if shown:
                expect(page.locator("body")).to_contain_text(shown)
            expect(page.locator(".private-support")).to_have_text(PRIVACY_NOTE)
            body = page.locator("body").inner_text()
            assert [name for name in PRIVATE if name in body] == [], tile
            assert private not in body
            screenshot(page, "kiosk-private-" + tile.split()[-1].lower())
            page.get_by_role("link", name="Volver a mis opciones").click()
