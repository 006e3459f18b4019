"""All SQL about persons and the name-search index."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    and_,
    bindparam,
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

from redangel.common.names import deletions, term_pairs
from redangel.common.sql import insert_ignoring_conflicts, insert_returning_new, one_of
from redangel.person.models import (
    Membership,
    NameTerm,
    NameTermVariant,
    Person,
    PersonNamePair,
    PersonNameTerm,
)

_Stmt = TypeVar("_Stmt", bound=Select[*tuple[Any, ...]])

BRIEF_COLUMNS = (
    Person.id, Person.given_names, Person.first_surname, Person.second_surname,
    Person.name_key, Person.birth_date, Person.sex, Person.borough,
    Person.curp_index.is_not(None).label("has_curp"),
)


def get(session: Session, person_id: uuid.UUID, visible: ColumnElement[bool]) -> Person | None:
    """A person the principal may see, or None."""
    return session.scalar(select(Person).where(Person.id == person_id, visible))


_PERSON = Person.__table__.c
_MEMBERSHIP = Membership.__table__.c


def read_statement(visible: ColumnElement[bool]) -> Any:
    """The statement of `read_visible` for one scope: a person's row with their open household
    membership (`membership_household_id`, `membership_relationship`, `membership_since`) as
    plain columns. Built once per scope by the caller, run with `person_id`."""
    return (
        select(*_PERSON, _MEMBERSHIP.household_id.label("membership_household_id"),
               _MEMBERSHIP.relationship.label("membership_relationship"),
               _MEMBERSHIP.since.label("membership_since"))
        .outerjoin(Membership.__table__,
                   and_(_MEMBERSHIP.person_id == _PERSON.id, _MEMBERSHIP.until.is_(None)))
        .where(_PERSON.id == bindparam("person_id"), visible)
    )


def read_visible(session: Session, statement: Any, person_id: uuid.UUID) -> Any:
    """A person the scope of `statement` (`read_statement`) lets see, as one plain row, or
    None."""
    return session.execute(statement, {"person_id": person_id}).first()


async def read_visible_async(conn: AsyncConnection[Any], statement: str,
                             params: dict[str, Any]) -> Any:
    """`read_visible` on an event loop's PostgreSQL connection: `statement` is the text of
    `read_statement` (audited, see `service.read_shown`), `params` its values and `person_id`."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(statement, params)
    return await cursor.fetchone()


def get_for_update(
    session: Session, person_id: uuid.UUID, visible: ColumnElement[bool]
) -> Person | None:
    """A visible person, row-locked for the rest of the transaction."""
    return session.scalar(select(Person).where(Person.id == person_id, visible).with_for_update())


_BY_CURP_INDEX = select(*BRIEF_COLUMNS).where(Person.curp_index == bindparam("curp_index"))
_BORN_ON = select(*BRIEF_COLUMNS).where(Person.birth_date == bindparam("birth_date"),
                                        Person.merged_into_id.is_(None))


def by_curp_index(session: Session, curp_index: str) -> Any:
    """The brief of whoever holds a CURP, regardless of scope (for duplicate checks)."""
    return session.execute(_BY_CURP_INDEX, {"curp_index": curp_index}).first()


def born_on(session: Session, birth_date: date) -> Sequence[Any]:
    """Briefs of everyone born on a date (a few dozen at most in a city's registry)."""
    return session.execute(_BORN_ON, {"birth_date": birth_date}).all()


def merged_into(session: Session, person_id: uuid.UUID) -> uuid.UUID | None:
    """The record a person's record was merged into, if it was."""
    return session.scalar(select(Person.merged_into_id).where(Person.id == person_id))


@lru_cache(maxsize=16)
def _visible_ids(visible: ColumnElement[bool]) -> Select[uuid.UUID]:
    """`visible_ids`'s statement for one condition object, built once."""
    return select(Person.id).where(Person.id.in_(bindparam("ids", expanding=True)), visible)


def visible_ids(
    session: Session, ids: Iterable[uuid.UUID], visible: ColumnElement[bool]
) -> set[uuid.UUID]:
    """Which of these persons the principal may see."""
    wanted = list(ids)
    if not wanted:
        return set()
    return set(session.scalars(_visible_ids(visible), {"ids": wanted}))


def briefs(session: Session, ids: Iterable[uuid.UUID]) -> Sequence[Any]:
    """Briefs of the given persons."""
    return session.execute(select(*BRIEF_COLUMNS).where(Person.id.in_(list(ids)))).all()


_TERM_IDS = select(NameTerm.term, NameTerm.id).where(
    NameTerm.term.in_(bindparam("terms", expanding=True)))


def term_ids(session: Session, terms: Iterable[str]) -> dict[str, int]:
    """Dictionary ids of the given terms, creating the missing ones with their variants."""
    wanted = sorted(set(terms))
    if not wanted:
        return {}
    known = dict(session.execute(_TERM_IDS, {"terms": wanted}).all())
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
    """Point the name index of a person (terms and term pairs) at exactly these terms."""
    forget_name_terms(session, person_id)
    add_name_terms(session, person_id, terms)


