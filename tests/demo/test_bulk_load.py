"""A bulk load leaves the database as the normal path would: after `demo seed` (COPY with the
loader's own term ids on PostgreSQL), a clerk registers a person whose names the demo never used,
and the name search finds them."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from redangel.common.names import term_pairs
from redangel.crypto.keyring import Keyring
from redangel.crypto.service import load_keyring
from redangel.db import make_engine, make_sessionmaker
from redangel.demo import seed as demo
from redangel.demo.bulk import PERSON_COLUMNS, copy_text, prepare
from redangel.demo.generate import DemoHousehold, PopulationGenerator
from redangel.person import repository
from redangel.person.models import NameTerm, Person, PersonNamePair, PersonNameTerm
from tests.builders import build_world, person_payload
from tests.conftest import login, make_settings, migrate, start_server, unique_suffix


def test_new_name_terms_after_a_demo_seed(backend: str, fresh_url: str, tmp_path: Path) -> None:
    settings = make_settings(fresh_url, tmp_path, rate_limit_login_per_minute=1000)
    migrate(settings)
    server = start_server(settings)
    app: Any = server.app
    try:
        with app.state.sessionmaker() as session:
            world = build_world(session)
            offices = demo.ensure_offices(session)
            session.commit()
        assert demo.seed_population(app.state.engine, keyring=app.state.keyring, persons=50,
                                    seed=3, offices=offices, catalog=app.state.catalog) == 50
        with app.state.sessionmaker() as session:
            loaded = session.scalar(select(func.count()).select_from(NameTerm))
        assert loaded, "the demo wrote no name terms"
        clerk = login(server, world.clerk, world.password)
        try:
            for _ in range(3):  # each one brings terms the dictionary has never seen
                surname = f"{unique_suffix()}quetzal"
                answer = clerk.post("/persons", json=person_payload(
                    "", given_names=f"{unique_suffix()}itzel", first_surname=surname))
                assert answer.status_code == 201, answer.text
                found = clerk.post("/persons/search", json={"name": surname})
                assert found.status_code == 200, found.text
                assert [p["id"] for p in found.json()["items"]] == [answer.json()["id"]]
        finally:
            clerk.close()
        if backend == "postgresql":
            _a_clash_on_the_id_is_not_hidden(app)
    finally:
        server.server.should_exit = True
        if backend == "postgresql":
            time.sleep(0.3)  # let it close its connections before the database is dropped


def _a_clash_on_the_id_is_not_hidden(app: Any) -> None:
    """With the sequence pushed behind (as the old loader left it), a new term's insert fails
    loudly on the id instead of being skipped as if the term existed."""
    with app.state.sessionmaker() as session:
        session.execute(text("SELECT setval(pg_get_serial_sequence('name_term', 'id'), 1)"))
        session.commit()
    with app.state.sessionmaker() as session, pytest.raises(IntegrityError):
        repository.term_ids(session, [f"{unique_suffix().upper()}NUEVO"])


def _indexes(engine: Any) -> list[tuple[str, str]]:
    """The indexes, and on PostgreSQL the constraints too (foreign keys are deferred as well)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return sorted([*conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).all(),
                *conn.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) || ' ' || convalidated::text "
                    "FROM pg_constraint WHERE connamespace = 'public'::regnamespace")).all()])
        return sorted(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())


def test_a_first_load_builds_the_indexes_after_the_rows_or_leaves_nothing(
        backend: str, fresh_url: str, tmp_path: Path) -> None:
    """Into an empty registry the loader drops the big tables' plain indexes and foreign keys
    and builds them after the rows, in the load's one transaction: a load that fails half-way
    (in the process that generates the batches) leaves no person and every index and
    constraint; one that finishes leaves the same ones as the migrations made, and rows that
    open with the keyring as the generator made them."""
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    engine = make_engine(settings.effective_database_url)
    with make_sessionmaker(engine)() as session:
        keyring = load_keyring(session, kek=settings.kek_bytes,
                               blind_index_key=settings.blind_index_bytes)
        offices = demo.ensure_offices(session)
        session.commit()
    before = _indexes(engine)
    assert any(name == "ix_person_name_key_id" for name, _ in before)
    if backend == "postgresql":
        assert any(name == "fk_household_membership_person_id_person" for name, _ in before)

    def broken() -> Iterator[DemoHousehold]:
        yield from PopulationGenerator(5).persons(300)
        raise RuntimeError("the input ends in the middle of a record")

    if backend == "postgresql":
        with pytest.raises(RuntimeError):
            demo.seed_population(engine, keyring=keyring, persons=1000, seed=5, offices=offices,
                                 batch=100, households=broken())
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Person)) == 0
        assert _indexes(engine) == before
    assert demo.seed_population(engine, keyring=keyring, persons=500, seed=5, offices=offices,
                                batch=100) == 500
    assert _indexes(engine) == before
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 500
        stored = {p.id: p for p in session.scalars(select(Person))}
        postings = session.scalar(select(func.count()).select_from(PersonNameTerm))
        carried: dict[Any, list[int]] = {}
        for term_id, person_id in session.execute(select(PersonNameTerm.term_id,
                                                         PersonNameTerm.person_id)):
            carried.setdefault(person_id, []).append(term_id)
        pairs = sorted(tuple(row) for row in session.execute(
            select(PersonNamePair.first_term_id, PersonNamePair.second_term_id,
                   PersonNamePair.person_id)))
    engine.dispose()
    # the term-pair index of the name search is loaded with the postings, pair for pair
    assert len(carried) == 500
    assert pairs == sorted((a, b, pid) for pid, own in carried.items() for a, b in term_pairs(own))
    made = [p for h in PopulationGenerator(5).persons(500) for p in h.members]
    assert {p.id for p in made} == set(stored)
    assert postings == sum(len(set(stored[p.id].name_key.split())) for p in made)
    for p in made[::7]:
        row = stored[p.id]
        assert (row.given_names, row.birth_date, row.attributes) == (
            p.given_names, p.birth_date, p.attributes)
        curp = keyring.open(row.curp_sealed, table="person", column="curp", row_id=row.id) \
            if row.curp_sealed is not None else None
        assert curp == (p.curp.encode() if p.curp else None)
        assert keyring.open_json(row.sensitive_sealed, table="person", column="sensitive",
                                 row_id=row.id) == p.sensitive
        contact = keyring.open_json(row.contact_sealed, table="person", column="contact",
                                    row_id=row.id)
        assert contact.get("phone") == p.phone


