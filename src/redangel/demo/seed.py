"""`redangel demo seed`: offices, demo logins and a generated population with years of program
history, loaded in batches."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from itertools import islice

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
from redangel.demo.bulk import TermDictionary, load_history, load_households
from redangel.demo.generate import PopulationGenerator
from redangel.demo.history import Actors, History, HistoryGenerator, ProgramTerms
from redangel.eligibility.catalog import Catalog
from redangel.history import service as history
from redangel.program import service as programs

DEMO_PASSWORD = "demo-redangel-2026"
DEMO_USERS = (
    ("clerk", "clerk", "Ana Clerk (Iztapalapa)"),
    ("supervisor", "supervisor", "Beatriz Supervisor (Iztapalapa)"),
    ("analyst", "analyst", "Carlos Analyst"),
    ("admin", "admin", "Diana Admin"),
    ("coordinator", "coordinator", "Elena Coordinación (city hall)"),
    ("call_center", "call_center", "Fernando Operador (call center)"),
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
                    batch: int = 20_000, today: date | None = None) -> int:
    """Generate and load `persons` people in households, one transaction per batch; given the
    catalog, the named persons come first and everyone's program history is loaded too."""
    today = today or city_today()
    generator = PopulationGenerator(seed)
    households = generator.persons(
        persons, named=named.households(generator, today) if catalog is not None else ())
    stories = None
    if catalog is not None:
        with Session(engine) as session:
            stories = history_generator(session, keyring=keyring, seed=seed, today=today,
                                        offices=offices, catalog=catalog)
            session.commit()
    written = 0
    with engine.connect() as conn:
        terms = TermDictionary(conn)
        conn.rollback()
        while written < persons:
            chunk = []
            size = 0
            for household in islice(households, batch):
                chunk.append(household)
                size += len(household.members)
                if size >= batch:
                    break
            if not chunk:
                break
            history = History()
            if stories is not None:
                for household in chunk:
                    stories.household(household, history)
            with conn.begin():
                written += load_households(conn, keyring=keyring, households=chunk,
                                           offices=offices, terms=terms)
                load_history(conn, history)
    if engine.dialect.name == "postgresql":
        # Fresh statistics, and a visibility map so that posting lists are read index-only.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("person", "person_name_term", "name_term", "name_term_variant",
                          "household", "household_membership", "application", "enrollment",
                          "delivery", "card", "history_entry"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return written


def record_seed(session: Session, *, persons: int, seed: int) -> None:
    """One history entry and one audit event describing a seed run."""
    history.record(session, principal=SYSTEM, entity="import", entity_id=uuid.uuid4(),
                   action="demo_seed", changes={"persons": persons, "seed": seed})
    audit.record(session, principal=SYSTEM, action="registry.bulk_load", person_id=None,
                 purpose="demo", detail={"persons": persons, "seed": seed})
