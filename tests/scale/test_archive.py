"""`redangel audit archive`: a closed month leaves the database for a file with its signed
checkpoint, on SQLite and PostgreSQL. The chain still verifies from that checkpoint, the file
verifies by itself, a changed file does not, and months still open, within the retention or
not the oldest are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redangel.audit import archive
from redangel.audit import service as audit
from redangel.audit.models import AuditEvent
from redangel.audit.verify import TrailKeys, verify
from redangel.auth.principal import Principal
from redangel.common.months import ArchiveRefused
from redangel.db import make_engine, make_sessionmaker
from tests.audit.sealing import seal_everything
from tests.audit.test_verify_command import run
from tests.conftest import make_settings, migrate

CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")
KEEP_NONE = {"REDANGEL_AUDIT_RETENTION_MONTHS": "0"}
KEYS = TrailKeys.from_secret


def test_a_closed_month_is_archived_and_the_chain_verifies_from_its_checkpoint(
        backend: str, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(fresh_url, tmp_path, audit_checkpoint_every=3)
    migrate(settings)
    engine = make_engine(fresh_url)
    factory = make_sessionmaker(engine)
    config = audit.AuditConfig.from_settings(settings)

    def make() -> Session:
        session = factory()
        audit.configure(session, config)
        return session

    now = datetime.now(UTC)
    old, last, this = now - timedelta(days=62), now - timedelta(days=31), now
    try:
        for when, count in ((old, 4), (last, 3), (this, 2)):
            monkeypatch.setattr(audit, "utcnow", lambda when=when: when)
            with make() as session:
                for _ in range(count):
                    audit.record(session, principal=CLERK, action="person.read",
                                 person_id=uuid.uuid4(), purpose="attention")
                session.commit()
            seal_everything(make)
        monkeypatch.undo()
        assert "9 events" in run(settings, "audit", "verify").stdout

        # Refused, in words: not the oldest, within the retention, still open.
        with make() as session:
            for month, keep, said in ((last, 0, "first"), (old, 24, "within the 24 months"),
                                      (this, 0, "not over yet")):
                with pytest.raises(ArchiveRefused, match=said):
                    archive.prepare(session, secret_key=settings.secret_key,
                                    month=f"{month:%Y-%m}", retention_months=keep)

        file = tmp_path / "old.jsonl"
        done = run(settings, "audit", "archive", "--month", f"{old:%Y-%m}", "--out", str(file),
                   env=KEEP_NONE)
        assert done.returncode == 0, done.stderr
        with make() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == 5
        verified = run(settings, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "5 events" in verified.stdout
        alone = run(settings, "audit", "verify", "--archive", str(file))
        assert alone.returncode == 0 and "4 seals" in alone.stdout, alone.stderr

        # The next month continues the chain from the first archive's checkpoint.
        with make() as session:
            second = archive.prepare(session, secret_key=settings.secret_key,
                                     month=f"{last:%Y-%m}", retention_months=0)
            archive.remove(session, second)
            session.commit()
        with make() as session:
            report = verify(session, keys=KEYS(settings.secret_key), checkpoint_every=3)
        assert report.ok and report.events == 2, report
        lines = second.content.decode().splitlines()
        assert archive.check_file(lines, link_key=KEYS(settings.secret_key).link_key,
                                  public_key=KEYS(settings.secret_key).public_key)[0]

        # A changed archive does not verify.
        forged = file.read_text().replace('"attention"', '"research"', 1).splitlines()
        keys = KEYS(settings.secret_key)
        assert archive.check_file(forged, link_key=keys.link_key, public_key=keys.public_key) \
            == (False, "the event of seal 1 was altered")
    finally:
        engine.dispose()
