"""All SQL about persons and the name-search index."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    delete,
    func,
    insert,
    literal,
    not_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from redangel.common.names import deletions
from redangel.common.sql import insert_ignoring_conflicts, insert_returning_new
from redangel.person.models import Membership, NameTerm, NameTermVariant, Person, PersonNameTerm

_Stmt = TypeVar("_Stmt", bound=Select[*tuple[Any, ...]])

BRIEF_COLUMNS = (
    Person.id, Person.given_names, Person.first_surname, Person.second_surname,
    Person.name_key, Person.birth_date, Person.sex, Person.borough,
    Person.curp_index.is_not(None).label("has_curp"),
)


def get(session: Session, person_id: uuid.UUID, visible: ColumnElement[bool]) -> Person | None:
    """A person the principal may see, or None."""
    return session.scalar(select(Person).where(Person.id == person_id, visible))


def get_with_membership(
    session: Session, person_id: uuid.UUID, visible: ColumnElement[bool]
) -> tuple[Person, Membership | None] | None:
    """A person the principal may see with their open household membership, in one query."""
    row = session.execute(
        select(Person, Membership)
        .outerjoin(Membership, and_(Membership.person_id == Person.id, Membership.until.is_(None)))
        .where(Person.id == person_id, visible)
    ).first()
    return (row[0], row[1]) if row is not None else None


def get_for_update(
    session: Session, person_id: uuid.UUID, visible: ColumnElement[bool]
) -> Person | None:
    """A visible person, row-locked for the rest of the transaction."""
    return session.scalar(select(Person).where(Person.id == person_id, visible).with_for_update())


def by_curp_index(session: Session, curp_index: str) -> Any:
    """The brief of whoever holds a CURP, regardless of scope (for duplicate checks)."""
    return session.execute(select(*BRIEF_COLUMNS).where(Person.curp_index == curp_index)).first()


def born_on(session: Session, birth_date: date) -> Sequence[Any]:
    """Briefs of everyone born on a date (a few dozen at most in a city's registry)."""
    return session.execute(select(*BRIEF_COLUMNS).where(Person.birth_date == birth_date,
                                                         Person.merged_into_id.is_(None))).all()


def merged_into(session: Session, person_id: uuid.UUID) -> uuid.UUID | None:
    """The record a person's record was merged into, if it was."""
    return session.scalar(select(Person.merged_into_id).where(Person.id == person_id))


def visible_ids(
    session: Session, ids: Iterable[uuid.UUID], visible: ColumnElement[bool]
) -> set[uuid.UUID]:
    """Which of these persons the principal may see."""
    wanted = list(ids)
    if not wanted:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(wanted), visible)))


def briefs(session: Session, ids: Iterable[uuid.UUID]) -> Sequence[Any]:
    """Briefs of the given persons."""
    return session.execute(select(*BRIEF_COLUMNS).where(Person.id.in_(list(ids)))).all()


def term_ids(session: Session, terms: Iterable[str]) -> dict[str, int]:
    """Dictionary ids of the given terms, creating the missing ones with their variants."""
    wanted = sorted(set(terms))
    if not wanted:
        return {}
    known = dict(session.execute(select(NameTerm.term, NameTerm.id).where(NameTerm.term.in_(wanted))).all())
    missing = [t for t in wanted if t not in known]
    if missing:
        table = NameTerm.__table__
        created = dict(insert_returning_new(session, table, [{"term": t} for t in missing],  # type: ignore[arg-type]
                                            on=("term",), returning=(table.c.term, table.c.id)))
        others = [t for t in missing if t not in created]  # taken meanwhile by another writer
        if others:
            created.update(session.execute(
                select(NameTerm.term, NameTerm.id).where(NameTerm.term.in_(others))).all())
        variants = [
            {"variant": v, "term_id": created[t]} for t in missing for v in deletions(t)
        ]
        insert_ignoring_conflicts(session, NameTermVariant.__table__, variants,
                                  on=("variant", "term_id"))
        known.update(created)
    return known


def replace_name_terms(session: Session, person_id: uuid.UUID, terms: Iterable[str]) -> None:
    """Point the name index of a person at exactly these terms."""
    session.execute(delete(PersonNameTerm).where(PersonNameTerm.person_id == person_id))
    add_name_terms(session, person_id, terms)