def forget_name_terms(session: Session, person_id: uuid.UUID) -> None:
    """Take a person out of the name index: their terms and their term pairs."""
    session.execute(delete(PersonNamePair).where(PersonNamePair.person_id == person_id))
    session.execute(delete(PersonNameTerm).where(PersonNameTerm.person_id == person_id))


def add_name_terms(session: Session, person_id: uuid.UUID, terms: Iterable[str]) -> None:
    """Index a new person's name under these terms and their pairs (a person just created has
    none yet)."""
    ids = sorted(set(term_ids(session, terms).values()))
    if ids:
        session.execute(
            insert(PersonNameTerm), [{"term_id": tid, "person_id": person_id} for tid in ids],
        )
    pairs = term_pairs(ids)
    if pairs:
        session.execute(insert(PersonNamePair), [
            {"first_term_id": a, "second_term_id": b, "person_id": person_id} for a, b in pairs])


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
        .where(one_of(session, NameTermVariant.variant, sorted(variants)))
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


# A pair of term sets is answered from the pair index while it names at most this many pairs
# (a typo-tolerant set holds a handful of terms; a longer list is read term by term).
MAX_PAIRS = 256


def _pair_keys(first: list[int], second: list[int]) -> list[tuple[int, int]] | None:
    """The pair-index keys of 'one term of each set', or None when the index cannot answer it:
    the sets share a term (one term could match both) or they name too many pairs."""
    if set(first) & set(second) or len(first) * len(second) > MAX_PAIRS:
        return None
    return sorted({(min(a, b), max(a, b)) for a in first for b in second})


def _has_pair(keys: list[tuple[int, int]]) -> ColumnElement[bool]:
    return Person.id.in_(select(PersonNamePair.person_id).where(
        tuple_(PersonNamePair.first_term_id, PersonNamePair.second_term_id).in_(keys)))


def _has_term(session: Session, ids: list[int]) -> ColumnElement[bool]:
    return Person.id.in_(select(PersonNameTerm.person_id)
                         .where(one_of(session, PersonNameTerm.term_id, ids)))


def _has_terms(session: Session, sets: list[list[int]]) -> list[ColumnElement[bool]]:
    """One condition per two term sets where the pair index answers them (a given name and a
    surname: one short posting list), one per term set elsewhere; a person meets them all
    exactly when each set matches one of their terms."""
    conditions: list[ColumnElement[bool]] = []
    rest = list(sets)
    while rest:
        if len(rest) >= 2 and (keys := _pair_keys(rest[0], rest[1])) is not None:
            conditions.append(_has_pair(keys))
            rest = rest[2:]
        else:
            conditions.append(_has_term(session, rest.pop(0)))
    return conditions


def _filtered(session: Session, stmt: _Stmt, f: SearchFilter) -> _Stmt:
    stmt = stmt.where(f.visible, *_has_terms(session, f.term_sets))
    if f.exclude_sets:
        stmt = stmt.where(not_(and_(*_has_terms(session, f.exclude_sets))))
    if f.curp_index is not None:
        stmt = stmt.where(Person.curp_index == f.curp_index)
    if f.birth_date is not None:
        stmt = stmt.where(Person.birth_date == f.birth_date)
    if f.borough is not None:
        stmt = stmt.where(Person.borough == f.borough)
    return stmt


def search(session: Session, f: SearchFilter) -> Sequence[Any]:
    """One keyset page of briefs ordered by normalised name, at most limit + 1 rows."""
    stmt = _filtered(session, select(*BRIEF_COLUMNS), f)
    if f.after is not None:
        after = tuple_(literal(f.after[0]), literal(f.after[1], type_=Uuid()))
        stmt = stmt.where(tuple_(Person.name_key, Person.id) > after)
    stmt = stmt.order_by(Person.name_key, Person.id).limit(f.limit + 1)
    return session.execute(stmt).all()


def curp_statement(visible: ColumnElement[bool]) -> Any:
    """The page `search` reads for a CURP alone (its blind index bound as `curp_index`, the
    page's size as `limit`): at most one person, in the scope `visible`. Built once per scope."""
    return (select(*BRIEF_COLUMNS)
            .where(visible, Person.curp_index == bindparam("curp_index"))
            .order_by(Person.name_key, Person.id).limit(bindparam("limit")))


async def rows_async(conn: AsyncConnection[Any], statement: str, params: dict[str, Any]
                     ) -> list[Any]:
    """The rows of a statement's text (e.g. `curp_statement`'s) on an event loop's connection."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(statement, params)
    return await cursor.fetchall()


def count(session: Session, f: SearchFilter) -> int:
    """How many persons the filter matches in all (its cursor and limit ignored)."""
    return int(session.scalar(_filtered(session, select(func.count()).select_from(Person), f)) or 0)


_CURRENT_MEMBERSHIP = select(Membership).where(Membership.person_id == bindparam("person_id"),
                                                Membership.until.is_(None))


def current_membership(session: Session, person_id: uuid.UUID) -> Membership | None:
    """The person's open household membership, if any."""
    return session.scalar(_CURRENT_MEMBERSHIP, {"person_id": person_id})


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
