"""Every acknowledged write survives the server being killed with SIGKILL mid-load."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from redangel.auth import service as auth
from redangel.cli.context import context
from redangel.config import Settings, get_settings
from tests.builders import person_payload
from tests.conftest import (
    ROOT,
    make_settings,
    migrate,
    unique_suffix,
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, REDANGEL_DATABASE_URL=settings.effective_database_url,
               REDANGEL_DATA_DIR=str(settings.data_dir), REDANGEL_ENVIRONMENT="test",
               REDANGEL_PROJECT_DIR=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "redangel.main:create_app", "--factory", "--port",
         str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start")


@pytest.fixture
def isolated(fresh_url: str, tmp_path: Path) -> Iterator[Settings]:
    """A migrated database of its own, for a server process to be killed on."""
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    yield settings


def test_acknowledged_writes_survive_sigkill(isolated: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDANGEL_DATABASE_URL", isolated.effective_database_url)
    monkeypatch.setenv("REDANGEL_ENVIRONMENT", "test")
    get_settings.cache_clear()
    ctx = context()
    get_settings.cache_clear()
    with ctx.sessions() as session:
        auth.create_user(session, username="killer", password="kill-test-password", role="clerk",
                         display_name="k", office_id=None)
        session.commit()
    ctx.engine.dispose()
    port = _port()
    server = _start(isolated, port)
    token = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                       json={"username": "killer", "password": "kill-test-password"}).json()["session_token"]
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=5,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            while not stop.is_set():
                try:
                    answer = client.post("/persons", json=person_payload(unique_suffix(), with_curp=False,
                                                                         address=None))
                except httpx.HTTPError:
                    return
                if answer.status_code == 201:
                    with lock:
                        acknowledged.append(answer.json()["id"])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) >= 40
    server = _start(isolated, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=10) as client:
            login = {"username": "killer", "password": "kill-test-password"}
            token = client.post("/auth/login", json=login).json()["session_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            missing = [pid for pid in acknowledged
                       if client.get(f"/persons/{pid}").status_code != 200]
        assert missing == []
    finally:
        server.terminate()
        server.wait(timeout=10)
