"""The analysts' console and its refresh read from a real streaming replica (a hot standby made
with pg_basebackup -R by scripts/_replica.sh), and the refresh writes its figures on the primary.

With the standby's replay paused, persons and a refresh written on the primary are invisible on
the replica: a page that still shows the earlier figures was served by the replica, and a
refresh that counts fewer persons than the primary holds read the replica.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
from tests.conftest import ROOT, LiveServer, login, make_settings, migrate, start_server
from tests.scale.conftest import StandbyPair
from tests.scale.test_replicas import caught_up, replay, stop_standby

CSV = "/office/analytics/quality/curp.csv"


@pytest.fixture(scope="module")
def registry(standby_pair: StandbyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A migrated registry on the primary and its replica's address."""
    with psycopg.connect(standby_pair.primary, autocommit=True) as conn:
        conn.execute("CREATE DATABASE redangel")
    primary = standby_pair.database(standby_pair.primary, "redangel")
    replica = standby_pair.database(standby_pair.standby, "redangel")
    folder = tmp_path_factory.mktemp("analytics-replica")
    migrate(make_settings(primary, folder))
    yield {"primary": primary, "replica": replica, "folder": folder}


def refresh(registry: dict[str, Any], *, replica: bool) -> str:
    """`redangel analytics refresh --full` as an operator runs it, with or without the replica."""
    env = {**os.environ, "REDANGEL_ENVIRONMENT": "test", "REDANGEL_DATABASE_URL": registry["primary"],
           "REDANGEL_DATA_DIR": str(registry["folder"]), "REDANGEL_PROJECT_DIR": str(ROOT),
           "REDANGEL_DATABASE_REPLICA_URLS": registry["replica"] if replica else "",
           "REDANGEL_REPLICA_MAX_LAG_SECONDS": "300", "REDANGEL_READ_YOUR_WRITES_SECONDS": "300"}
    done = subprocess.run([sys.executable, "-m", "redangel.cli", "analytics", "refresh", "--full"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def counted(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


LIVING = "SELECT count(*) FROM person WHERE deceased_on IS NULL"
LAST_RUN = "SELECT persons FROM analytics_run ORDER BY id DESC LIMIT 1"
READS = "SELECT count(*) FROM audit_event WHERE action = 'analytics.read'"


def test_the_console_and_its_refresh_read_the_replica_and_write_the_primary(
        standby_pair: StandbyPair, registry: dict[str, Any], tmp_path: Path) -> None:
    server: LiveServer = start_server(make_settings(
        registry["primary"], tmp_path, database_replica_urls=registry["replica"],
        replica_check_seconds=0.2, replica_max_lag_seconds=300, read_your_writes_seconds=300,
        rate_limit_login_per_minute=1000))
    try:
        with server.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
            sync_catalog(session, server.app.state.catalog)  # type: ignore[attr-defined]
            world: World = build_world(session)
            session.commit()
        clerk = login(server, world.clerk, world.password)
        for _ in range(3):
            created = clerk.post("/persons", json=person_payload(uuid.uuid4().hex[:6]))
            assert created.status_code == 201, created.text
        assert "read from the primary" in refresh(registry, replica=False)
        signed_in = httpx.post(f"{server.url}/api/v1/auth/login",
                               json={"username": world.analyst, "password": world.password})
        analyst = httpx.Client(base_url=server.url, timeout=30,
                               cookies={"redangel_session": signed_in.json()["session_token"]})
        caught_up(standby_pair)
        before = analyst.get(CSV)
        assert before.status_code == 200, before.text
        replay(standby_pair, "pause")
        try:
            for _ in range(6):
                created = clerk.post("/persons", json=person_payload(uuid.uuid4().hex[:6]))
                assert created.status_code == 201, created.text
            # The refresh with the replica reads it: the six new persons are not there yet; its
            # figures are written on the primary (the standby refuses writes).
            said = refresh(registry, replica=True)
            assert "read from the replica" in said and registry["replica"].rsplit("@", 1)[1] in said
            on_replica = counted(registry["replica"], LIVING)
            assert counted(registry["primary"], LIVING) == on_replica + 6
            assert counted(registry["primary"], LAST_RUN) == on_replica
            # The same refresh without the replica counts everyone, on the primary.
            refresh(registry, replica=False)
            assert counted(registry["primary"], LAST_RUN) == on_replica + 6
            # The page is served by the paused replica: still the first refresh's figures ...
            audited = counted(registry["primary"], READS)
            assert analyst.get(CSV).content == before.content
            # ... and its audit event was committed on the primary before the answer.
            assert counted(registry["primary"], READS) == audited + 1
            # A client that just wrote reads the primary: the newest figures.
            fresh = analyst.get(CSV, headers={"Redangel-Wrote-At": f"{time.time():.3f}"})
            assert fresh.status_code == 200 and fresh.content != before.content
        finally:
            replay(standby_pair, "resume")
        caught_up(standby_pair)
        assert analyst.get(CSV).content == fresh.content
        # The replica goes down: the page is served by the primary and the refresh reads it.
        with psycopg.connect(standby_pair.standby, autocommit=True) as standby:
            data_dir = standby.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
        stop_standby(data_dir)
        time.sleep(0.3)
        assert "read from the primary (no replica usable)" in refresh(registry, replica=True)
        assert counted(registry["primary"], LAST_RUN) == on_replica + 6
        assert analyst.get(CSV).status_code == 200
        analyst.close()
        clerk.close()
    finally:
        server.stop()
