"""The facts the life-event engine decides on, read from the registry for a person and household.

A fixed number of queries whatever the household's size: the person with their open
membership, then every current member of that household (for several persons in households,
one query: `households_of`). Sealed facts (disability, health coverage, family violence)
are opened with the keyring; nothing else leaves this module.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from redangel.common.names import full_name
from redangel.crypto.keyring import Keyring
from redangel.person.models import Membership, Person

FACT_COLUMNS = (Person.id, Person.birth_date, Person.sex, Person.borough, Person.attributes,
                Person.sensitive_sealed, Person.deceased_on)


def person_facts(row: Any, keyring: Keyring, relationship: str | None = None) -> dict[str, Any]:
    """The engine's view of one person row."""
    facts: dict[str, Any] = {"birth_date": row.birth_date, "sex": row.sex}
    if row.borough:
        facts["borough"] = row.borough
    for key, value in (row.attributes or {}).items():
        facts[key] = date.fromisoformat(value) if key == "resident_since" and value else value
    sealed = keyring.open_json(row.sensitive_sealed, table="person", column="sensitive",
                               row_id=row.id) or {}
    facts.update(sealed)
    if relationship is not None:
        facts["relationship"] = relationship
    return facts


def household_of(
    session: Session, *, keyring: Keyring, person_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The person's facts and the facts of every other current member of their household."""
    me = session.execute(
        select(*FACT_COLUMNS, Membership.household_id, Membership.relationship)
        .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.until.is_(None))
        .where(Person.id == person_id)
    ).one()
    facts = person_facts(me, keyring, me.relationship)
    if me.household_id is None:
        return facts, []
    rows = session.execute(
        select(*FACT_COLUMNS, Membership.relationship)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.household_id == me.household_id, Membership.until.is_(None),
               Person.id != person_id, Person.deceased_on.is_(None))
    ).all()
    return facts, [person_facts(r, keyring, r.relationship) for r in rows]


@lru_cache(maxsize=16)
def _households_statements(visible: ColumnElement[bool]) -> tuple[Any, Any]:
    """`households_of`'s two statements for one condition, built once per condition object
    (the system's is always the same object); the persons are bound when they run."""
    theirs = select(Membership.household_id).where(
        Membership.person_id.in_(bindparam("ids", expanding=True)), Membership.until.is_(None))
    in_households = (select(*FACT_COLUMNS, Membership.household_id, Membership.relationship,
                            visible.label("shown"))
                     .join(Membership, Membership.person_id == Person.id)
                     .where(Membership.household_id.in_(theirs), Membership.until.is_(None),
                            Person.deceased_on.is_(None)))
    alone = (select(*FACT_COLUMNS, Membership.household_id, Membership.relationship)
             .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.until.is_(None))
             .where(Person.id.in_(bindparam("ids", expanding=True)), visible))
    return in_households, alone


def households_of(
    session: Session, *, keyring: Keyring, person_ids: list[uuid.UUID],
    visible: ColumnElement[bool]
) -> dict[uuid.UUID, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """`household_of` for several persons, however many persons and households: one query when
    each of them lives in a household (every living current member of their households, whether
    the condition `visible` shows them), a second for those who do not (no household, or
    deceased). A person the condition `visible` hides is left out of the answer."""
    wanted = set(person_ids)
    in_households, alone = _households_statements(visible)
    members: dict[uuid.UUID, list[Any]] = {}
    mine: list[Any] = []
    for r in session.execute(in_households, {"ids": list(person_ids)}).all():
        members.setdefault(r.household_id, []).append(r)
        if r.id in wanted:
            wanted.discard(r.id)
            if r.shown:
                mine.append(r)
    if wanted:  # outside any household, or deceased: read alone
        mine += session.execute(alone, {"ids": list(wanted)}).all()
    facts = {r.id: person_facts(r, keyring, r.relationship) for rows in members.values() for r in rows}
    found: dict[uuid.UUID, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for me in mine:
        own = dict(facts[me.id]) if me.id in facts else person_facts(me, keyring, me.relationship)
        others = [] if me.household_id is None else [
            dict(facts[r.id]) for r in members.get(me.household_id, []) if r.id != me.id]
        found[me.id] = (own, others)
    return found


def household_members(
    session: Session, *, keyring: Keyring, person_id: uuid.UUID
) -> list[tuple[uuid.UUID, str, dict[str, Any]]]:
    """Every other living current member of the person's household: id, full name and facts."""
    household = select(Membership.household_id).where(
        Membership.person_id == person_id, Membership.until.is_(None)).scalar_subquery()
    rows = session.execute(
        select(*FACT_COLUMNS, Person.given_names, Person.first_surname, Person.second_surname,
               Membership.relationship)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.household_id == household, Membership.until.is_(None),
               Person.id != person_id, Person.deceased_on.is_(None))
        .order_by(Person.name_key, Person.id)
    ).all()
    return [(r.id, full_name(r.given_names, r.first_surname, r.second_surname),
             person_facts(r, keyring, r.relationship)) for r in rows]
