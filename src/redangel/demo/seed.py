"""`redangel demo seed`: offices, demo logins and a generated population with years of program
history, loaded in batches."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth import service as auth
from redangel.auth.models import Office, UserAccount
from redangel.auth.principal import SYSTEM
from redangel.auth.secrets import hash_password
from redangel.card import service as cards
from redangel.common.clock import city_today
from redangel.common.types import BOROUGHS
from redangel.crypto.keyring import Keyring
from redangel.demo import named
from redangel.demo.bulk import (
    Prepared,
    TermDictionary,
    build_indexes,
    drop_foreign_keys,
    drop_plain_indexes,
    drop_unreferenced_keys,
    is_empty,
    load_history,
    prepare,
    write_prepared,
)
from redangel.demo.generate import DemoHousehold, PopulationGenerator
from redangel.demo.history import Actors, History, HistoryGenerator, ProgramTerms
from redangel.demo.producer import produced
from redangel.eligibility.catalog import Catalog
from redangel.history import service as history
from redangel.program import service as programs

DEMO_PASSWORD = "demo-redangel-2026"
_FIRST_BATCH = 2_000  # persons
DEMO_USERS = (
    ("clerk", "clerk", "Ana Clerk (Iztapalapa)"),
    ("supervisor", "supervisor", "Beatriz Supervisor (Iztapalapa)"),
    ("analyst", "analyst", "Carlos Analyst"),
    ("admin", "admin", "Diana Admin"),
    ("coordinator", "coordinator", "Elena Coordinación (city hall)"),
    ("call_center", "call_center", "Fernando Operador (call center)"),
    ("steward", "steward", "Fernanda Steward (data)"),
)


@dataclass(frozen=True)
class DemoLogins:
    """What the demo run prints for people to sign in with."""

    password: str
    usernames: list[str]
    agency_client_id: str | None
    agency_client_secret: str | None
    kiosk_token: str | None


def ensure_offices(session: Session) -> dict[str, uuid.UUID]:
    """One neighborhood office per borough; returns borough → office id."""
    existing = {o.borough: o.id for o in session.scalars(select(Office)).all()}
    for index, (slug, name) in enumerate(BOROUGHS.items(), start=1):
        if slug not in existing:
            office = Office(id=uuid.uuid4(), code=f"MOD-{index:02d}", name=f"Módulo {name}",
                            borough=slug)
            session.add(office)
            existing[slug] = office.id
    session.flush()
    return existing


def ensure_logins(session: Session, offices: dict[str, uuid.UUID]) -> DemoLogins:
    """One login of each kind, created once; secrets are shown only when created."""
    if session.scalar(select(UserAccount).where(UserAccount.username == "clerk")) is not None:
        return DemoLogins(DEMO_PASSWORD, [u for u, _, _ in DEMO_USERS], None, None, None)
    for username, role, display in DEMO_USERS:
        office = offices["iztapalapa"] if role in ("clerk", "supervisor") else None
        auth.create_user(session, username=username, password=DEMO_PASSWORD, role=role,
                         display_name=display, office_id=office)
    client, secret = auth.create_agency_client(session, agency_code="iaam")
    _, kiosk_token = auth.create_kiosk_device(session, name="kiosk-iztapalapa-1",
                                              office_id=offices["iztapalapa"])
    return DemoLogins(DEMO_PASSWORD, [u for u, _, _ in DEMO_USERS], client.client_id, secret,
                      kiosk_token)


def history_generator(session: Session, *, keyring: Keyring, catalog: Catalog, seed: int,
                      today: date, offices: dict[str, uuid.UUID]) -> HistoryGenerator:
    """The program history's generator: the catalog synced, the demo's clerk and supervisor as
    the staff who did the work, the active issuer key signing the cards."""
    programs.sync_catalog(session, catalog)
    terms = {code: ProgramTerms(expected_days=p.expected_days,
                                documents=[d.to_dict() for d in p.documents],
                                excludes=frozenset(p.excludes))
             for code, p in catalog.programs.items()}
    staff = {u.role: str(u.id) for u in session.scalars(
        select(UserAccount).where(UserAccount.username.in_(("clerk", "supervisor"))))}
    key = cards.ensure_issuer_key(session, keyring=keyring)
    # Demo cards were never written to a chip: their PUK is a secret nobody was given.
    actors = Actors(offices=offices, clerk=staff.get("clerk", SYSTEM.id),
                    supervisor=staff.get("supervisor", SYSTEM.id), issuer_kid=key.kid,
                    puk_hash=hash_password(secrets.token_urlsafe(16)))
    return HistoryGenerator(seed, today=today, programs=terms, actors=actors)


def seed_population(engine: Engine, *, keyring: Keyring, persons: int, seed: int,
                    offices: dict[str, uuid.UUID], catalog: Catalog | None = None,
                    batch: int = 20_000, today: date | None = None,
                    households: Iterable[DemoHousehold] | None = None,
                    on_batch: Callable[[int], None] | None = None) -> int:
    """Generate and load `persons` people in households (or load the `households` given), with
    their program history when given the catalog (the named persons first); return how many.

    Pipelined: while one thread writes a batch (COPY on PostgreSQL), the next is generated and
    sealed (on PostgreSQL, by a child process when there is more than one batch). Into an
    empty registry on PostgreSQL the load is one transaction that builds the big tables' plain
    indexes and checks their foreign keys once, after the rows (a failure leaves the registry
    as it was); later loads commit batch by batch with the indexes in place. `on_batch` is told how many
    persons each written batch held (a progress bar)."""
    today = today or city_today()
    if households is None:
        generator = PopulationGenerator(seed)
        households = generator.persons(
            persons, named=named.households(generator, today) if catalog is not None else ())
    stories = None
    if catalog is not None:
        with Session(engine) as session:
            stories = history_generator(session, keyring=keyring, seed=seed, today=today,
                                        offices=offices, catalog=catalog)
            session.commit()
    postgres = engine.dialect.name == "postgresql"
    pending = iter(households)

    def made(sealing: Keyring, encoded: bool) -> Generator[tuple[Prepared, History], None, None]:
        for chunk, history in _batches(pending, persons=persons, batch=batch, stories=stories):
            yield prepare(keyring=sealing, households=chunk, offices=offices,
                          copied=encoded), history

    # Over one batch on PostgreSQL a forked child generates and seals while this process
    # writes. Its keyring does not reload: a reload would use this process's connection.
    batches = (produced(lambda: made(replace(keyring, reload=None), True))
               if postgres and persons > batch else made(keyring, False))
    written = 0
    with engine.connect() as conn, ThreadPoolExecutor(1, "bulk-writer") as writer:
        terms = TermDictionary(conn)
        first = postgres and is_empty(conn)
        conn.rollback()
        whole = conn.begin() if first else None
        deferred = (drop_unreferenced_keys(conn) + drop_plain_indexes(conn)
                    + drop_foreign_keys(conn)) if first else []

        def write(prepared: Prepared, history: History) -> int:
            with nullcontext() if whole is not None else conn.begin():
                done = write_prepared(conn, prepared, terms)
                load_history(conn, history)
            return done

        in_flight: Future[int] | None = None
        try:
            for prepared, history in batches:
                if in_flight is not None:
                    written += _counted(in_flight.result(), on_batch)
                in_flight = writer.submit(write, prepared, history)
            if in_flight is not None:
                written += _counted(in_flight.result(), on_batch)
                in_flight = None
            if whole is not None:
                build_indexes(conn, deferred)
                whole.commit()
        finally:
            batches.close()
            if in_flight is not None:
                in_flight.exception()  # the writer is done with the connection before rollback
    if postgres:
        _refresh_statistics(engine)
    return written


def _batches(pending: Iterator[DemoHousehold], *, persons: int, batch: int,
             stories: HistoryGenerator | None) -> Iterator[tuple[list[DemoHousehold], History]]:
    """The load's batches of households with their program history, until `persons`. The
    first batch is smaller, so that the writer has rows to send soon after the load starts."""
    queued = 0
    size = min(batch, _FIRST_BATCH)
    while queued < persons:
        chunk = _chunk(pending, size, persons - queued)
        size = batch
        if not chunk:
            return
        queued += sum(len(household.members) for household in chunk)
        history = History()
        if stories is not None:
            for household in chunk:
                stories.household(household, history)
        yield chunk, history


def _counted(done: int, on_batch: Callable[[int], None] | None) -> int:
    if on_batch is not None:
        on_batch(done)
    return done


def _refresh_statistics(engine: Engine) -> None:
    """Fresh statistics, and a visibility map so that posting lists are read index-only."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("person", "person_name_term", "person_name_pair", "name_term",
                      "name_term_variant", "household", "household_membership", "application",
                      "enrollment", "delivery", "card", "history_entry"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def _chunk(households: Iterator[DemoHousehold], batch: int, room: int) -> list[DemoHousehold]:
    """The next households, up to `batch` persons (and no household once `room` is filled)."""
    chunk: list[DemoHousehold] = []
    size = 0
    for household in households:
        chunk.append(household)
        size += len(household.members)
        if size >= min(batch, room):
            break
    return chunk


def record_seed(session: Session, *, persons: int, seed: int) -> None:
    """One history entry and one audit event describing a seed run."""
    history.record(session, principal=SYSTEM, entity="import", entity_id=uuid.uuid4(),
                   action="demo_seed", changes={"persons": persons, "seed": seed})
    audit.record(session, principal=SYSTEM, action="registry.bulk_load", person_id=None,
                 purpose="demo", detail={"persons": persons, "seed": seed})
