"""Signing in to the office console in a real browser."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


class TestSignIn:
    def test_a_page_needs_a_sign_in_and_returns_there(self, page, world, screenshot) -> None:  # type: ignore[no-untyped-def]
        page.goto("/office")
        assert "/office/login" in page.url
        assert page.locator("html").get_attribute("lang") == "es"
        screenshot(page, "office-login")
        sign_in(page, world.clerk, world.password)
        assert page.get_by_role("heading", name="Buscar persona").is_visible()

    def test_a_wrong_password_is_said_in_words(self, page, world) -> None:  # type: ignore[no-untyped-def]
        page.goto("/office/login")
        page.get_by_label("Usuario").fill(world.clerk)
        page.get_by_label("Contraseña").fill("not-the-password")
        page.get_by_role("button", name="Entrar").click()
        assert page.get_by_role("alert").inner_text() == "Usuario o contraseña incorrectos."
        assert page.get_by_label("Contraseña").get_attribute("aria-invalid") == "true"

    def test_english_is_one_click_away(self, page, world) -> None:  # type: ignore[no-untyped-def]
        page.goto("/office/login")
        page.get_by_role("link", name="English").click()
        assert page.get_by_role("heading", name="Sign in to the office console").is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        page.goto("/office/login")  # the choice is remembered
        assert page.get_by_label("User name").is_visible()

    def test_signing_out_ends_the_session(self, page, world) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        page.get_by_role("button", name="Salir").click()
        page.wait_for_url(re.compile(r".*/office/login$"))
        page.goto("/office")
        assert "/office/login" in page.url

    def test_a_form_without_its_csrf_token_is_refused(self, page, world, live) -> None:  # type: ignore[no-untyped-def]
        sign_in(page, world.clerk, world.password)
        answer = page.request.post(live.url + "/office/logout", form={"csrf_token": "forged"})
        assert answer.status == 403
        page.goto("/office")
        assert page.get_by_role("heading", name="Buscar persona").is_visible()

    def test_pages_are_never_cached(self, page, world, live) -> None:  # type: ignore[no-untyped-def]
        answer = page.request.get(live.url + "/office/login")
        assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
