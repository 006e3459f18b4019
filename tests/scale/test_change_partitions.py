"""The agencies' change feed partitioned by month on PostgreSQL: the migration moves the changes
of past months into their partitions with their numbers, the feed reads in order across them,
new changes land in this month's, and the months ahead are made by the server's hourly job."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from alembic import command

from redangel.audit import service as audit
from redangel.db import make_engine, make_sessionmaker
from redangel.program import change_archive
from redangel.program.repository import changes_after
from tests.audit.test_verify_command import run
from tests.conftest import fresh_database, make_settings
from tests.migrations.test_migrations import alembic_config


def month_name(when: datetime) -> str:
    return f"change_entry_y{when:%Y}m{when:%m}"


def test_changes_of_three_months_move_into_partitions_and_read_in_order(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path, "feedparts") as url:
        settings = make_settings(url, tmp_path)
        command.upgrade(alembic_config(url), "0024_application_notes")
        plain = url.replace("+psycopg", "")
        now = datetime.now(UTC)
        months = [now - timedelta(days=62), now - timedelta(days=31), now]
        with psycopg.connect(plain) as conn:
            conn.execute("INSERT INTO agency (code, name_es, name_en) VALUES ('styfe', 'S', 'S')")
            for seq, when in enumerate([m for m in months for _ in range(2)], start=1):
                conn.execute(
                    "INSERT INTO change_entry (agency_code, seq, at, entity, entity_id, person_id,"
                    " program_code, action, data) VALUES ('styfe', %s, %s, 'enrollment', %s, %s,"
                    " 'seguro_desempleo', 'active', '{}')",
                    (seq, when, uuid.uuid4(), uuid.uuid4()))
            conn.execute("INSERT INTO change_head (agency_code, seq) VALUES ('styfe', 6)")

        command.upgrade(alembic_config(url), "head")
        with psycopg.connect(plain) as conn:
            placed = dict(conn.execute(
                "SELECT tableoid::regclass::text, count(*) FROM change_entry GROUP BY 1").fetchall())
            kind = conn.execute("SELECT relkind FROM pg_class WHERE relname = 'change_entry'").fetchone()
        assert kind == ("p",)
        assert placed == {month_name(when): 2 for when in months}

        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                assert [row.seq for row in changes_after(session, "styfe", 1, 10)] == [2, 3, 4, 5, 6]
            made = change_archive.ensure_partitions(make_sessionmaker(engine), months_ahead=6)
        finally:
            engine.dispose()
        assert made == 3  # the migration made three months ahead already
        ahead = (now.replace(day=1) + timedelta(days=32 * 6)).replace(day=1)
        with psycopg.connect(plain) as conn:
            assert conn.execute("SELECT to_regclass(%s)", (month_name(ahead),)).fetchone() != (None,)
        answer = run(settings, "changes", "partitions", "--ahead", "6")
        assert answer.stdout.startswith("0 monthly"), answer.stdout + answer.stderr

        # The server's sealer makes a missing month ahead again within its first round.
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP TABLE {month_name(ahead)}")
        engine = make_engine(url)
        sealer = audit.Sealer(make_sessionmaker(engine), interval=0.05,
                              more_partitions=(lambda factory: change_archive.ensure_partitions(
                                  factory, months_ahead=6),))
        sealer.start()
        try:
            with psycopg.connect(plain, autocommit=True) as conn:
                deadline = time.monotonic() + 20
                while conn.execute("SELECT to_regclass(%s)",
                                   (month_name(ahead),)).fetchone() == (None,):
                    assert time.monotonic() < deadline, "the sealer did not make the month"
                    time.sleep(0.05)
        finally:
            sealer.stop()
            engine.dispose()

        command.downgrade(alembic_config(url), "0024_application_notes")
        with psycopg.connect(plain) as conn:
            assert conn.execute("SELECT count(*) FROM change_entry").fetchone() == (6,)
            assert conn.execute("SELECT relkind FROM pg_class "
                                "WHERE relname = 'change_entry'").fetchone() == ("r",)
