"""Wrong passwords slow the address they come from, not the account: an attacker guessing a
clerk's password from one place cannot lock the clerk out of the office, and waits longer and
longer (429 with a growing Retry-After) — on the API's sign-in and on the office page's."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from redangel.config import Settings
from tests.conftest import LiveServer, start_server

WRONG_TRIES = 15
FREE = 5  # attempts per (account, address) before the delays begin


@pytest.fixture(scope="module")
def doors(settings: Settings, live: LiveServer) -> Iterator[LiveServer]:
    """A server with the shipped sign-in limits (ten a minute per address, delays after five
    attempts; the suite's own server allows more), on the test database."""
    server = start_server(settings.model_copy(update={"rate_limit_login_per_minute": 10,
                                                      "login_free_attempts": FREE}))
    yield server
    server.stop()


def _from(live: LiveServer, address: str) -> httpx.Client:
    """A client whose requests come from another loopback address."""
    return httpx.Client(base_url=live.url, transport=httpx.HTTPTransport(local_address=address),
                        timeout=30)


def _api(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def _page(client: httpx.Client, username: str, password: str) -> httpx.Response:
    form = client.get("/office/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    return client.post("/office/login", data={"username": username, "password": password,
                                              "login_token": token.group(1) if token else ""})


DOORS = {"api": (_api, 200), "page": (_page, 303)}


@pytest.fixture(params=sorted(DOORS))
def door(request: pytest.FixtureRequest) -> Iterator[tuple[Callable[..., httpx.Response], int, int]]:
    """A sign-in door, the status of a correct sign-in there, and a network of its own."""
    attempt, ok = DOORS[str(request.param)]
    yield attempt, ok, 10 if request.param == "api" else 11


def test_an_attacker_elsewhere_does_not_lock_the_clerk_out(  # type: ignore[no-untyped-def]
    doors: LiveServer, world, door, backend: str,
) -> None:
    attempt, ok, net = door
    net += 10 if backend == "postgresql" else 0
    with _from(doors, f"127.0.{net}.1") as attacker:
        answers = [attempt(attacker, world.clerk, f"guess-{n}") for n in range(WRONG_TRIES)]
    with _from(doors, f"127.0.{net}.2") as desk:  # the clerk, at the office
        assert attempt(desk, world.clerk, world.password).status_code == ok
    assert [a.status_code for a in answers[:FREE]] == [401] * FREE
    assert {a.status_code for a in answers[FREE:]} == {429}


def test_the_attacker_waits_longer_and_longer(  # type: ignore[no-untyped-def]
    doors: LiveServer, world, door, backend: str,
) -> None:
    attempt, _ok, net = door
    net += 30 if backend == "postgresql" else 20
    waits = []
    with _from(doors, f"127.0.{net}.1") as attacker:
        for n in range(FREE):
            assert attempt(attacker, world.supervisor, f"guess-{n}").status_code == 401
        for n in range(2):
            refused = attempt(attacker, world.supervisor, "guess-again")
            assert refused.status_code == 429, refused.text
            waits.append(int(refused.headers["Retry-After"]))
            time.sleep(waits[-1])
            assert attempt(attacker, world.supervisor, f"late-{n}").status_code == 401
        # even the right password waits its turn from the attacker's address
        assert attempt(attacker, world.supervisor, world.password).status_code == 429
    assert waits == [1, 2], waits


def test_a_correct_password_starts_the_address_afresh(doors: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    with _from(doors, "127.0.50.1") as desk:
        for n in range(FREE - 1):
            assert _api(desk, world.other_clerk, f"typo-{n}").status_code == 401
        assert _api(desk, world.other_clerk, world.password).status_code == 200
        for n in range(FREE - 1):  # the typos before the sign-in are forgotten
            assert _api(desk, world.other_clerk, f"typo-{n}").status_code == 401
        assert _api(desk, world.other_clerk, world.password).status_code == 200
