"""The audit trail partitioned by month on PostgreSQL: the migration moves the events of past
months into their partitions, the chain verifies across them, new events land in this month's,
the months ahead are created by the sealer's job, and every partition is append-only itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker
from tests.audit.sealing import seal_everything
from tests.audit.test_verify_command import run
from tests.conftest import fresh_database, make_settings
from tests.migrations.test_migrations import alembic_config

CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")


def month_name(when: datetime) -> str:
    return f"audit_event_y{when:%Y}m{when:%m}"


def test_events_of_three_months_verify_across_partitions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_database("postgresql", tmp_path, "partitions") as url:
        settings = make_settings(url, tmp_path)
        command.upgrade(alembic_config(url), "0007_program_sensitive")
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        config = audit.AuditConfig.from_settings(settings)

        def make() -> Session:
            session = factory()
            audit.configure(session, config)
            return session

        now = datetime.now(UTC)
        months = [now - timedelta(days=62), now - timedelta(days=31), now]
        try:
            for when in months:
                monkeypatch.setattr(audit, "utcnow", lambda when=when: when)
                with make() as session:
                    for _ in range(2):
                        audit.record(session, principal=CLERK, action="person.read",
                                     person_id=uuid.uuid4(), purpose="attention")
                    session.commit()
            monkeypatch.undo()
            seal_everything(make)
            command.upgrade(alembic_config(url), "head")
            plain = url.replace("+psycopg", "")
            with psycopg.connect(plain) as conn:
                placed = dict(conn.execute(
                    "SELECT tableoid::regclass::text, count(*) FROM audit_event GROUP BY 1").fetchall())
                kind = conn.execute("SELECT relkind FROM pg_class WHERE relname = 'audit_event'").fetchone()
            assert kind == ("p",)
            assert placed == {month_name(when): 2 for when in months}
            verified = run(settings, "audit", "verify")
            assert verified.returncode == 0, verified.stdout + verified.stderr
            assert "6 events" in verified.stdout

            # After the migration: a new event lands in this month and the chain goes on.
            with make() as session:
                audit.record(session, principal=CLERK, action="person.read",
                             person_id=uuid.uuid4(), purpose="attention")
                session.commit()
            seal_everything(make)
            assert "7 events" in run(settings, "audit", "verify").stdout

            # The job creates the months ahead; each partition refuses changes by itself.
            made = audit.ensure_partitions(make, months_ahead=6)
            assert made == 3  # the migration made three months ahead already
            ahead = (now.replace(day=1) + timedelta(days=32 * 6)).replace(day=1)
            with psycopg.connect(plain, autocommit=True) as conn:
                assert conn.execute("SELECT to_regclass(%s)", (month_name(ahead),)).fetchone() != (None,)
                for statement in (f"DELETE FROM {month_name(now)}",
                                  f"UPDATE {month_name(months[0])} SET purpose = 'x'",
                                  f"TRUNCATE {month_name(months[1])}"):
                    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                        conn.execute(statement)
            assert run(settings, "audit", "partitions", "--ahead", "6").stdout.startswith("0 monthly")
        finally:
            engine.dispose()
