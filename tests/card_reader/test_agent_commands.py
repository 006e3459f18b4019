"""`redangel-card desk` and `redangel-card kiosk --serve`: the commands desks and kiosks run.

Each is started as the process an office or kiosk starts, against the real service, and asked
over loopback what the page would ask.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.pcsc


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def command(*args: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-m", "card_reader.cli", *args], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=dict(os.environ, REDANGEL_LANG="es"))
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def _status(port: int, origin: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/status", headers={"Origin": origin}, timeout=5)
        except httpx.HTTPError:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"the agent exited ({process.returncode}): {out} {err}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_the_desk_agent_acts_for_the_signed_in_clerk(live: LiveServer, world, pcscd) -> None:  # type: ignore[no-untyped-def]
    token = httpx.post(f"{live.url}/api/v1/auth/login", timeout=30, json={
        "username": world.clerk, "password": world.password}).json()["session_token"]
    port = _port()
    with command("desk", "--token", token, "--service", live.url, "--port", str(port),
                 "--reader", "Virtual PCD 00 00") as process:
        answer = _status(port, live.url, process)
        assert answer.status_code == 200
        body = answer.json()
        assert body["signed_in_as"]["role"] == "clerk"
        assert body["reader_present"] is True and body["busy"] is False
        assert answer.headers["access-control-allow-origin"] == live.url
        refused = httpx.get(f"http://127.0.0.1:{port}/status",
                            headers={"Origin": "http://evil.example"}, timeout=5)
        assert refused.status_code == 403


def test_the_desk_agent_refuses_a_token_that_is_not_a_clerks(live: LiveServer, pcscd) -> None:  # type: ignore[no-untyped-def]
    with command("desk", "--token", "rs_not-a-real-session", "--service", live.url,
                 "--port", str(_port())) as process:
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "La sesión no es de personal de ventanilla o supervisión" in err, err


def test_the_kiosk_agent_serves_its_page(live: LiveServer, world, pcscd) -> None:  # type: ignore[no-untyped-def]
    port = _port()
    with command("kiosk", "--serve", "--device-token", world.kiosk_token, "--service", live.url,
                 "--reader", "Virtual PCD 00 01", "--port", str(port)) as process:
        answer = _status(port, live.url, process)
        assert answer.status_code == 200
        assert answer.json()["state"] == "idle"
        pin = httpx.post(f"http://127.0.0.1:{port}/pin", json={"pin": "1234"},
                         headers={"Origin": live.url}, timeout=5)
        assert pin.status_code == 409  # no card session to unlock
