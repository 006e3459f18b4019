"""The audit trail detects every kind of tampering: edit, delete, reorder, insert, truncate.

Each test writes events through the service on its own database, then plays an attacker who
has the database owner's rights (and so first drops the append-only triggers)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit import service as audit
from redangel.audit.models import AuditEvent
from redangel.audit.verify import TrailKeys, VerifyReport, verify
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker, utcnow
from tests.audit.owner import drop_guards
from tests.audit.sealing import seal_everything
from tests.conftest import make_settings, migrate

SECRET = "audit-test-secret-key-0000000000000000"
CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")


@pytest.fixture
def trail(backend: str, fresh_url: str, tmp_path: Path) -> Iterator[tuple[object, str]]:
    """A fresh database with 12 sealed events."""
    migrate(make_settings(fresh_url, tmp_path))
    engine = make_engine(fresh_url)
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
        seal_everything(lambda: _configured(factory))
    yield factory, backend
    engine.dispose()


def _configured(factory) -> Session:  # type: ignore[no-untyped-def]
    session = factory()
    audit.configure(session, audit.AuditConfig(secret_key=SECRET, checkpoint_every=5))
    return session


def check(factory, **kwargs: object) -> VerifyReport:  # type: ignore[no-untyped-def]
    with factory() as session:
        return verify(session, keys=TrailKeys.from_secret(SECRET), checkpoint_every=5, **kwargs)  # type: ignore[arg-type]


def attack(factory, backend: str, *statements: str) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        drop_guards(session, backend)
        for statement in statements:
            session.execute(text(statement))
        session.commit()


def test_an_untouched_trail_verifies(trail) -> None:  # type: ignore[no-untyped-def]
    factory, _ = trail
    report = check(factory)
    assert report.ok and report.events == 12 and report.pending == 0


def test_a_trail_sealed_while_it_is_verified_is_not_called_broken(trail) -> None:  # type: ignore[no-untyped-def]
    """The sealer goes on sealing while `redangel audit verify` walks the chain: the walk reads
    one snapshot, so seals added meanwhile are neither half seen nor taken for tampering."""
    factory, backend = trail
    if backend == "sqlite":
        pytest.skip("on SQLite the walk's transaction holds the write lock: nothing is sealed "
                    "while it runs")
    for index in range(3):  # recorded, not sealed yet
        with _configured(factory) as session:
            audit.record(session, principal=CLERK, action="person.read", person_id=uuid.uuid4(),
                         purpose=f"later_{index}")
            session.commit()
    sealed_midway: list[bool] = []

    def seal_before_the_head_is_read(conn, cursor, statement: str, *rest) -> None:  # type: ignore[no-untyped-def]
        if not sealed_midway and "FROM audit_head" in statement:
            sealed_midway.append(True)
            seal_everything(lambda: _configured(factory))

    with factory() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", seal_before_the_head_is_read)
        try:
            report = verify(session, keys=TrailKeys.from_secret(SECRET), checkpoint_every=5)
        finally:
            event.remove(engine, "before_cursor_execute", seal_before_the_head_is_read)
    assert sealed_midway
    assert report.ok, report
    assert (report.events, report.pending) == (12, 3)  # as things stood when the walk began
    assert check(factory).events == 15


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
    kept = chain.sign_checkpoint(SECRET, seq=10, hash_=seal.hash, prev_seq=5, at=utcnow())
    attack(
        factory,
        backend,
        "DELETE FROM audit_seal WHERE seq > 8",
        "DELETE FROM audit_event WHERE id > 8",
        "DELETE FROM audit_checkpoint WHERE seq > 8",
        "UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_seal WHERE seq = 8)",
    )
    assert check(factory).ok  # the rewritten log is consistent in itself...
    report = check(factory, external_checkpoint=kept)
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


def _plain_sha256_link(prev: str, seq: int, event_id: int, event_digest: str) -> str:
    """The link as an attacker without the service's secret can compute it."""
    return hashlib.sha256(f"{prev}|{seq}|{event_id}|{event_digest}".encode()).hexdigest()


