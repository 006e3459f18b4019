"""`redangel audit verify`, run as an operator would: it passes an intact trail, names the first
broken link of an edited one, and with a checkpoint kept elsewhere catches a cut-off tail."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.config import Settings
from redangel.db import make_engine, make_sessionmaker
from tests.conftest import ROOT, drop_postgres_database, make_settings, migrate, postgres_database

CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")
EVENTS = 9


@pytest.fixture
def trail(backend: str, tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    """A database of its own holding nine sealed events (checkpoints every four)."""
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'trail.db'}"
    else:
        name = f"redangel_verify_{os.getpid()}"
        url = postgres_database(name)
    settings = make_settings(url, tmp_path)
    migrate(settings)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    config = audit.AuditConfig(secret_key=settings.secret_key, checkpoint_every=4)

    def configured():  # type: ignore[no-untyped-def]
        session = factory()
        audit.configure(session, config)
        return session

    for index in range(EVENTS):
        with configured() as session:
            audit.record(session, principal=CLERK, action="person.read", person_id=uuid.uuid4(),
                         purpose=f"attention_{index}")
            session.commit()
    audit.seal_all(configured)
    engine.dispose()
    yield settings, backend
    if name:
        drop_postgres_database(name)


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDANGEL_ENVIRONMENT": "test",
           "REDANGEL_DATABASE_URL": settings.effective_database_url,
           "REDANGEL_DATA_DIR": str(settings.data_dir), "REDANGEL_PROJECT_DIR": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "redangel.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60, check=False)


def tamper(settings: Settings, backend: str, statement: str) -> None:
    """An attacker with DDL rights: drop the append-only triggers, then rewrite."""
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
            conn.execute(text("DROP TRIGGER audit_seal_append_only ON audit_seal"))
        else:
            for trigger in ("audit_event_no_update", "audit_event_no_delete",
                            "audit_seal_no_update", "audit_seal_no_delete"):
                conn.execute(text(f"DROP TRIGGER {trigger}"))
        conn.execute(text(statement))
    engine.dispose()


def test_verify_names_the_first_broken_link(trail) -> None:  # type: ignore[no-untyped-def]
    settings, backend = trail
    intact = run(settings, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert f"intact: {EVENTS} events" in intact.stdout
    tamper(settings, backend, "UPDATE audit_event SET purpose = 'nothing' WHERE id IN (3, 6)")
    broken = run(settings, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at event 3" in broken.stderr, broken.stderr


def test_a_kept_checkpoint_catches_a_cut_off_tail(trail, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, backend = trail
    signed = run(settings, "audit", "checkpoint")
    assert signed.returncode == 0, signed.stderr
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(signed.stdout)
    assert run(settings, "audit", "verify", "--checkpoint", str(kept)).returncode == 0
    tamper(settings, backend, "DELETE FROM audit_checkpoint WHERE seq > 4")
    tamper_more = [
        "DELETE FROM audit_seal WHERE seq > 4",
        "DELETE FROM audit_event WHERE id > 4",
        "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_seal WHERE seq = 4)",
    ]
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as conn:
        for statement in tamper_more:
            conn.execute(text(statement))
    engine.dispose()
    assert run(settings, "audit", "verify").returncode == 0  # consistent in itself...
    cut = run(settings, "audit", "verify", "--checkpoint", str(kept))
    assert cut.returncode == 1 and "truncated" in cut.stderr, cut.stderr  # ...not with the kept one
