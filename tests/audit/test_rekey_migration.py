"""Upgrading a database whose chain predates keyed links: an intact old chain is re-linked
under the key and verifies afterwards; a tampered one stops the upgrade instead of being
laundered into a valid-looking keyed chain."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import bindparam, text

from redangel.audit import chain
from redangel.audit.verify import TrailKeys, verify
from redangel.cli.database import alembic_config
from redangel.config import Settings
from redangel.db import UTCDateTime, make_engine, make_sessionmaker
from tests.conftest import make_settings

BEFORE = "0004_confidentiality"
EVENTS = 7
AT = bindparam("at", type_=UTCDateTime())


@pytest.fixture
def old_trail(backend: str, fresh_url: str, tmp_path: Path) -> Iterator[Settings]:
    """A database at the revision before keyed links, holding a chain written the old way:
    plain SHA-256 links, checkpoints at seals 1 and 5 signed over (seq, hash) only."""
    settings = make_settings(fresh_url, tmp_path)
    os.environ["REDANGEL_PROJECT_DIR"] = str(Path(__file__).resolve().parents[2])
    command.upgrade(alembic_config(settings), BEFORE)
    engine = make_engine(fresh_url)
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    prev = chain.GENESIS
    with engine.begin() as conn:
        for seq in range(1, EVENTS + 1):
            event = {"at": start + timedelta(minutes=seq), "actor_kind": "staff",
                     "actor_id": str(uuid.uuid4()), "actor_role": "clerk", "office_id": None,
                     "agency_code": None, "action": "person.read", "person_id": None,
                     "purpose": "attention", "outcome": "ok", "detail": {}}
            digest = chain.digest(event)
            conn.execute(text(
                "INSERT INTO audit_event (id, at, actor_kind, actor_id, actor_role, action, "
                "purpose, outcome, detail, digest, xid) VALUES (:id, :at, 'staff', :actor, "
                "'clerk', 'person.read', 'attention', 'ok', '{}', :digest, 0)").bindparams(AT),
                {"id": seq, "at": event["at"], "actor": event["actor_id"], "digest": digest})
            link = hashlib.sha256(f"{prev}|{seq}|{seq}|{digest}".encode()).hexdigest()
            conn.execute(text("INSERT INTO audit_seal (seq, event_id, prev_hash, hash) "
                              "VALUES (:seq, :seq, :prev, :hash)"),
                         {"seq": seq, "prev": prev, "hash": link})
            if seq in (1, 5):
                signature = chain.checkpoint_key(settings.secret_key).sign(
                    f"redangel-audit|{seq}|{link}".encode())
                conn.execute(text("INSERT INTO audit_checkpoint (seq, hash, at, signature) "
                                  "VALUES (:seq, :hash, :at, :signature)").bindparams(AT),
                             {"seq": seq, "hash": link, "at": event["at"], "signature": signature})
            prev = link
        conn.execute(text("INSERT INTO audit_head (id, seq, hash, horizon) "
                          "VALUES (1, :seq, :hash, :horizon)"),
                     {"seq": EVENTS, "hash": prev, "horizon": EVENTS if backend == "sqlite" else 0})
    engine.dispose()
    yield settings


def test_an_intact_old_chain_is_relinked_under_the_key(old_trail: Settings) -> None:
    command.upgrade(alembic_config(old_trail), "head")
    engine = make_engine(old_trail.effective_database_url)
    with make_sessionmaker(engine)() as session:
        report = verify(session, keys=TrailKeys.from_secret(old_trail.secret_key),
                        checkpoint_every=old_trail.audit_checkpoint_every)
        signed = session.execute(text("SELECT seq, prev_seq FROM audit_checkpoint ORDER BY seq"))
        assert [tuple(row) for row in signed] == [(1, 0), (5, 1), (EVENTS, 5)]
    engine.dispose()
    assert report.ok and report.events == EVENTS, report


def test_a_tampered_old_chain_stops_the_upgrade(old_trail: Settings, backend: str) -> None:
    engine = make_engine(old_trail.effective_database_url)
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET digest = 'forged' WHERE id = 3"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="broken at seal 3"):
        command.upgrade(alembic_config(old_trail), "head")
