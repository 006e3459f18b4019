"""A bulk load leaves the database as the normal path would: after `demo seed` (COPY with the
loader's own term ids on PostgreSQL), a clerk registers a person whose names the demo never used,
and the name search finds them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from redangel.common.names import term_pairs
from redangel.crypto.service import load_keyring
from redangel.db import make_engine, make_sessionmaker
from redangel.demo import seed as demo
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
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return sorted(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).all())
        return sorted(conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())


def test_a_first_load_builds_the_indexes_after_the_rows_or_leaves_nothing(
        backend: str, fresh_url: str, tmp_path: Path) -> None:
    """Into an empty registry the loader drops the big tables' plain indexes and builds them
    after the rows, in the load's one transaction: a load that fails half-way leaves no person
    and every index; one that finishes leaves the same indexes as the migrations made."""
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
        key = session.scalars(select(Person.name_key).limit(1)).one()
        carried: dict[Any, list[int]] = {}
        for term_id, person_id in session.execute(select(PersonNameTerm.term_id,
                                                         PersonNameTerm.person_id)):
            carried.setdefault(person_id, []).append(term_id)
        pairs = sorted(session.execute(select(PersonNamePair.first_term_id,
                                              PersonNamePair.second_term_id,
                                              PersonNamePair.person_id)).tuples())
    engine.dispose()
    assert key
    # the term-pair index of the name search is loaded with the postings, pair for pair
    assert len(carried) == 500
    assert pairs == sorted((a, b, pid) for pid, own in carried.items() for a, b in term_pairs(own))
