"""Test harness: every API test runs against a real server over HTTP, on SQLite and PostgreSQL.

The schema is built by the Alembic migrations, exactly as in production. Tests isolate
themselves by creating their own people (unique names, valid CURPs), not by rolling back, so
that the server they talk to is the real one in its own thread.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from redangel.cli.database import upgrade
from redangel.config import Settings
from redangel.db import make_engine
from redangel.main import create_app
from redangel.program.service import sync_catalog
from tests.builders import build_world

BACKENDS = ("sqlite", "postgresql")
ADMIN_URL = os.environ.get("REDANGEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[1]


def postgres_database(name: str) -> str:
    """Create a fresh PostgreSQL database and return its URL (fails loudly if PG is down)."""
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for the test suite and is not reachable at "
                    f"{ADMIN_URL}: {exc}. Run scripts/test, which installs and starts it.")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(name: str) -> None:
    """Drop a database made by `postgres_database`."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(backend: str, tmp_path: Path, label: str) -> Iterator[str]:
    """The URL of a new, empty database of the backend; a PostgreSQL one is dropped afterwards,
    also when the block fails. Callers migrate it themselves (some to a chosen revision)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{label}.db'}"
        return
    name = f"redangel_{label}_{os.getpid()}"
    url = postgres_database(name)
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of its own for one test (see `fresh_database`)."""
    with fresh_database(backend, tmp_path, "fresh") as url:
        yield url


def make_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    """Test settings for a database URL."""
    return Settings(environment="test", database_url=url, data_dir=data_dir, **overrides)  # type: ignore[arg-type]


def migrate(settings: Settings) -> None:
    """Build the schema with the migrations."""
    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    upgrade(settings)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind a test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A migrated database of the backend, and settings pointing at it."""
    data_dir = tmp_path_factory.mktemp(f"data-{backend}")
    with fresh_database(backend, data_dir, "test") as url:
        config = make_settings(url, data_dir, rate_limit_login_per_minute=1000, login_free_attempts=1000,
                               desk_agent_url=f"http://127.0.0.1:{_free_port()}",
                               kiosk_agent_url=f"http://127.0.0.1:{_free_port()}",
                               rate_limit_search_per_minute=100_000, rate_limit_card_per_minute=100_000,
                               rate_limit_folio_per_minute=100_000,
                               audit_checkpoint_every=50)
        migrate(config)
        yield config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running redangel server and its app."""

    url: str
    app: object
    server: uvicorn.Server
    thread: threading.Thread | None = None

    def stop(self) -> None:
        """Shut the server down (its lifespan's shutdown included) and wait until it has."""
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)


def start_server(settings: Settings) -> LiveServer:
    """Start the app with uvicorn in a thread and wait until it answers."""
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, server, thread)


@pytest.fixture(scope="session")
def live(settings: Settings) -> Iterator[LiveServer]:
    """The real service over HTTP on loopback."""
    server = start_server(settings)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sessions(settings: Settings, live: LiveServer):  # type: ignore[no-untyped-def]
    """A session factory on the test database, configured like the app's (audit included)."""
    return live.app.state.sessionmaker  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def keyring(live: LiveServer):  # type: ignore[no-untyped-def]
    """The running server's keyring."""
    return live.app.state.keyring  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def engine(settings: Settings):  # type: ignore[no-untyped-def]
    """An engine on the test database for direct inspection."""
    eng = make_engine(settings.effective_database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def world(live: LiveServer, sessions):  # type: ignore[no-untyped-def]
    """Offices, staff of every role, an agency client and a kiosk device."""
    with sessions() as session:
        sync_catalog(session, live.app.state.catalog)  # type: ignore[attr-defined]
        result = build_world(session)
        session.commit()
    return result


@pytest.fixture
def anon(live: LiveServer) -> Iterator[httpx.Client]:
    """An unauthenticated HTTP client."""
    with httpx.Client(base_url=live.url + "/api/v1", timeout=30) as client:
        yield client


def login(live: LiveServer, username: str, password: str) -> httpx.Client:
    """An HTTP client signed in as a staff member (bearer session token)."""
    client = httpx.Client(base_url=live.url + "/api/v1", timeout=30)
    answer = client.post("/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    client.headers["Authorization"] = f"Bearer {answer.json()['session_token']}"
    return client


@pytest.fixture
def clerk(live: LiveServer, world) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A clerk of the Iztapalapa office."""
    client = login(live, world.clerk, world.password)
    yield client
    client.close()


@pytest.fixture
def other_clerk(live: LiveServer, world) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A clerk of the Coyoacán office."""
    client = login(live, world.other_clerk, world.password)
    yield client
    client.close()


@pytest.fixture
def supervisor(live: LiveServer, world) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """The supervisor of the Iztapalapa office: decides applications the clerk submits."""
    client = login(live, world.supervisor, world.password)
    yield client
    client.close()


def unique_suffix() -> str:
    """Letters that make a test's names unique across the session."""
    digits = uuid.uuid4().int
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    out = []
    for _ in range(6):
        digits, r = divmod(digits, len(letters))
        out.append(letters[r])
    return "".join(out).capitalize()
