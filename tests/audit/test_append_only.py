"""The audit rows cannot be changed by the application. On PostgreSQL the application runs as a
role that has every data right (SELECT/INSERT/UPDATE/DELETE/TRUNCATE on all tables) but does
not own the schema: UPDATE, DELETE and TRUNCATE of audit rows still fail, and so does dropping
or disabling the triggers that forbid them. On SQLite the triggers refuse UPDATE and DELETE."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from sqlalchemy import text

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker
from tests.audit.refusal import refused
from tests.audit.sealing import seal_everything
from tests.conftest import ADMIN_URL, fresh_database, make_settings, migrate

TABLES = ("audit_event", "audit_seal", "audit_checkpoint")


@pytest.fixture
def app_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database with a few events, and the URL the application would connect with."""
    role = f"redangel_app_{os.getpid()}" if backend == "postgresql" else None
    with fresh_database(backend, tmp_path, "append") as url:
        yield _filled(url, tmp_path, role)
    if role is not None:  # after the database: its grants would keep the role from going
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _filled(url: str, tmp_path: Path, role: str | None) -> str:
    """Migrate, record and seal four events; on PostgreSQL make `role` with every data right
    and answer its URL (on SQLite the same one)."""
    app = url
    settings = make_settings(url, tmp_path)
    migrate(settings)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    config = audit.AuditConfig(secret_key=settings.secret_key, checkpoint_every=2)
    for _ in range(4):
        with factory() as session:
            audit.configure(session, config)
            audit.record(session, principal=Principal(kind="staff", id="x", role="clerk"),
                         action="person.read", person_id=uuid.uuid4(), purpose="attention")
            session.commit()

    def configured():  # type: ignore[no-untyped-def]
        session = factory()
        audit.configure(session, config)
        return session

    seal_everything(configured)
    engine.dispose()
    if role is not None:
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
            conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{role}'")
            conn.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
            conn.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        parts = urlsplit(url)
        app = urlunsplit(parts._replace(
            netloc=f"{role}:{role}@{parts.hostname}:{parts.port or 5432}"))
        assert app != url
    return app


@pytest.mark.parametrize("table", TABLES)
def test_the_application_cannot_change_audit_rows(app_url: str, backend: str, table: str) -> None:
    statements = [f"UPDATE {table} SET {'purpose' if table == 'audit_event' else 'hash'} = 'x'",
                  f"DELETE FROM {table}"]
    if backend == "postgresql":
        statements.append(f"TRUNCATE {table}")
    for statement in statements:
        assert "append-only" in refused(app_url, statement), statement
    engine = make_engine(app_url)
    with engine.connect() as conn:  # ...while appending and reading still work for it
        assert conn.execute(text("SELECT count(*) FROM audit_event")).scalar() == 4
    engine.dispose()


def test_the_application_role_cannot_remove_the_guard(app_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no roles: whoever can write the file can drop the triggers")
    for statement in ("DROP TRIGGER audit_event_append_only ON audit_event",
                      "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
                      "DROP FUNCTION audit_event_append_only() CASCADE"):
        assert "must be owner" in refused(app_url, statement), statement
    assert "append-only" in refused(app_url, "DELETE FROM audit_event")


@pytest.mark.parametrize("statement", [
    "DELETE FROM audit_head",
    "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_seal WHERE seq = 3)",
    "UPDATE audit_head SET hash = 'x'",
    "UPDATE audit_head SET horizon = 0",
])
def test_the_chain_head_only_moves_forward(app_url: str, statement: str) -> None:
    message = refused(app_url, statement)
    assert "append-only" in message or "only moves forward" in message, message


def test_the_application_still_seals_and_signs(app_url: str) -> None:
    """The guards leave the sealer its one write: moving the head forward, adding checkpoints."""
    engine = make_engine(app_url)
    factory = make_sessionmaker(engine)
    config = audit.AuditConfig(secret_key=make_settings(app_url, Path()).secret_key,
                               checkpoint_every=2)

    def configured():  # type: ignore[no-untyped-def]
        session = factory()
        audit.configure(session, config)
        return session

    with configured() as session:
        audit.record(session, principal=Principal(kind="staff", id="x", role="clerk"),
                     action="person.read", person_id=uuid.uuid4(), purpose="attention")
        session.commit()
    seal_everything(configured)
    with configured() as session:
        audit.seal(session, checkpoint_now=True)
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT seq FROM audit_head")).scalar() == 5
        signed = conn.execute(text("SELECT seq, prev_seq FROM audit_checkpoint ORDER BY seq"))
        assert [tuple(row) for row in signed] == [(1, 0), (2, 1), (4, 2), (5, 4)]
    engine.dispose()
