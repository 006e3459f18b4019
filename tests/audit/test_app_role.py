"""`redangel db upgrade --app-role NAME` provisions the application's own PostgreSQL role: the
service runs on it over HTTP (registering and reading people, sealing and signing the trail),
while UPDATE, DELETE and TRUNCATE of audit rows are refused by its grants, before any trigger,
and the triggers themselves are out of its reach. Provisioning twice converges."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from sqlalchemy import func, select, text

from redangel.audit.models import AuditEvent
from redangel.audit.verify import TrailKeys, verify
from redangel.config import Settings
from redangel.db import make_engine
from redangel.program.service import sync_catalog
from tests.audit.refusal import refused
from tests.audit.test_verify_command import run
from tests.builders import build_world, person_payload
from tests.conftest import (
    ADMIN_URL,
    fresh_database,
    login,
    make_settings,
    start_server,
    unique_suffix,
)

PASSWORD = "app-role-password-that-is-long-enough"


@pytest.fixture(scope="module")
def provisioned(backend: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str]]:
    """A database migrated by its owner with `--app-role`, and the app role's URL."""
    if backend == "sqlite":
        pytest.skip("SQLite has no roles (its refusal is tested below)")
    tmp_path = tmp_path_factory.mktemp("app-role")
    role = f"redangel_approle_{os.getpid()}"
    env = {"REDANGEL_APP_ROLE_PASSWORD": PASSWORD}
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    try:
        with fresh_database(backend, tmp_path, "role") as owner_url:
            owner = make_settings(owner_url, tmp_path)
            for _ in range(2):  # the second run finds the role and converges
                done = run(owner, "db", "upgrade", "--app-role", role, env=env)
                assert done.returncode == 0, done.stderr
                assert f"application role {role}" in done.stdout
            parts = urlsplit(owner_url)
            app_url = urlunsplit(parts._replace(
                netloc=f"{role}:{PASSWORD}@{parts.hostname}:{parts.port or 5432}"))
            yield make_settings(app_url, tmp_path, audit_checkpoint_every=5), app_url
    finally:  # after the database: its grants would keep the role from going
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_the_service_runs_as_its_own_role(provisioned) -> None:  # type: ignore[no-untyped-def]
    settings, _ = provisioned
    live = start_server(settings)
    try:
        factory = live.app.state.sessionmaker  # type: ignore[attr-defined]
        with factory() as session:
            sync_catalog(session, live.app.state.catalog)  # type: ignore[attr-defined]
            world = build_world(session)
            session.commit()
        clerk = login(live, world.clerk, world.password)
        try:
            created = clerk.post("/persons", json=person_payload(unique_suffix()))
            assert created.status_code == 201, created.text
            pid = created.json()["id"]
            read = clerk.get(f"/persons/{pid}", params={"purpose": "attention"})
            assert read.status_code == 200, read.text
            changed = clerk.patch(f"/persons/{pid}", json={"phone": "5500000000"},
                                  headers={"If-Match": created.headers["etag"]})
            assert changed.status_code == 200, changed.text
        finally:
            clerk.close()
        deadline = time.monotonic() + 60  # the sealer thread, on the app's role, seals them
        keys = TrailKeys.from_secret(settings.secret_key)
        while True:
            with factory() as session:
                report = verify(session, keys=keys, checkpoint_every=5)
                events = session.scalar(select(func.count()).select_from(AuditEvent))
            # Events of transactions younger than the oldest one still open anywhere in the
            # cluster are neither sealed nor counted as pending yet: wait until every one is.
            sealed = report.ok and report.pending == 0 and report.events == events
            if sealed or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert report.ok and report.pending == 0 and report.events == events, report
        assert report.events >= 3
    finally:
        live.server.should_exit = True


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET purpose = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event",
    "UPDATE audit_seal SET hash = 'x'", "DELETE FROM audit_seal", "TRUNCATE audit_seal",
    "UPDATE audit_checkpoint SET hash = 'x'", "DELETE FROM audit_checkpoint",
    "TRUNCATE audit_checkpoint", "DELETE FROM audit_head", "TRUNCATE audit_head",
    "DELETE FROM alembic_version",
])
def test_the_role_may_not_change_audit_rows(provisioned, statement: str) -> None:  # type: ignore[no-untyped-def]
    _, app_url = provisioned
    assert "permission denied" in refused(app_url, statement), statement


@pytest.mark.parametrize("statement", [
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER",
    "DROP FUNCTION audit_event_append_only() CASCADE",
    "CREATE TABLE shadow (id int)",
])
def test_the_role_may_not_touch_the_schema(provisioned, statement: str) -> None:  # type: ignore[no-untyped-def]
    _, app_url = provisioned
    message = refused(app_url, statement)
    assert "must be owner" in message or "permission denied" in message, message


def test_the_role_writes_the_registry(provisioned) -> None:  # type: ignore[no-untyped-def]
    _, app_url = provisioned
    engine = make_engine(app_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO agency (code, name_es, name_en) VALUES ('r1', 'A', 'A')"))
        conn.execute(text("UPDATE agency SET name_en = 'B' WHERE code = 'r1'"))
        conn.execute(text("DELETE FROM agency WHERE code = 'r1'"))
    engine.dispose()


def test_a_superuser_is_refused_as_the_app_role(backend: str, fresh_url: str, tmp_path: Path) -> None:
    """The owner (here: the superuser running the migration) cannot be named the app role."""
    settings = make_settings(fresh_url, tmp_path)
    if backend == "sqlite":
        done = run(settings, "db", "upgrade", "--app-role", "redangel_app")
        assert done.returncode == 2 and "only on PostgreSQL" in done.stderr, done.stderr
        return
    user = urlsplit(ADMIN_URL).username or "postgres"
    done = run(settings, "db", "upgrade", "--app-role", user)
    assert done.returncode == 2 and "superuser" in done.stderr, done.stderr
