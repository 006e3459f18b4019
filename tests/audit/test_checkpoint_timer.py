"""Checkpoints are signed on a timer as well as by count: a quiet trail still gets its head
signed within `checkpoint_seconds`, and each timer checkpoint names the one before it, so
deleting one is noticed like deleting a counted one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.audit.models import AuditCheckpoint
from redangel.audit.verify import TrailKeys, verify
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker, utcnow
from tests.audit.owner import drop_guards
from tests.audit.sealing import seal_everything
from tests.conftest import make_settings, migrate

SECRET = "audit-timer-secret-key-00000000000000000"
CONFIG = audit.AuditConfig(secret_key=SECRET, checkpoint_every=1000, checkpoint_seconds=0.5)
CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")


class Clock:
    """The sealer's clock, moved by the test: a loaded machine cannot stretch a gap between two
    seals past the timer, nor shrink a wait below it."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(audit, "utcnow", clock)
    return clock


@pytest.fixture
def configured(fresh_url: str, tmp_path: Path, clock: Clock) -> Iterator[object]:
    """Sessions on a fresh database, configured with a half-second checkpoint timer."""
    migrate(make_settings(fresh_url, tmp_path))
    engine = make_engine(fresh_url)
    factory = make_sessionmaker(engine)

    def make() -> Session:
        session = factory()
        audit.configure(session, CONFIG)
        return session

    yield make
    engine.dispose()


def record_one(make) -> None:  # type: ignore[no-untyped-def]
    """Record an event and seal it, as the sealer thread does on PostgreSQL (SQLite: inline)."""
    with make() as session:
        audit.record(session, principal=CLERK, action="person.read", person_id=uuid.uuid4(),
                     purpose="attention")
        session.commit()
    seal_everything(make)


def signed(make) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with make() as session:
        rows = session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.prev_seq)
                               .order_by(AuditCheckpoint.seq)).all()
    return [(row.seq, row.prev_seq) for row in rows]


def test_a_quiet_head_is_signed_once_the_last_checkpoint_is_old(configured, clock) -> None:  # type: ignore[no-untyped-def]
    make = configured
    record_one(make)
    record_one(make)
    assert signed(make) == [(1, 0)]  # the first seal; the second came before the timer ran out
    clock.wait(0.6)
    audit.seal_all(make)  # a sealing round with nothing new to seal
    assert signed(make) == [(1, 0), (2, 1)]
    audit.seal_all(make)
    assert signed(make) == [(1, 0), (2, 1)]  # the head has not moved: nothing more to sign


def test_a_deleted_timer_checkpoint_is_named(configured, clock, backend: str) -> None:  # type: ignore[no-untyped-def]
    make = configured
    for _ in range(3):
        record_one(make)
        clock.wait(0.6)
        record_one(make)
    assert [seq for seq, _ in signed(make)] == [1, 2, 4, 6]
    keys = TrailKeys.from_secret(SECRET)
    with make() as session:
        assert verify(session, keys=keys, checkpoint_every=CONFIG.checkpoint_every).ok
    with make() as session:
        drop_guards(session, backend)
        session.execute(AuditCheckpoint.__table__.delete().where(AuditCheckpoint.seq == 4))
        session.commit()
    with make() as session:
        report = verify(session, keys=keys, checkpoint_every=CONFIG.checkpoint_every)
    assert not report.ok and report.broken_at == 4, report
    assert "checkpoint at seal 4 is missing" in report.reason