def add_name_terms(session: Session, person_id: uuid.UUID, terms: Iterable[str]) -> None:
    """Index a new person's name under these terms (a person just created has none yet)."""
    ids = term_ids(session, terms)
    if ids:
        session.execute(
            insert(PersonNameTerm),
            [{"term_id": tid, "person_id": person_id} for tid in sorted(set(ids.values()))],
        )


@dataclass(frozen=True)
class TermMatch:
    """A dictionary term that matches a query term, exactly or within one edit."""

    term_id: int
    term: str


def candidate_terms(session: Session, query_terms: Iterable[str]) -> list[TermMatch]:
    """Dictionary terms sharing a one-deletion variant with any of the query terms."""
    variants = set().union(*(deletions(t) for t in query_terms))
    if not variants:
        return []
    rows = session.execute(
        select(NameTerm.id, NameTerm.term)
        .join(NameTermVariant, NameTermVariant.term_id == NameTerm.id)
        .where(NameTermVariant.variant.in_(sorted(variants)))
        .distinct()
    ).all()
    return [TermMatch(r.id, r.term) for r in rows]


@dataclass(frozen=True)
class SearchFilter:
    """What a search asks for; each term set must match one of the person's name terms, and
    a person matching every one of `exclude_sets` is left out (the exact matches, when the
    approximate ones are asked for)."""

    visible: ColumnElement[bool]
    term_sets: list[list[int]]
    curp_index: str | None = None
    birth_date: date | None = None
    borough: str | None = None
    after: tuple[str, uuid.UUID] | None = None
    limit: int = 20
    exclude_sets: list[list[int]] | None = None


def _has_terms(sets: list[list[int]]) -> list[ColumnElement[bool]]:
    return [
        Person.id.in_(select(PersonNameTerm.person_id).where(PersonNameTerm.term_id.in_(ids)))
        for ids in sets
    ]


def _filtered(stmt: _Stmt, f: SearchFilter) -> _Stmt:
    stmt = stmt.where(f.visible, *_has_terms(f.term_sets))
    if f.exclude_sets:
        stmt = stmt.where(not_(and_(*_has_terms(f.exclude_sets))))
    if f.curp_index is not None:
        stmt = stmt.where(Person.curp_index == f.curp_index)
    if f.birth_date is not None:
        stmt = stmt.where(Person.birth_date == f.birth_date)
    if f.borough is not None:
        stmt = stmt.where(Person.borough == f.borough)
    return stmt


def search(session: Session, f: SearchFilter) -> Sequence[Any]:
    """One keyset page of briefs ordered by normalised name, at most limit + 1 rows."""
    stmt = _filtered(select(*BRIEF_COLUMNS), f)
    if f.after is not None:
        after = tuple_(literal(f.after[0]), literal(f.after[1], type_=Uuid()))
        stmt = stmt.where(tuple_(Person.name_key, Person.id) > after)
    stmt = stmt.order_by(Person.name_key, Person.id).limit(f.limit + 1)
    return session.execute(stmt).all()


def count(session: Session, f: SearchFilter) -> int:
    """How many persons the filter matches in all (its cursor and limit ignored)."""
    return int(session.scalar(_filtered(select(func.count()).select_from(Person), f)) or 0)


def current_membership(session: Session, person_id: uuid.UUID) -> Membership | None:
    """The person's open household membership, if any."""
    return session.scalar(
        select(Membership).where(Membership.person_id == person_id, Membership.until.is_(None))
    )


def sealed_before(session: Session, version: int, *, limit: int) -> Sequence[Any]:
    """Up to `limit` persons' sealed columns still sealed with a key older than `version`."""
    return session.execute(
        select(Person.id, Person.version, Person.curp_sealed, Person.contact_sealed,
               Person.sensitive_sealed)
        .where(Person.key_version < version).order_by(Person.id).limit(limit)
    ).all()


def reseal(session: Session, person_id: uuid.UUID, *, version: int,
           values: dict[str, object]) -> int:
    """Write re-sealed columns unless the row changed since it was read (0 rows then)."""
    result = session.execute(
        update(Person).where(Person.id == person_id, Person.version == version).values(**values)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def count_all(session: Session) -> int:
    """How many persons the registry holds."""
    return int(session.scalar(select(func.count()).select_from(Person)) or 0)
