"""The shipped development secrets open nothing outside an explicit development or test mode, and
those modes serve on loopback only; outside them cookies are always `Secure`.

Over HTTP: a server with real secrets refuses a JWT forged with the published development key,
and `redangel serve` started from an environment that names no mode refuses to start at all
(before, it started in development and accepted that JWT).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError

from redangel.auth import service as auth
from redangel.auth.service import _token_key
from redangel.config import DEV_SECRET_KEY, Settings, refuse_public_host
from tests.conftest import (
    ROOT,
    LiveServer,
    _free_port,
    make_settings,
    migrate,
    start_server,
)


def _real_secrets() -> dict[str, Any]:
    return {"secret_key": secrets.token_urlsafe(48),
            "key_encryption_key": base64.b64encode(os.urandom(32)).decode(),
            "blind_index_key": base64.b64encode(os.urandom(32)).decode()}


@pytest.fixture
def no_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment that names no mode and no secrets."""
    for name in list(os.environ):
        if name.startswith("REDANGEL_") and name not in ("REDANGEL_PROJECT_DIR",
                                                         "REDANGEL_TEST_POSTGRES_URL"):
            monkeypatch.delenv(name)


class TestSettings:
    def test_no_mode_with_the_shipped_secrets_refuses(self, no_mode: None) -> None:
        with pytest.raises(ValidationError) as refused:
            Settings(_env_file=None)
        words = str(refused.value)
        assert "REDANGEL_SECRET_KEY" in words and "REDANGEL_ENVIRONMENT=development" in words

    def test_production_refuses_any_one_shipped_secret(self, no_mode: None) -> None:
        real = _real_secrets()
        with pytest.raises(ValidationError, match="REDANGEL_SECRET_KEY"):
            Settings(_env_file=None, **{**real, "secret_key": DEV_SECRET_KEY})
        assert Settings(_env_file=None, **real).environment == "production"

    def test_cookies_are_secure_outside_development(self, no_mode: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        real = _real_secrets()
        assert Settings(_env_file=None, cookie_secure=False, **real).cookie_secure
        monkeypatch.setenv("REDANGEL_COOKIE_SECURE", "false")
        assert Settings(_env_file=None, **real).cookie_secure
        assert not Settings(_env_file=None, environment="development").cookie_secure

    @pytest.mark.parametrize("environment", ["development", "test"])
    def test_local_modes_serve_on_loopback_only(self, no_mode: None, environment: str) -> None:
        settings = Settings(_env_file=None, environment=environment)
        for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
            refuse_public_host(settings, host)
        for host in ("0.0.0.0", "::", "192.168.1.20", "kiosk.example"):
            with pytest.raises(ValueError, match="loopback only"):
                refuse_public_host(settings, host)

    def test_production_with_real_secrets_serves_any_host(self, no_mode: None) -> None:
        refuse_public_host(Settings(_env_file=None, **_real_secrets()), "0.0.0.0")


def _serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`redangel serve ARGS` in a clean environment; it must answer (refuse) within 30 s."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REDANGEL_")}
    return subprocess.run([sys.executable, "-m", "redangel.cli", "serve", *args],
                          env={**clean, "REDANGEL_PROJECT_DIR": str(ROOT), **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=30, check=False)


class TestServe:
    def test_no_mode_does_not_start_with_the_shipped_secrets(self, tmp_path: Path) -> None:
        port = _free_port()
        try:
            done = _serve({"REDANGEL_DATA_DIR": str(tmp_path)}, "--port", str(port))
        except subprocess.TimeoutExpired:
            pytest.fail("redangel serve started with the published development secrets")
        assert done.returncode == 2, done.stderr
        assert "refusing to start" in done.stderr and "REDANGEL_SECRET_KEY" in done.stderr
        assert "Traceback" not in done.stderr

    def test_development_refuses_a_public_host(self, tmp_path: Path) -> None:
        try:
            done = _serve({"REDANGEL_ENVIRONMENT": "development",
                           "REDANGEL_DATA_DIR": str(tmp_path)},
                          "--host", "0.0.0.0", "--port", str(_free_port()))
        except subprocess.TimeoutExpired:
            pytest.fail("redangel serve --host 0.0.0.0 started in development")
        assert done.returncode == 2, done.stderr
        assert "loopback only" in done.stderr and "0.0.0.0" in done.stderr


@pytest.fixture
def real_server(fresh_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own database, configured as for real: production, real secrets."""
    migrate(make_settings(fresh_url, tmp_path))  # the schema holds no secret
    settings = Settings(_env_file=None, environment="production", database_url=fresh_url,
                        data_dir=tmp_path, **_real_secrets())
    server = start_server(settings)
    yield server
    server.server.should_exit = True
    time.sleep(0.3)


def test_a_jwt_forged_with_the_development_key_is_refused(real_server: LiveServer) -> None:
    factory = real_server.app.state.sessionmaker  # type: ignore[attr-defined]
    with factory() as session:
        client, secret = auth.create_agency_client(session, agency_code="styfe")
        session.commit()
    with httpx.Client(base_url=real_server.url + "/api/v1", timeout=30) as http:
        issued = http.post("/auth/token", data={"grant_type": "client_credentials",
                                                "client_id": client.client_id,
                                                "client_secret": secret})
        assert issued.status_code == 200, issued.text
        genuine = issued.json()["access_token"]
        claims = jwt.decode(genuine, options={"verify_signature": False})
        published = _token_key(Settings(_env_file=None, environment="development"))
        forged = jwt.encode(claims, published, algorithm="HS256")
        for token, status in ((genuine, 200), (forged, 401)):
            answer = http.get("/agency/applications", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
