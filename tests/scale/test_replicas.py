"""Reads from a real streaming replica: a hot standby made with pg_basebackup -R, started by
the test itself (scripts/_replica.sh).

With the standby's replay paused, a person written on the primary is invisible on the replica:
a search that does not find them was served by the replica, one that does by the primary. So:
a clerk who just wrote finds their own write (read-your-writes), another clerk's search is
served by the replica (and its audit event is still committed on the primary), a lagging
replica is skipped, and a replica that is down — or never answered — is skipped without an
error.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from redangel.program.service import sync_catalog
from tests.builders import World, build_world, person_payload
from tests.conftest import LiveServer, _free_port, login, make_settings, migrate, start_server
from tests.scale.conftest import StandbyPair


def caught_up(pair: StandbyPair) -> None:
    """Wait until the standby has replayed everything the primary wrote so far."""
    with psycopg.connect(pair.primary, autocommit=True) as primary:
        lsn = primary.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]  # type: ignore[index]
    with psycopg.connect(pair.standby, autocommit=True) as standby:
        for _ in range(300):
            done = standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()
            if done and done[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def replay(pair: StandbyPair, action: str) -> None:
    with psycopg.connect(pair.standby, autocommit=True) as standby:
        standby.execute(f"SELECT pg_wal_replay_{action}()")


@pytest.fixture(scope="module")
def registry(standby_pair: StandbyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated registry on the primary, its replica's address, and its people."""
    with psycopg.connect(standby_pair.primary, autocommit=True) as conn:
        conn.execute("CREATE DATABASE redangel")
    primary = standby_pair.database(standby_pair.primary, "redangel")
    replica = standby_pair.database(standby_pair.standby, "redangel")
    nowhere = f"postgresql://postgres:postgres@127.0.0.1:{_free_port()}/redangel"
    folder = tmp_path_factory.mktemp("replicas")
    base = make_settings(primary, folder)
    migrate(base)
    yield {"primary": primary, "replica": replica, "nowhere": nowhere, "folder": folder}


def serve(registry: dict[str, Any], folder: Path, **overrides: object) -> LiveServer:
    settings = make_settings(
        registry["primary"], folder,
        database_replica_urls=f"{registry['nowhere']},{registry['replica']}",
        replica_check_seconds=0.2, rate_limit_login_per_minute=1000, **overrides)
    return start_server(settings)


def search(client: httpx.Client, curp: str) -> int:
    answer = client.post("/persons/search", json={"curp": curp})
    assert answer.status_code == 200, answer.text
    return len(answer.json()["items"])


def reader(server: LiveServer, token: str) -> httpx.Client:
    """A client that signed in earlier and has written nothing since (no write marker)."""
    return httpx.Client(base_url=server.url + "/api/v1", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def searches_events(primary: str, actor_id: str) -> int:
    with psycopg.connect(primary.replace("+psycopg", "")) as conn:
        row = conn.execute("SELECT count(*) FROM audit_event WHERE action = 'person.search' "
                           "AND actor_id = %s", (actor_id,)).fetchone()
    return int(row[0]) if row else 0


def test_replica_serves_searches_and_each_client_reads_its_writes(
        standby_pair: StandbyPair, registry: dict[str, Any], tmp_path: Path) -> None:
    server = serve(registry, tmp_path, replica_max_lag_seconds=300, read_your_writes_seconds=300)
    lagging = serve(registry, tmp_path / "strict", replica_max_lag_seconds=0.5,
                    read_your_writes_seconds=10)
    try:
        with server.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
            sync_catalog(session, server.app.state.catalog)  # type: ignore[attr-defined]
            world: World = build_world(session)
            session.commit()
        writer = login(server, world.clerk, world.password)
        signed_in = writer.post("/auth/login", json={"username": world.supervisor,
                                                     "password": world.password})
        assert signed_in.status_code == 200
        other = reader(server, signed_in.json()["session_token"])
        supervisor_id = str(signed_in.json()["user_id"])
        caught_up(standby_pair)
        replay(standby_pair, "pause")
        try:
            created = writer.post("/persons", json=person_payload(uuid.uuid4().hex[:6]))
            assert created.status_code == 201, created.text
            assert writer.cookies.get("redangel_wrote")
            curp = created.json()["curp"]
            # The writer reads the primary: its own write is there.
            assert search(writer, curp) == 1
            # Another clerk's search is served by the paused replica: not there yet.
            before = searches_events(registry["primary"], supervisor_id)
            assert search(other, curp) == 0
            # ... and its audit event was committed on the primary before the answer.
            assert searches_events(registry["primary"], supervisor_id) == before + 1
            # A client sending back the write's time reads the primary too.
            wrote_at = created.headers["redangel-wrote-at"]
            other.headers["Redangel-Wrote-At"] = wrote_at
            assert search(other, curp) == 1
            del other.headers["Redangel-Wrote-At"]
            # A server allowing half a second of lag skips the paused, lagging replica.
            time.sleep(1.0)
            strict = reader(lagging, signed_in.json()["session_token"])
            assert search(strict, curp) == 1
            strict.close()
        finally:
            replay(standby_pair, "resume")
        caught_up(standby_pair)
        assert search(other, curp) == 1
        # The replica goes down: searches are served by the primary, without an error.
        with psycopg.connect(standby_pair.standby, autocommit=True) as standby:
            data_dir = standby.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
        stop_standby(data_dir)
        time.sleep(0.3)
        assert search(other, curp) == 1
        writer.close()
        other.close()
    finally:
        lagging.stop()
        server.stop()


def stop_standby(data_dir: str) -> None:
    """Stop the standby as its owner would (the pair's teardown removes it)."""
    script = Path(data_dir).parent
    command = ["/usr/bin/env", "bash", "-c",
               f'bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); '
               f'if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "{data_dir}" '
               f'-m fast -w stop; else "$bin/pg_ctl" -D "{data_dir}" -m fast -w stop; fi']
    subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=script)
