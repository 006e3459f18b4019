"""Each kind of actor authenticates its own way, and every forged or stale credential is refused."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from redangel.auth import service
from redangel.auth.service import _token_key
from tests.builders import person_payload
from tests.conftest import LiveServer, login, make_settings, migrate, start_server, unique_suffix


def agency_token(anon: httpx.Client, client_id: str, secret: str) -> str:
    answer = anon.post(
        "/auth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def as_agency(anon: httpx.Client, token: str) -> httpx.Response:
    return anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"})


def test_agency_token_works_and_forgeries_do_not(anon: httpx.Client, world, settings) -> None:  # type: ignore[no-untyped-def]
    token = agency_token(anon, world.agency_client_id, world.agency_secret)
    me = as_agency(anon, token)
    assert me.status_code == 200 and me.json()["kind"] == "agency"
    claims = jwt.decode(token, options={"verify_signature": False})
    now = int(time.time())
    forged = {
        "none": jwt.encode({**claims}, key=None, algorithm="none"),
        "wrong key": jwt.encode(claims, "x" * 32, algorithm="HS256"),
        "expired": jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 3600}, _token_key(settings), algorithm="HS256"
        ),
        "wrong audience": jwt.encode(
            {**claims, "aud": "someone-else"}, _token_key(settings), algorithm="HS256"
        ),
        "wrong issuer": jwt.encode({**claims, "iss": "evil"}, _token_key(settings), algorithm="HS256"),
    }
    for name, bad in forged.items():
        answer = as_agency(anon, bad)
        assert answer.status_code == 401, name
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_wrong_client_secret_and_grant_type(anon: httpx.Client, world) -> None:  # type: ignore[no-untyped-def]
    bad = anon.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": world.agency_client_id,
            "client_secret": "nope",
        },
    )
    assert bad.status_code == 401
    grant = anon.post("/auth/token", data={"grant_type": "password", "client_id": "x", "client_secret": "y"})
    assert grant.status_code == 422 and grant.json()["errors"][0]["field"] == "grant_type"


def test_a_revoked_agency_client_stops_at_once(anon: httpx.Client, sessions) -> None:  # type: ignore[no-untyped-def]

    with sessions() as session:
        client, secret = service.create_agency_client(session, agency_code="salud")
        session.commit()
    token = agency_token(anon, client.client_id, secret)
    assert as_agency(anon, token).status_code == 200
    with sessions() as session:
        service.revoke_agency_client(session, client_id=client.client_id)
        session.commit()
    assert as_agency(anon, token).status_code == 401


def test_cookie_sessions_need_the_csrf_token_on_writes(live: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    browser = httpx.Client(base_url=live.url + "/api/v1")
    signed_in = browser.post("/auth/login", json={"username": world.clerk, "password": world.password})
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert browser.get("/auth/me").status_code == 200
    refused = browser.post("/persons/search", json={"borough": "iztapalapa"})
    assert refused.status_code == 403 and refused.json()["code"] == "csrf"
    allowed = browser.post(
        "/persons/search",
        json={"borough": "iztapalapa"},
        headers={"X-CSRF-Token": signed_in.json()["csrf_token"]},
    )
    assert allowed.status_code == 200
    assert (
        browser.post("/auth/logout", headers={"X-CSRF-Token": signed_in.json()["csrf_token"]}).status_code
        == 204
    )
    assert browser.get("/auth/me").status_code == 401
    browser.close()


def test_wrong_password_and_unknown_user_look_the_same(anon: httpx.Client, world) -> None:  # type: ignore[no-untyped-def]
    wrong = anon.post("/auth/login", json={"username": world.clerk, "password": "wrong-password"})
    unknown = anon.post("/auth/login", json={"username": "nobody-here", "password": "wrong-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["title"] == unknown.json()["title"]


def test_roles_that_may_not_touch_records(live: LiveServer, world, clerk: httpx.Client) -> None:  # type: ignore[no-untyped-def]

    person = clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"]
    for user in (world.analyst, world.admin):
        other = login(live, user, world.password)
        assert other.get(f"/persons/{person}").status_code == 403
        assert other.post("/persons/search", json={"borough": "iztapalapa"}).status_code == 403
        other.close()


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer rs_forged", "Bearer a.b.c", "Bearer rk_x"])
def test_malformed_credentials_are_401(anon: httpx.Client, header: str) -> None:
    answer = anon.get("/auth/me", headers={"Authorization": header})
    assert answer.status_code == 401
    assert "WWW-Authenticate" in answer.headers


def test_rate_limits_answer_429_with_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]

    settings = make_settings(f"sqlite:///{tmp_path / 'limits.db'}", tmp_path, rate_limit_login_per_minute=3)
    migrate(settings)
    server = start_server(settings)
    try:
        with httpx.Client(base_url=server.url + "/api/v1") as client:
            answers = [client.post("/auth/login", json={"username": "x", "password": "y"}) for _ in range(5)]
        assert [a.status_code for a in answers][:3] == [401, 401, 401]
        limited = answers[-1]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["code"] == "rate_limited"
    finally:
        server.server.should_exit = True
