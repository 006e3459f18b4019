"""One sealer at a time on PostgreSQL, whichever worker or machine it runs in: while another
holds the sealer's advisory lock a round seals nothing, and once it lets go the next round
seals everything waiting."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.audit.models import AuditSeal
from redangel.auth.principal import Principal
from redangel.db import make_engine, make_sessionmaker
from tests.audit.sealing import seal_everything
from tests.conftest import fresh_database, make_settings, migrate

CONFIG = audit.AuditConfig(secret_key="one-sealer-secret-key-000000000000000000")
CLERK = Principal(kind="staff", id=str(uuid.uuid4()), role="clerk")


def test_a_second_sealer_waits_its_turn(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path, "sealer") as url:
        migrate(make_settings(url, tmp_path))
        engine = make_engine(url)
        factory = make_sessionmaker(engine)

        def make() -> Session:
            session = factory()
            audit.configure(session, CONFIG)
            return session

        try:
            with make() as session:
                for _ in range(3):
                    audit.record(session, principal=CLERK, action="person.read",
                                 person_id=uuid.uuid4(), purpose="attention")
                session.commit()
            other = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
            try:
                other.execute("SELECT pg_advisory_lock(%s)", (audit.SEALER_LOCK,))
                for _ in range(3):
                    assert audit.seal_all(make) == 0
                with make() as session:
                    assert session.scalar(select(func.count()).select_from(AuditSeal)) == 0
            finally:
                other.close()  # the other sealer's process ends: its lock goes with it
            seal_everything(make)
            with make() as session:
                assert session.scalar(select(func.count()).select_from(AuditSeal)) == 3
        finally:
            engine.dispose()