def test_a_rewritten_tail_is_detected_without_the_key(trail) -> None:  # type: ignore[no-untyped-def]
    """Past the last checkpoint (10), an owner edits event 12 and recomputes its digest, its
    seal and the head: unkeyed links would make the result consistent; keyed ones do not."""
    factory, backend = trail
    with factory() as session:
        event = session.get(AuditEvent, 12)
        prev = session.execute(text("SELECT hash FROM audit_seal WHERE seq = 11")).scalar_one()
        content = {name: getattr(event, name) for name in chain.FIELDS}
    forged_digest = chain.digest({**content, "purpose": "nothing_to_see"})
    forged_link = _plain_sha256_link(prev, 12, 12, forged_digest)
    attack(
        factory, backend,
        f"UPDATE audit_event SET purpose = 'nothing_to_see', digest = '{forged_digest}' "
        "WHERE id = 12",
        f"UPDATE audit_seal SET hash = '{forged_link}' WHERE seq = 12",
        f"UPDATE audit_head SET hash = '{forged_link}'",
    )
    report = check(factory)
    assert not report.ok and report.broken_at == 12 and "broken" in report.reason, report


def test_a_whole_chain_rebuilt_without_the_key_is_detected(trail) -> None:  # type: ignore[no-untyped-def]
    """An owner edits event 4, rebuilds every link with plain SHA-256 from the genesis, moves
    the head, and removes the checkpoints that no longer match (all of them)."""
    factory, backend = trail
    attack(factory, backend, "UPDATE audit_event SET purpose = 'nothing_to_see' WHERE id = 4")
    with factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        statements, prev = [], chain.GENESIS
        for seq, event in enumerate(events, start=1):
            digest = chain.digest({name: getattr(event, name) for name in chain.FIELDS})
            link = _plain_sha256_link(prev, seq, event.id, digest)
            statements += [
                f"UPDATE audit_event SET digest = '{digest}' WHERE id = {event.id}",
                f"UPDATE audit_seal SET prev_hash = '{prev}', hash = '{link}' WHERE seq = {seq}",
            ]
            prev = link
    attack(factory, backend, *statements, "DELETE FROM audit_checkpoint",
           f"UPDATE audit_head SET hash = '{prev}'")
    report = check(factory)
    assert not report.ok and report.broken_at == 1 and "broken" in report.reason, report


@pytest.mark.parametrize("deleted", [5, 1])
def test_a_deleted_checkpoint_is_named(trail, deleted: int) -> None:  # type: ignore[no-untyped-def]
    """Checkpoints name their predecessor: the one after a deleted one gives it away."""
    factory, backend = trail
    attack(factory, backend, f"DELETE FROM audit_checkpoint WHERE seq = {deleted}")
    report = check(factory)
    assert not report.ok and report.broken_at == deleted, report
    assert f"checkpoint at seal {deleted} is missing" in report.reason


def test_the_newest_due_checkpoint_deleted_is_named(trail) -> None:  # type: ignore[no-untyped-def]
    """Every fifth seal is signed: with the head at 12, a missing checkpoint 10 is noticed."""
    factory, backend = trail
    attack(factory, backend, "DELETE FROM audit_checkpoint WHERE seq >= 10")
    report = check(factory)
    assert not report.ok and report.broken_at == 10, report
    assert "checkpoint at seal 10 is missing" in report.reason


def test_a_checkpoint_signed_by_another_key_is_refused(trail) -> None:  # type: ignore[no-untyped-def]
    factory, backend = trail
    with factory() as session:
        seal = session.execute(text("SELECT seq, hash FROM audit_seal WHERE seq = 12")).one()
    forged = chain.sign_checkpoint("someone-else-secret-0000000000000000", seq=12,
                                   hash_=seal.hash, prev_seq=10, at=utcnow())
    with factory() as session:
        drop_guards(session, backend)
        session.execute(text("INSERT INTO audit_checkpoint (seq, hash, at, signature, prev_seq) "
                             "VALUES (:seq, :hash, :at, :signature, :prev)"),
                        {"seq": 12, "hash": forged.hash, "at": forged.at,
                         "signature": forged.signature, "prev": 10})
        session.commit()
    report = check(factory)
    assert not report.ok and report.broken_at == 12 and "signature" in report.reason
