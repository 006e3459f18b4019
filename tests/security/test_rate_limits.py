"""Rate limits on sign-in, search and card endpoints count per client address *and* per
principal: changing address does not reset them, and one noisy caller does not lock out a
colleague elsewhere. Sign-in is slowed per (account, address) instead (tests/security/
test_login_lockout.py), so nobody can lock an account for everyone. Over a limit: 429 +
Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builders import World, build_world, person_payload
from tests.conftest import LiveServer, make_settings, migrate, start_server, unique_suffix

LIMIT = 3


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    """A server of its own (SQLite) whose login, search and card limits are 3 a minute."""
    data = Path(tmp_path_factory.mktemp("limits"))
    settings = make_settings(f"sqlite:///{data / 'limits.db'}", data,
                             rate_limit_login_per_minute=LIMIT,
                             rate_limit_search_per_minute=LIMIT,
                             rate_limit_card_per_minute=LIMIT)
    migrate(settings)
    server = start_server(settings)
    with server.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        world = build_world(session)
        session.commit()
    yield server, world
    server.server.should_exit = True


def _fresh_window() -> None:
    """Limits count in one-minute windows: don't start a test in the last seconds of one."""
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)


def _from(server: LiveServer, address: str, token: str | None = None) -> httpx.Client:
    """A client whose requests come from another loopback address."""
    transport = httpx.HTTPTransport(local_address=address)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.url + "/api/v1", transport=transport, headers=headers)


def _session(server: LiveServer, address: str, username: str, password: str) -> str:
    with _from(server, address) as client:
        answer = client.post("/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["session_token"])


def _limited(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.json()["code"] == "rate_limited"


def test_guessing_from_many_addresses_does_not_lock_the_account(limited) -> None:  # type: ignore[no-untyped-def]
    server, world = limited
    _fresh_window()
    wrong = {"username": world.supervisor, "password": "not-the-password"}
    for index in range(LIMIT):
        with _from(server, f"127.0.1.{index + 1}") as client:
            assert client.post("/auth/login", json=wrong).status_code == 401
    with _from(server, "127.0.1.99") as client:  # a new address: the account is not locked
        assert client.post("/auth/login", json=wrong).status_code == 401
    with _from(server, "127.0.1.98") as desk:  # and its owner signs in
        right = {"username": world.supervisor, "password": world.password}
        assert desk.post("/auth/login", json=right).status_code == 200


def test_one_address_is_limited_on_sign_in_whatever_account_it_tries(limited) -> None:  # type: ignore[no-untyped-def]
    server, world = limited
    _fresh_window()
    with _from(server, "127.0.1.200") as client:
        for index in range(LIMIT):
            answer = client.post("/auth/login", json={"username": f"guess-{index}", "password": "x"})
            assert answer.status_code == 401
        _limited(client.post("/auth/login", json={"username": world.clerk, "password": "x"}))


def test_one_address_is_limited_whatever_account_it_tries(limited) -> None:  # type: ignore[no-untyped-def]
    server, _world = limited
    _fresh_window()
    with _from(server, "127.0.2.1") as client:
        for index in range(LIMIT):
            answer = client.post("/auth/token", data={
                "grant_type": "client_credentials", "client_id": f"guess-{index}",
                "client_secret": "x"})
            assert answer.status_code == 401
        _limited(client.post("/auth/token", data={
            "grant_type": "client_credentials", "client_id": "guess-x", "client_secret": "x"}))


def test_search_is_limited_per_clerk_across_addresses(limited) -> None:  # type: ignore[no-untyped-def]
    server, world = limited
    _fresh_window()
    token = _session(server, "127.0.3.1", world.clerk, world.password)
    for index in range(LIMIT):
        with _from(server, f"127.0.3.{index + 10}", token) as clerk:
            assert clerk.post("/persons/search", json={"name": "Ana López"}).status_code == 200
    with _from(server, "127.0.3.99", token) as clerk:
        _limited(clerk.post("/persons/search", json={"name": "Ana López"}))
    colleague = _session(server, "127.0.3.2", world.other_clerk, world.password)
    with _from(server, "127.0.3.98", colleague) as other:
        assert other.post("/persons/search", json={"name": "Ana López"}).status_code == 200


def test_card_endpoints_are_limited_per_device_across_addresses(limited) -> None:  # type: ignore[no-untyped-def]
    server, world = limited
    _fresh_window()
    for index in range(LIMIT):
        with _from(server, f"127.0.4.{index + 1}", world.kiosk_token) as kiosk:
            assert kiosk.post("/kiosk/challenges").status_code == 201
    with _from(server, "127.0.4.99", world.kiosk_token) as kiosk:
        _limited(kiosk.post("/kiosk/challenges"))


def test_card_endpoints_are_limited_per_address(limited) -> None:  # type: ignore[no-untyped-def]
    server, _world = limited
    _fresh_window()
    with _from(server, "127.0.5.1") as nobody:
        for _ in range(LIMIT):
            assert nobody.post("/kiosk/challenges").status_code == 401
        _limited(nobody.post("/kiosk/challenges"))


def test_the_duplicate_check_at_the_door_is_limited_like_a_search(limited) -> None:  # type: ignore[no-untyped-def]
    """Each registration looks across the city for the person: it counts as a search, per clerk
    across addresses, on the API and on the enrollment page alike."""
    server, _world = limited
    with server.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        fresh = build_world(session)  # accounts no earlier test in this module has used up
        session.commit()
    _fresh_window()
    token = _session(server, "127.0.4.1", fresh.clerk, fresh.password)
    for index in range(LIMIT):
        with _from(server, f"127.0.4.{index + 10}", token) as clerk:
            assert clerk.post("/persons", json=person_payload(unique_suffix())).status_code == 201
    with _from(server, "127.0.4.99", token) as clerk:
        _limited(clerk.post("/persons", json=person_payload(unique_suffix())))
    transport = httpx.HTTPTransport(local_address="127.0.4.98")
    with httpx.Client(base_url=server.url, transport=transport) as office:
        signed = office.post("/api/v1/auth/login",
                             json={"username": fresh.clerk, "password": fresh.password})
        assert signed.status_code == 200
        page = office.post("/office/persons/new", data={
            "csrf_token": signed.json()["csrf_token"], "given_names": "Ana",
            "first_surname": unique_suffix(), "sex": "M", "birth_date": "1980-01-01"})
        assert page.status_code == 429
