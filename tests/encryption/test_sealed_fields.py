"""Sensitive data at rest: a canary never appears in the database file, a dump or the logs;
ciphertexts cannot be moved between rows; key rotation re-seals every row and loses none."""

from __future__ import annotations

import logging
import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from redangel.config import Settings
from redangel.crypto.keyring import DecryptionFailed
from redangel.logging_setup import PiiMaskingFilter, mask
from redangel.person.models import Person
from tests.builders import person_payload
from tests.conftest import drop_postgres_database, make_settings, migrate, postgres_database, unique_suffix


def test_canary_never_reaches_the_database_file_a_dump_or_the_logs(
    clerk: httpx.Client, settings: Settings, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    canary = f"Calle Canario {uuid.uuid4().hex[:10]}"
    phone = "55" + str(uuid.uuid4().int)[:8]
    caplog.set_level(logging.DEBUG)
    created = clerk.post(
        "/persons",
        json=person_payload(
            unique_suffix(),
            phone=phone,
            address={"borough": "iztapalapa", "street": canary, "postal_code": "09000"},
            sensitive={"disability": "permanent", "family_violence": True},
        ),
    )
    assert created.status_code == 201
    assert clerk.get(f"/persons/{created.json()['id']}").json()["address"]["street"] == canary
    if backend == "sqlite":
        database = Path(settings.effective_database_url.removeprefix("sqlite:///"))
        stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    else:
        dump = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                settings.effective_database_url.replace("postgresql+psycopg", "postgresql"),
            ],
            capture_output=True,
            check=True,
        )
        stored = dump.stdout
    assert canary.encode() not in stored and phone.encode() not in stored
    assert created.json()["curp"].encode() not in stored  # only its blind index is stored
    assert canary not in caplog.text and phone not in caplog.text


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(clerk: httpx.Client, sessions, keyring) -> None:  # type: ignore[no-untyped-def]
    first = clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"]
    second = clerk.post("/persons", json=person_payload(unique_suffix())).json()["id"]
    with sessions() as session:
        rows = {
            p.id: p
            for p in session.scalars(
                select(Person).where(Person.id.in_([uuid.UUID(first), uuid.UUID(second)]))
            )
        }
        blob = rows[uuid.UUID(first)].contact_sealed
        keyring.open(blob, table="person", column="contact", row_id=uuid.UUID(first))
        with pytest.raises(DecryptionFailed):
            keyring.open(blob, table="person", column="contact", row_id=uuid.UUID(second))
        with pytest.raises(DecryptionFailed):
            keyring.open(blob, table="person", column="sensitive", row_id=uuid.UUID(first))


def test_rotation_reseals_every_row_and_loses_none(backend: str, tmp_path: Path) -> None:
    from redangel.crypto.repository import load_keyring
    from redangel.crypto.rotate import rotate
    from redangel.db import make_engine, make_sessionmaker
    from redangel.demo import seed as demo

    name = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'rotate.db'}"
    else:
        name = f"redangel_rotate_{os.getpid()}"
        url = postgres_database(name)
    settings = make_settings(url, tmp_path)
    migrate(settings)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    try:
        with factory() as session:
            keyring = load_keyring(
                session, kek=settings.kek_bytes, blind_index_key=settings.blind_index_bytes
            )
            offices = demo.ensure_offices(session)
            session.commit()
        written = demo.seed_population(engine, keyring=keyring, persons=3000, seed=5, offices=offices)

        def snapshot() -> dict[uuid.UUID, tuple[object, object]]:
            with factory() as session:
                return {
                    p.id: (
                        keyring.open_json(p.contact_sealed, table="person", column="contact", row_id=p.id),
                        keyring.open_json(
                            p.sensitive_sealed, table="person", column="sensitive", row_id=p.id
                        ),
                    )
                    for p in session.scalars(select(Person))
                }

        before = snapshot()
        report = rotate(factory, kek=settings.kek_bytes, keyring=keyring, batch=400)
        assert report.rows_resealed == written == 3000 and report.rows_remaining == 0
        with factory() as session:
            versions = set(session.scalars(select(Person.key_version)).all())
        assert versions == {report.new_version}
        assert snapshot() == before
        with factory() as session:  # a fresh process can still read everything after rotation
            fresh = load_keyring(session, kek=settings.kek_bytes, blind_index_key=settings.blind_index_bytes)
            some = session.scalars(select(Person).limit(5)).all()
            for person in some:
                fresh.open(person.contact_sealed, table="person", column="contact", row_id=person.id)
            assert session.execute(text("SELECT count(*) FROM data_key")).scalar() == 2
    finally:
        engine.dispose()
        if name:
            drop_postgres_database(name)


def test_logs_mask_curps_phones_and_emails() -> None:
    line = "lookup HEGG560427MVZRRL04 by ana.lopez@example.mx at 55 1234 5678"
    assert mask(line) == "lookup [masked] by [masked] at [masked]"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "curp %s", ("BEML920313HMCLNS09",), None)
    assert PiiMaskingFilter().filter(record)
    assert "BEML920313HMCLNS09" not in record.getMessage()
