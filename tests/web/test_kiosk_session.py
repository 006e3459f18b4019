"""How a kiosk session ends or is refused: a minute without a touch, a revoked card, a kiosk
that was never set up."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from redangel.auth.kiosk_models import KioskSession
from tests.web.kiosk_fixtures import *  # noqa: F403
from tests.web.kiosk_steps import (
    device_client,
    enter_pin,
    setup_kiosk,
    tap_and_wait,
    wait_for_tiles,
)

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]


def _last_seen(sessions, person_id: str):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(KioskSession.last_seen_at).where(
            KioskSession.person_id == uuid.UUID(person_id), KioskSession.ended_at.is_(None)))


class TestKioskSession:
    def test_pages_asked_for_are_activity_and_the_poll_is_not(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot, sessions) -> None:
        page = kiosk
        tap_and_wait(page, kiosk_slot, citizen.applet)
        enter_pin(page, citizen.pin)
        wait_for_tiles(page)
        polled = lambda r: r.url.endswith("/kiosk/state")  # noqa: E731
        with page.expect_response(polled):
            pass
        seen = _last_seen(sessions, citizen.person_id)
        for _ in range(2):  # two more background polls of the screen
            with page.expect_response(polled):
                pass
        assert _last_seen(sessions, citizen.person_id) == seen
        page.get_by_role("link", name="Próximas entregas").click()
        expect(page.get_by_role("heading", name="Fechas próximas")).to_be_visible()
        assert _last_seen(sessions, citizen.person_id) > seen

    def test_a_blocked_pin_sends_the_citizen_to_an_office(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot) -> None:
        page = kiosk
        tap_and_wait(page, kiosk_slot, citizen.applet)
        for said in ("NIP incorrecto. Le quedan 2 intentos.", "NIP incorrecto. Le queda 1 intento."):
            enter_pin(page, "9999")
            expect(page.get_by_role("alert")).to_have_text(said)
        enter_pin(page, "9999")
        expect(page.get_by_role("alert")).to_have_text(
            "El NIP está bloqueado. Acuda a un módulo para desbloquearlo.")
        expect(page.locator("button[data-key='ok']")).to_be_disabled()

    def test_a_minute_without_a_touch_ends_the_session(  # type: ignore[no-untyped-def]
            self, kiosk_page, kiosk_agent, citizen, kiosk_slot, world, live) -> None:
        page = kiosk_page
        page.clock.install()
        setup_kiosk(page, world.kiosk_token)
        tap_and_wait(page, kiosk_slot, citizen.applet)
        enter_pin(page, citizen.pin)
        wait_for_tiles(page)
        page.get_by_role("link", name="Mis programas").click()
        page.wait_for_url(re.compile(r".*/kiosk/me/programs$"))
        page.clock.fast_forward("00:30")  # half a minute: still there
        expect(page.get_by_role("heading", name="Mis programas")).to_be_visible()
        page.clock.fast_forward("00:31")
        page.wait_for_url(re.compile(r".*/kiosk/ended\?lang=es$"))
        with device_client(live, world.kiosk_token) as device:
            assert device.get("/kiosk/sessions/current").status_code == 404
        page.goto("/kiosk/me")
        assert re.search(r"/kiosk$", page.url)  # nothing to see without a session
        expect(page.get_by_role("status")).to_have_text(
            "Su sesión terminó. Retire su tarjeta, por favor.")

    def test_a_revoked_card_is_refused_in_words(  # type: ignore[no-untyped-def]
            self, kiosk, citizen, kiosk_slot, clerk, screenshot) -> None:
        reported = clerk.post(f"/cards/{citizen.serial}/report", json={"status": "lost"})
        assert reported.status_code == 200, reported.text
        kiosk_slot.insert(citizen.applet)
        status = kiosk.get_by_role("status")
        expect(status).to_have_text("Esta tarjeta fue dada de baja; acuda a un módulo.")
        assert kiosk.url.endswith("/kiosk")
        screenshot(kiosk, "kiosk-refused")

    def test_a_kiosk_without_its_device_cookie_goes_to_setup(  # type: ignore[no-untyped-def]
            self, kiosk_page, live) -> None:
        kiosk_page.goto("/kiosk")
        assert kiosk_page.url.endswith("/kiosk/setup")
        kiosk_page.goto("/kiosk/me/applications")
        assert kiosk_page.url.endswith("/kiosk/setup")
        kiosk_page.get_by_label("Token del dispositivo").fill("rk_not-a-real-token")
        kiosk_page.get_by_role("button", name="Guardar").click()
        expect(kiosk_page.get_by_role("alert")).to_contain_text("no es válido")
        answer = kiosk_page.request.get(live.url + "/kiosk/setup")
        assert answer.headers["cache-control"] == "no-store"