@pytest.mark.parametrize("value", [
    "plain", "tab\there", "line\nbreak", "carriage\rreturn", "back\\slash \\N", "Ñuñez José",
    None, b"\x00\x01\\\xff", {"a": "tab\t", "b": [1, 2.5, None], "ñ": True},
])
def test_copy_text_reads_back_as_written(value: Any) -> None:
    """Rows put in COPY's text format by the producer process read back as the same values
    (PostgreSQL's COPY: the embedded database loads without it)."""
    url = os.environ["REDANGEL_TEST_POSTGRES_URL"]
    now = datetime(2026, 12, 7, 14, 0, 0, 123456, tzinfo=UTC)
    row = (uuid.uuid4(), 7, True, date(1950, 2, 28), now,
           value if isinstance(value, str) or value is None else None,
           value if isinstance(value, dict) else None,
           value if isinstance(value, bytes) else None)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE copied (id uuid, n int, b bool, d date, t timestamptz, "
                     "s text, j json, x bytea)")
        with conn.cursor().copy("COPY copied FROM STDIN") as copy:
            copy.write(copy_text([row]))
        back = conn.execute("SELECT * FROM copied").fetchone()
    assert back == row


def test_rows_made_for_copy_hold_the_values_of_the_rows_made_for_insert() -> None:
    """The producer's COPY text (built directly, sealed column by column) holds, column for
    column, what the row tuples of the embedded database's path hold once written as COPY text;
    sealed values differ only by their random nonces and open, under their own row's id, to the
    same plaintext."""
    keyring = Keyring()
    keyring.add(1, os.urandom(32), active=True)
    keyring.blind_index_key = os.urandom(32)
    households = list(PopulationGenerator(11).persons(400))
    offices = {"iztapalapa": uuid.uuid4(), "coyoacan": uuid.uuid4()}
    rows = prepare(keyring=keyring, households=households, offices=offices)
    copied = prepare(keyring=keyring, households=households, offices=offices, copied=True)
    assert copied.size == len(rows.persons) == 400 and not copied.persons
    sealed = {PERSON_COLUMNS.index(c): c.removesuffix("_sealed")
              for c in ("curp_sealed", "contact_sealed", "sensitive_sealed")}
    stamps = {PERSON_COLUMNS.index("created_at"), PERSON_COLUMNS.index("updated_at")}
    for name, expected in (("person", rows.persons), ("household", rows.homes),
                           ("household_membership", rows.memberships)):
        made = [line.split("\t") for line in copied.copied[name].splitlines()]
        want = [line.split("\t") for line in copy_text(expected).splitlines()]
        assert len(made) == len(want) == len(expected)
        for got, row, values in zip(made, want, expected, strict=True):
            for i, (a, b) in enumerate(zip(got, row, strict=True)):
                if name == "person" and i in sealed and b != "\\N":
                    opened = [keyring.open(bytes.fromhex(v[3:]), table="person",
                                           column=sealed[i], row_id=values[0]) for v in (a, b)]
                    assert opened[0] == opened[1]
                elif (name == "person" and i in stamps) or (name != "person" and i == len(row) - 1):
                    assert datetime.fromisoformat(a)  # the batch's moment
                else:
                    assert a == b, (name, i)
    assert sorted(copied.copied_postings) == sorted((t, str(pid)) for t, pid in rows.postings)
    assert copied.terms == rows.terms
    assert keyring.blind_indexes("curp", ["HEGG560427MVZRRL04", None]) == [
        keyring.blind_index("curp", "HEGG560427MVZRRL04"), None]
