"""The browser harness: Debian's chromium, driven by Playwright, against the real server.

Pages are tested the way a person uses them: a real browser, real HTTP, the real database of the
backend under test. Screenshots of the main pages are written to
`test-artifacts/screenshots/<backend>/` for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import ROOT, LiveServer

CHROMIUM = os.environ.get("REDANGEL_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"



@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the session (never downloaded: Debian's package)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium")
    with sync_playwright() as playwright:
        # Spanish as a desk's or kiosk's chromium is set up (with Debian's chromium-l10n): date
        # fields read dd/mm/aaaa. The pages' own language never depends on it.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=es-MX"],
            env={**os.environ, "LANG": "es_MX.UTF-8", "LANGUAGE": "es_MX:es"})
        yield browser
        browser.close()


def _profile(browser: Any, live: LiveServer, **options: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies, no cache) at the live server; fails on script errors."""
    # A desk or kiosk in Mexico City: its browser's locale and clock (date fields read dd/mm/aaaa).
    context = browser.new_context(base_url=live.url, locale="es-MX",
                                  timezone_id="America/Mexico_City", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A desk's browser: a fresh profile on a 1280×900 screen."""
    yield from _profile(browser, live, viewport={"width": 1280, "height": 900})


@pytest.fixture
def kiosk_page(browser: Any, live: LiveServer) -> Iterator[Any]:
    """A browser profile shaped like a kiosk screen (1080p, touch)."""
    yield from _profile(browser, live, viewport={"width": 1920, "height": 1080}, has_touch=True)


@pytest.fixture
def screenshot(backend: str) -> Any:
    """Save a full-page screenshot under test-artifacts/screenshots/<backend>/<name>.png."""

    def take(page: Any, name: str) -> Path:
        path = SHOTS / backend / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in on the office console's form, as a clerk does."""
    page.goto("/office/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/office")
