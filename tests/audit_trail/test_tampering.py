"""The audit trail detects every kind of tampering: edit, delete, reorder, insert, truncate.

Each test writes events through the service on its own database, then plays an attacker who
has the database owner's rights (and so first drops the append-only triggers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit import service as audit
from redangel.audit.verify import VerifyReport, verify
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker
from tests.conftest import drop_postgres_database, make_settings, migrate, postgres_database

SECRET = "audit-test-secret-key-0000000000000000"
CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")


@pytest.fixture
def trail(backend: str, tmp_path: Path) -> Iterator[tuple[object, str]]:
    """A fresh database with 12 sealed events."""
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        name = f"redangel_audit_{os.getpid()}"
        url = postgres_database(name)
    migrate(make_settings(url, tmp_path))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    for index in range(12):
        with factory() as session:
            audit.configure(session, audit.AuditConfig(secret_key=SECRET, checkpoint_every=5))
            audit.record(
                session,
                principal=CLERK,
                action="person.read",
                person_id=uuid.uuid4(),
                purpose=f"attention_{index}",
            )
            session.commit()
    with factory() as session:
        audit.configure(session, audit.AuditConfig(secret_key=SECRET, checkpoint_every=5))
        audit.seal_all(lambda: _configured(factory))
    yield factory, backend
    engine.dispose()
    if name:
        drop_postgres_database(name)


def _configured(factory) -> Session:  # type: ignore[no-untyped-def]
    session = factory()
    audit.configure(session, audit.AuditConfig(secret_key=SECRET, checkpoint_every=5))
    return session


def check(factory, **kwargs: object) -> VerifyReport:  # type: ignore[no-untyped-def]
    with factory() as session:
        return verify(session, public_key=chain.checkpoint_key(SECRET).public_key(), **kwargs)  # type: ignore[arg-type]


def attack(factory, backend: str, *statements: str) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        if backend == "postgresql":
            session.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
            session.execute(text("DROP TRIGGER audit_seal_append_only ON audit_seal"))
        else:
            for trigger in (
                "audit_event_no_update",
                "audit_event_no_delete",
                "audit_seal_no_update",
                "audit_seal_no_delete",
            ):
                session.execute(text(f"DROP TRIGGER {trigger}"))
        for statement in statements:
            session.execute(text(statement))
        session.commit()


def test_an_untouched_trail_verifies(trail) -> None:  # type: ignore[no-untyped-def]
    factory, _ = trail
    report = check(factory)
    assert report.ok and report.events == 12 and report.pending == 0


def test_the_application_cannot_update_or_delete_audit_rows(trail) -> None:  # type: ignore[no-untyped-def]
    factory, _ = trail
    for statement in (
        "UPDATE audit_event SET purpose = 'x'",
        "DELETE FROM audit_event",
        "UPDATE audit_seal SET hash = 'x'",
        "DELETE FROM audit_seal",
    ):
        with factory() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()


def test_an_edited_event_is_detected(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    attack(factory, backend, "UPDATE audit_event SET purpose = 'nothing_to_see' WHERE id = 4")
    report = check(factory)
    assert not report.ok and report.broken_at == 4 and "altered" in report.reason


def test_a_deleted_event_is_detected(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    attack(factory, backend, "DELETE FROM audit_event WHERE id = 7")
    report = check(factory)
    assert not report.ok and report.broken_at == 7 and "deleted" in report.reason


def test_reordered_events_are_detected(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    attack(
        factory,
        backend,
        "UPDATE audit_seal SET event_id = 1000 WHERE event_id = 3",
        "UPDATE audit_seal SET event_id = 3 WHERE event_id = 5",
        "UPDATE audit_seal SET event_id = 5 WHERE event_id = 1000",
    )
    report = check(factory)
    assert not report.ok and report.broken_at == 3


def test_an_inserted_event_below_the_horizon_is_detected(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    with factory() as session:
        row = session.execute(text("SELECT * FROM audit_event WHERE id = 2")).mappings().one()
    forged = {**row, "id": 1_000_000, "purpose": "forged"}
    forged["digest"] = chain.digest({k: forged[k] for k in chain.FIELDS})
    columns = ", ".join(forged)
    values = ", ".join(f":{k}" for k in forged)
    with factory() as session:
        if backend == "sqlite":
            session.execute(text("UPDATE audit_head SET horizon = 1000001"))
        session.execute(
            text(f"INSERT INTO audit_event ({columns}) VALUES ({values})"),
            {**forged, "xid": 0 if backend == "postgresql" else None, "detail": "{}"},
        )
        session.commit()
    report = check(factory)
    assert not report.ok and "outside the chain" in report.reason


def test_a_truncated_tail_is_detected_by_a_checkpoint(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    with factory() as session:
        seal = session.execute(text("SELECT seq, hash FROM audit_seal WHERE seq = 10")).one()
    signature = chain.checkpoint_key(SECRET).sign(chain.checkpoint_message(seal.seq, seal.hash))
    attack(
        factory,
        backend,
        "DELETE FROM audit_seal WHERE seq > 8",
        "DELETE FROM audit_event WHERE id > 8",
        "DELETE FROM audit_checkpoint WHERE seq > 8",
        "UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_seal WHERE seq = 8)",
    )
    assert check(factory).ok  # the rewritten log is consistent in itself...
    report = check(factory, external_checkpoint=(10, seal.hash, signature))
    assert not report.ok and "truncated" in report.reason  # ...but not with a kept checkpoint


def test_a_truncated_tail_is_detected_by_stored_checkpoints(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    attack(
        factory,
        backend,
        "DELETE FROM audit_seal WHERE seq > 8",
        "DELETE FROM audit_event WHERE id > 8",
        "UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_seal WHERE seq = 8)",
    )
    report = check(factory)
    assert not report.ok and report.broken_at == 10
