"""What the tests past one machine start themselves: a Redis server, `redangel serve` with
several worker processes, and a PostgreSQL hot standby (see `replica.py`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import redis

from redangel.config import Settings
from tests.conftest import ROOT, _free_port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is required (scripts/test installs the Debian package)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Workers:
    """`redangel serve --workers N` in a subprocess: real worker processes on one port."""

    def __init__(self, settings: Settings, workers: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "redangel.cli", "serve", "--port", str(self.port),
             "--workers", str(workers)],
            env={**os.environ, "REDANGEL_ENVIRONMENT": "test",
                 "REDANGEL_DATABASE_URL": settings.effective_database_url,
                 "REDANGEL_DATA_DIR": str(settings.data_dir), "REDANGEL_PROJECT_DIR": str(ROOT),
                 "REDANGEL_LOG_FORMAT": "text", **env},
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 180  # four workers importing the app on a busy machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode() if self.process.stderr else "")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("redangel serve did not answer")

    def stop(self) -> None:
        """Stop the server and its workers."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class StandbyPair:
    """A throwaway PostgreSQL primary and its hot standby (scripts/_replica.sh)."""

    primary: str
    standby: str

    def database(self, url: str, name: str) -> str:
        """The address of database `name` on the cluster at `url`."""
        return url.rsplit("/", 1)[0] + f"/{name}"


def _free_ports(count: int) -> list[int]:
    """Ports for the pair: the first free ones from 5433 (a fresh machine has them all)."""
    found = []
    for port in range(5433, 5500):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError("no free ports for the replica clusters")


@pytest.fixture(scope="module")
def standby_pair() -> Iterator[StandbyPair]:
    """A primary and its streaming hot standby, made with pg_basebackup -R and removed after."""
    folder = tempfile.mkdtemp(prefix="redangel-replica-", dir="/tmp")
    script = ROOT / "scripts" / "_replica.sh"
    primary, standby = _free_ports(2)
    started = subprocess.run([str(script), "start", folder, str(primary), str(standby)],
                             capture_output=True, text=True, timeout=120, check=False)
    if started.returncode != 0:
        subprocess.run([str(script), "stop", folder], capture_output=True, timeout=60, check=False)
        pytest.fail(f"the replica clusters did not start: {started.stderr[-2000:]}")
    try:
        yield StandbyPair(f"postgresql://postgres:postgres@127.0.0.1:{primary}/postgres",
                          f"postgresql://postgres:postgres@127.0.0.1:{standby}/postgres")
    finally:
        subprocess.run([str(script), "stop", folder], capture_output=True, timeout=60, check=False)
