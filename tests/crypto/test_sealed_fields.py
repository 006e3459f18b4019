"""Sensitive data at rest: a canary never appears in the database file, a dump or the logs;
ciphertexts cannot be moved between rows; key rotation re-seals every row and loses none."""

from __future__ import annotations

import logging
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, select, text

from redangel.cli.keys import rotate
from redangel.common.clock import city_today
from redangel.config import Settings
from redangel.crypto.keyring import DecryptionFailed, Keyring
from redangel.crypto.service import load_keyring
from redangel.db import make_engine, make_sessionmaker
from redangel.demo import seed as demo
from redangel.logging_setup import PiiMaskingFilter, mask
from redangel.person.models import Person
from tests.builders import person_payload
from tests.conftest import make_settings, migrate, unique_suffix


def _canary_run(clerk: httpx.Client, street: str, phone: str, new_phone: str) -> dict[str, Any]:
    """Every write path a person's data goes through: registration with an Idempotency-Key and
    its replay, a rectification (history), a household, a life-event evaluation and its
    applications (sealed replay), reads (audit)."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    payload = person_payload(
        unique_suffix(), phone=phone, birth_date="1990-03-04",
        address={"borough": "iztapalapa", "street": street, "postal_code": "09000"},
        sensitive={"disability": "permanent", "family_violence": True},
    )
    created = clerk.post("/persons", json=payload, headers=key)
    assert created.status_code == 201
    assert clerk.post("/persons", json=payload, headers=key).json() == created.json()
    person = created.json()
    changed = clerk.patch(f"/persons/{person['id']}", json={"phone": new_phone},
                          headers={"If-Match": created.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert clerk.get(f"/persons/{person['id']}").json()["address"]["street"] == street
    household = clerk.post("/households", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "borough": "iztapalapa",
        "members": [{"person_id": person["id"], "relationship": "head", "since": "2015-01-01"}]})
    assert household.status_code == 201, household.text
    evaluated = clerk.post("/life-events/job_loss/evaluations", json={
        "person_id": person["id"], "answers": {"formal_job": True,
                                               "job_end_date": city_today().isoformat()}})
    assert evaluated.status_code == 201, evaluated.text
    eligible = [r["program"] for r in evaluated.json()["results"] if r["verdict"] == "eligible"]
    assert eligible, evaluated.text
    apply = {"evaluation_id": evaluated.json()["evaluation_id"], "programs": eligible[:1]}
    applied = clerk.post("/life-events/job_loss/applications", json=apply,
                         headers={"Idempotency-Key": str(uuid.uuid4())})
    assert applied.status_code == 201, applied.text
    return person


def _rows_holding(engine: Any, canaries: list[str]) -> list[str]:
    """Every table, every row, every column as text: where does a canary appear?"""
    found = []
    with engine.connect() as connection:
        tables = MetaData()
        tables.reflect(connection)
        for table in tables.sorted_tables:
            for row in connection.execute(table.select()):
                cells = " ".join(c.hex() + repr(bytes(c)) if isinstance(c, (bytes, memoryview))
                                 else str(c) for c in row)
                found += [f"{table.name}: {c}" for c in canaries if c in cells]
    return found


def test_canary_never_reaches_any_table_the_database_file_a_dump_or_the_logs(
    clerk: httpx.Client, settings: Settings, backend: str, engine: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    street = f"Calle Canario {uuid.uuid4().hex[:10]}"
    phone, new_phone = ("55" + str(uuid.uuid4().int)[:8] for _ in range(2))
    caplog.set_level(logging.DEBUG)
    person = _canary_run(clerk, street, phone, new_phone)
    canaries = [street, phone, new_phone, person["curp"]]  # a CURP: only its blind index is kept
    assert _rows_holding(engine, canaries) == []
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
    assert not [c for c in canaries if c.encode() in stored]
    assert not [c for c in canaries if c in caplog.text]


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


def test_rotation_reseals_every_row_and_loses_none(fresh_url: str, tmp_path: Path) -> None:
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    engine = make_engine(fresh_url)
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


def test_logs_mask_curps_phones_and_emails() -> None:
    line = "lookup HEGG560427MVZRRL04 by ana.lopez@example.mx at 55 1234 5678"
    assert mask(line) == "lookup [masked] by [masked] at [masked]"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "curp %s", ("BEML920313HMCLNS09",), None)
    assert PiiMaskingFilter().filter(record)
    assert "BEML920313HMCLNS09" not in record.getMessage()


def test_a_column_sealed_at_once_opens_row_by_row_and_only_in_its_own_row() -> None:
    """`seal_many` (the bulk load's sealing) binds each value to its own row with its own
    nonce, as `seal` does; `blind_indexes` gives what `blind_index` gives."""
    keyring = Keyring()
    keyring.add(3, os.urandom(32), active=True)
    keyring.blind_index_key = os.urandom(32)
    ids = [uuid.uuid4() for _ in range(40)]
    values = [None if i % 7 == 0 else f"valor {i} ñ".encode() for i in range(40)]
    sealed = keyring.seal_many(values, table="person", column="contact",
                               row_ids=[str(i) for i in ids])
    assert [s is None for s in sealed] == [v is None for v in values]
    blobs = [s for s in sealed if s is not None]
    assert len({blob[2:14] for blob in blobs}) == len(blobs)  # a nonce of its own each
    for row_id, value, blob in zip(ids, values, sealed, strict=True):
        if blob is None:
            continue
        assert Keyring.version_of(blob) == 3
        assert keyring.open(blob, table="person", column="contact", row_id=row_id) == value
        with pytest.raises(DecryptionFailed):
            keyring.open(blob, table="person", column="contact", row_id=uuid.uuid4())
        with pytest.raises(DecryptionFailed):
            keyring.open(blob, table="person", column="sensitive", row_id=row_id)
    curps = ["HEGG560427MVZRRL04", None, "BEML920313HMCLNS09"]
    assert keyring.blind_indexes("curp", curps) == [
        keyring.blind_index("curp", c) if c else None for c in curps]
    keyring.blind_index_key = os.urandom(100)  # longer than a block: hashed first, as HMAC does
    assert keyring.blind_indexes("curp", curps[:1]) == [keyring.blind_index("curp", curps[0])]
