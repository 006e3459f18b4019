"""`redangel audit verify`, run as an operator would: it passes an intact trail, names the first
broken link of an edited one, and with a checkpoint kept elsewhere catches a cut-off tail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.config import Settings
from redangel.db import make_engine, make_sessionmaker
from tests.audit.owner import drop_guards
from tests.audit.sealing import seal_everything
from tests.conftest import ROOT, make_settings, migrate

CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")
EVENTS = 9


@pytest.fixture
def trail(backend: str, fresh_url: str, tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    """A database of its own holding nine sealed events (checkpoints every four)."""
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    engine = make_engine(fresh_url)
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
    seal_everything(configured)
    engine.dispose()
    yield settings, backend


def run(settings: Settings, *args: str,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `redangel` command on the settings' database, as an operator would."""
    env = {**os.environ, "REDANGEL_ENVIRONMENT": "test",
           "REDANGEL_DATABASE_URL": settings.effective_database_url,
           "REDANGEL_DATA_DIR": str(settings.data_dir), "REDANGEL_PROJECT_DIR": str(ROOT),
           **(env or {})}
    return subprocess.run([sys.executable, "-m", "redangel.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60, check=False)


def tamper(settings: Settings, backend: str, statement: str) -> None:
    """An attacker with DDL rights: drop the append-only triggers, then rewrite."""
    engine = make_engine(settings.effective_database_url)
    with Session(engine) as session:
        drop_guards(session, backend)
        session.execute(text(statement))
        session.commit()
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


def test_a_checkpoint_shipped_to_a_file_is_signed_json(trail, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings, _ = trail
    kept = tmp_path / "offsite" / "checkpoint.json"
    kept.parent.mkdir()
    written = run(settings, "audit", "checkpoint", "--out", str(kept))
    assert written.returncode == 0, written.stderr
    document = json.loads(kept.read_text())
    assert document["seq"] == EVENTS and document["prev_seq"] == 8  # names the one before it
    assert {"hash", "at", "key_id", "signature"} <= set(document)
    assert run(settings, "audit", "verify", "--checkpoint", str(kept)).returncode == 0
    kept.write_text(json.dumps({**document, "seq": 8}))  # the signature covers every field
    moved = run(settings, "audit", "verify", "--checkpoint", str(kept))
    assert moved.returncode == 1 and "signature is invalid" in moved.stderr, moved.stderr
    kept.write_text(json.dumps({**document, "key_id": "0" * 16}))
    other = run(settings, "audit", "verify", "--checkpoint", str(kept))
    assert other.returncode == 1 and "signed by key" in other.stderr, other.stderr


def test_verify_names_a_deleted_checkpoint(trail) -> None:  # type: ignore[no-untyped-def]
    settings, backend = trail
    tamper(settings, backend, "DELETE FROM audit_checkpoint WHERE seq = 4")
    broken = run(settings, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at event 4: the signed checkpoint at seal 4 is missing" in broken.stderr, \
        broken.stderr
