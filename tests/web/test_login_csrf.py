"""The office sign-in refuses a form posted from another site (login CSRF), in words, and the
real form — fetched from /office/login, posted back with its pre-session token — signs in."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer

REFUSED = "no vino de la página de la consola del módulo"


@pytest.fixture
def browser(live: LiveServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client on the office console, as a browser would be."""
    with httpx.Client(base_url=live.url, timeout=30, follow_redirects=False) as client:
        yield client


def _form_token(client: httpx.Client) -> str:
    page = client.get("/office/login")
    assert page.status_code == 200
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def _credentials(world, token: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data = {"username": world.clerk, "password": world.password, "next": "/office"}
    return {**data, "login_token": token} if token is not None else data


def test_the_real_form_signs_in(browser: httpx.Client, world) -> None:  # type: ignore[no-untyped-def]
    token = _form_token(browser)
    answer = browser.post("/office/login", data=_credentials(world, token),
                          headers={"Origin": str(browser.base_url).rstrip("/"),
                                   "Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/office"
    assert "redangel_session" in answer.cookies
    assert browser.get("/office").status_code == 200


def test_a_form_posted_from_another_site_is_refused(browser: httpx.Client, world) -> None:  # type: ignore[no-untyped-def]
    token = _form_token(browser)  # even with this browser's own token
    for headers in ({"Origin": "https://evil.example"},
                    {"Referer": "https://evil.example/prize.html"},
                    {"Sec-Fetch-Site": "cross-site"}):
        answer = browser.post("/office/login", data=_credentials(world, token), headers=headers)
        assert answer.status_code == 403, (headers, answer.text[:300])
        assert REFUSED in answer.text
        assert "redangel_session" not in answer.cookies


def test_a_form_without_the_pages_token_is_refused(live: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    # Another site's page hides its origin (Referrer-Policy: no-referrer sends Origin: null)
    # and cannot read or send the sign-in cookie: without the token it is turned away.
    with httpx.Client(base_url=live.url, timeout=30) as stranger:
        for token in (None, "forged", "0" * 64):
            answer = stranger.post("/office/login", data=_credentials(world, token),
                                   headers={"Origin": "null"})
            assert answer.status_code == 403, answer.text[:300]
            assert REFUSED in answer.text
    with httpx.Client(base_url=live.url, timeout=30) as other:  # another browser's token
        token = _form_token(other)
    with httpx.Client(base_url=live.url, timeout=30) as stranger:
        _form_token(stranger)
        answer = stranger.post("/office/login", data=_credentials(world, token))
        assert answer.status_code == 403


def test_the_refusal_page_offers_a_fresh_form(browser: httpx.Client, world) -> None:  # type: ignore[no-untyped-def]
    refused = browser.post("/office/login", data=_credentials(world, "forged"))
    assert refused.status_code == 403
    token = re.search(r'name="login_token" value="([^"]+)"', refused.text)
    assert token
    answer = browser.post("/office/login", data=_credentials(world, token.group(1)))
    assert answer.status_code == 303, answer.text[:300]
