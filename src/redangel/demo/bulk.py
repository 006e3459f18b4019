"""Set-based loading of generated households: COPY on PostgreSQL, batched inserts on SQLite.

Used by `redangel demo seed` and the registry benchmark. A bulk load leaves the database as the
normal path would: new name terms take their ids from the table's own counter (the PostgreSQL
sequence, drawn with `nextval`; on SQLite the next rowid inside the batch's write transaction),
so a clerk registering a name afterwards never meets an id the loader took behind the
sequence's back. It still assumes no other writer adds the *same* term at the same time, which
holds for a seed or an import run on its own. One audit event and one history entry describe
each batch, not each person.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Table, func, select, text

from redangel.card.models import Card
from redangel.common.names import deletions, sort_key, term_pairs
from redangel.crypto.keyring import Keyring, sealed_json
from redangel.db import utcnow
from redangel.demo.generate import DemoHousehold, DemoPerson
from redangel.demo.history import History
from redangel.history.models import HistoryEntry
from redangel.household.models import Household
from redangel.person.models import (
    Membership,
    NameTerm,
    NameTermVariant,
    Person,
    PersonNamePair,
    PersonNameTerm,
)
from redangel.program.models import Application, Delivery, Enrollment

PERSON_COLUMNS = (
    "id", "version", "curp_index", "curp_sealed", "given_names", "first_surname",
    "second_surname", "name_key", "sex", "birth_date", "birth_state", "borough", "postal_code",
    "contact_sealed", "attributes", "sensitive_sealed", "key_version", "confirmed_distinct",
    "registered_office_id", "created_at", "updated_at",
)


class TermDictionary:
    """The name-term dictionary held in memory during a bulk load."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(select(NameTerm.term, NameTerm.id)).all()
        self.ids: dict[str, int] = {t: i for t, i in rows}
        self.new_terms: list[tuple[int, str]] = []

    def assign(self, conn: Connection, terms: Iterable[str]) -> None:
        """Give the terms not yet in the dictionary ids from the database's own counter."""
        fresh = sorted(set(terms) - self.ids.keys())
        if not fresh:
            return
        for term_id, term in zip(_new_ids(conn, len(fresh)), fresh, strict=True):
            self.ids[term] = term_id
            self.new_terms.append((term_id, term))

    def id_of(self, term: str) -> int:
        """The id of a term already assigned."""
        return self.ids[term]

    def drain(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Rows for the terms added since the last drain, and their variants."""
        terms = [{"id": i, "term": t} for i, t in self.new_terms]
        variants = [{"variant": v, "term_id": i} for i, t in self.new_terms for v in deletions(t)]
        self.new_terms = []
        return terms, variants


def _new_ids(conn: Connection, count: int) -> list[int]:
    """`count` unused name-term ids, taken as an ordinary insert would take them."""
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('name_term', 'id')) "
                 "FROM generate_series(1, :n)"), {"n": count}).scalars())
    # SQLite hands out max(rowid) + 1; the batch's write transaction holds the lock.
    start = (conn.execute(select(func.max(NameTerm.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def _joined(p: DemoPerson) -> date:
    """When a member joined: children at birth, adults at 18 or in 2010 at the latest."""
    if p.relationship == "child":
        return p.birth_date
    return min(date(p.birth_date.year + 18, 1, 1), date(2010, 1, 1))


def _write(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    _write_rows(conn, table, columns, [tuple(r[c] for c in columns) for r in rows])


def _write_rows(conn: Connection, table: Table, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], copied: str = "") -> None:
    """COPY rows (tuples in `columns` order) on PostgreSQL; one executemany on SQLite. Rows
    already in COPY's text format (`copied`, PostgreSQL only) are sent as they are."""
    if copied:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            copy.write(copied)
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    wrapped = [i for i, value in enumerate(rows[0]) if isinstance(value, dict | list)]
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        if not wrapped:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i in wrapped:
                values[i] = Jsonb(values[i])
            copy.write_row(values)


_JSON_TEXT = json.JSONEncoder().encode  # as psycopg writes JSON
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    """A string as COPY's text format reads it (backslash, tab and line ends escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


_FORMATS: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "\\N",
    str: _text,
    bool: lambda value: "t" if value else "f",
    bytes: lambda value: "\\\\x" + value.hex(),
    dict: lambda value: _text(_JSON_TEXT(value)),
    list: lambda value: _text(_JSON_TEXT(value)),
    date: date.isoformat,
    int: str,
    uuid.UUID: str,
}


def copy_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows in COPY's text format, one line each: what `COPY ... FROM STDIN` reads (NULL as
    \\N, bytes as escaped hex, JSON as its text). Raises KeyError on a type it cannot write."""
    moments: dict[datetime, str] = {}  # a batch's rows share their timestamps

    def moment(value: datetime) -> str:
        text = moments.get(value)
        if text is None:
            text = moments[value] = value.isoformat()
        return text

    formats = {**_FORMATS, datetime: moment}
    return "".join(["\t".join([formats[type(v)](v) for v in row]) + "\n" for row in rows])


HOUSEHOLD_COLUMNS = ("id", "version", "borough", "registered_office_id", "created_at")
MEMBERSHIP_COLUMNS = ("household_id", "person_id", "relationship", "since", "created_at")


@dataclass
class Prepared:
    """One batch's rows, built and sealed without touching the database."""

    persons: list[tuple[Any, ...]] = field(default_factory=list)
    postings: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    homes: list[tuple[Any, ...]] = field(default_factory=list)
    memberships: list[tuple[Any, ...]] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    # Filled by `prepare(..., copied=True)`: the person, household and membership rows as COPY
    # text, and the postings with their person id as text (a term's id is known only when
    # written).
    size: int = 0
    copied: dict[str, str] = field(default_factory=dict)
    copied_postings: list[tuple[str, str]] = field(default_factory=list)


def _address_json(h: DemoHousehold) -> str:
    """A household's address as `seal_json` writes it (its members share it)."""
    return sealed_json({"borough": h.borough, "colonia": h.colonia,
                        "postal_code": h.postal_code, "street": h.street}).decode()


def _contact(address: str, phone: str | None) -> bytes:
    """What `seal_json` seals for `{"address": ..., "phone": ...}` (no phone: no key), built
    from the household's address already in that form: keys sorted, compact."""
    if phone is None:
        return f'{{"address":{address}}}'.encode()
    return f'{{"address":{address},"phone":{sealed_json(phone).decode()}}}'.encode()


def _sensitive(value: dict[str, Any], known: dict[Any, bytes]) -> bytes:
    """`sealed_json` of a sensitive record; the few distinct records of a batch are encoded
    once each."""
    try:
        key = tuple(value.items())
        found = known.get(key)
    except TypeError:  # a value that cannot be a key (a list): encoded on its own
        return sealed_json(value)
    if found is None:
        found = known[key] = sealed_json(value)
    return found


def _copied(value: str | None) -> str:
    return "\\N" if value is None else _text(value)


def _sealed_text(value: bytes | None) -> str:
    return "\\N" if value is None else "\\\\x" + value.hex()


def prepare(*, keyring: Keyring, households: Iterable[DemoHousehold],
            offices: dict[str, uuid.UUID], copied: bool = False) -> Prepared:
    """The rows of households, their persons, memberships and name postings, sealed: all the
    CPU work of a batch, done while the previous batch is being written. Each sealed column is
    sealed for the whole batch at once, every value under its own row's id. With `copied`, the
    person, household and membership rows come in COPY's text format (PostgreSQL), made from
    the same values."""
    now: datetime = utcnow()
    out = Prepared()
    people: list[tuple[DemoHousehold, uuid.UUID | None, str, DemoPerson]] = []
    home_ids: list[str] = []  # each person's household id as text
    for h in households:
        office = offices.get(h.borough)
        out.homes.append((h.id, 1, h.borough, office, now))
        address = _address_json(h)
        people.extend((h, office, address, p) for p in h.members)
        home_ids.extend([str(h.id)] * len(h.members))
    ids = [str(p.id) for _, _, _, p in people]
    curps = [p.curp or None for _, _, _, p in people]
    known: dict[Any, bytes] = {}
    curp_index = keyring.blind_indexes("curp", curps)
    curp_sealed = keyring.seal_many([c.encode() if c else None for c in curps], table="person",
                                    column="curp", row_ids=ids)
    contact_sealed = keyring.seal_many([_contact(address, p.phone or None)
                                        for _, _, address, p in people],
                                       table="person", column="contact", row_ids=ids)
    sensitive_sealed = keyring.seal_many([_sensitive(p.sensitive, known)
                                          for _, _, _, p in people],
                                         table="person", column="sensitive", row_ids=ids)
    keys = [sort_key(p.given_names, p.first_surname, p.second_surname) for _, _, _, p in people]
    version = keyring.active_version
    for (_, _, _, p), key, sid in zip(people, keys, ids, strict=True):
        own = set(key.split())
        out.terms |= own
        if copied:
            out.copied_postings.extend((t, sid) for t in own)
        else:
            out.postings.extend((t, p.id) for t in own)
    if not copied:
        out.persons = [(
            p.id, 1, index, curp, p.given_names, p.first_surname, p.second_surname, key, p.sex,
            p.birth_date, p.birth_state, h.borough, h.postal_code, contact, p.attributes,
            sensitive, version, False, office, now, now,
        ) for (h, office, _, p), key, index, curp, contact, sensitive in zip(
            people, keys, curp_index, curp_sealed, contact_sealed, sensitive_sealed, strict=True)]
        out.memberships = [(h.id, p.id, p.relationship, _joined(p), now)
                           for h, _, _, p in people]
        return out
    stamp = now.isoformat()
    offices_text = {office: _copied(None if office is None else str(office))
                    for office in {office for _, office, _, _ in people}}
    out.size = len(people)
    out.copied = {
        "person": "".join([
            f"{sid}\t1\t{_copied(index)}\t{_sealed_text(curp)}\t{_text(p.given_names)}\t"
            f"{_text(p.first_surname)}\t{_copied(p.second_surname)}\t{_text(key)}\t"
            f"{_text(p.sex)}\t{p.birth_date.isoformat()}\t{_text(p.birth_state)}\t"
            f"{_text(h.borough)}\t{_copied(h.postal_code)}\t{_sealed_text(contact)}\t"
            f"{_copied(_JSON_TEXT(p.attributes))}\t{_sealed_text(sensitive)}\t{version}\tf\t"
            f"{offices_text[office]}\t{stamp}\t{stamp}\n"
            for (h, office, _, p), sid, key, index, curp, contact, sensitive in zip(
                people, ids, keys, curp_index, curp_sealed, contact_sealed, sensitive_sealed,
                strict=True)]),
        "household": copy_text(out.homes),
        "household_membership": "".join([
            f"{hid}\t{sid}\t{_text(p.relationship)}\t{_joined(p).isoformat()}\t{stamp}\n"
            for (_, _, _, p), sid, hid in zip(people, ids, home_ids, strict=True)]),
    }
    out.homes = []
    return out


def write_prepared(conn: Connection, batch: Prepared, terms: TermDictionary) -> int:
    """Insert a prepared batch (new name terms first); return the persons written."""
    terms.assign(conn, batch.terms)
    new_terms, variants = terms.drain()
    ids = terms.ids
    _write(conn, NameTerm.__table__, new_terms)  # type: ignore[arg-type]
    _write(conn, NameTermVariant.__table__, variants)  # type: ignore[arg-type]
    copied = batch.copied
    _write_rows(conn, Person.__table__, PERSON_COLUMNS,  # type: ignore[arg-type]
                batch.persons, copied.get("person", ""))
    _write_rows(conn, PersonNameTerm.__table__, ("term_id", "person_id"),  # type: ignore[arg-type]
                [(ids[t], pid) for t, pid in batch.postings],
                "".join([f"{ids[t]}\t{pid}\n" for t, pid in batch.copied_postings]))
    _write_rows(conn, PersonNamePair.__table__,  # type: ignore[arg-type]
                ("first_term_id", "second_term_id", "person_id"),
                _pairs([*batch.postings, *batch.copied_postings], ids))
    _write_rows(conn, Household.__table__, HOUSEHOLD_COLUMNS,  # type: ignore[arg-type]
                batch.homes, copied.get("household", ""))
    _write_rows(conn, Membership.__table__, MEMBERSHIP_COLUMNS,  # type: ignore[arg-type]
                batch.memberships, copied.get("household_membership", ""))
    return len(batch.persons) + batch.size


def _pairs(postings: Sequence[tuple[str, Any]], ids: dict[str, int]
           ) -> list[tuple[int, int, Any]]:
    """The term-pair rows of a batch's persons, from their postings (a person's id as a UUID,
    or as text when a producer process encoded the batch)."""
    carried: dict[Any, list[int]] = {}
    for term, pid in postings:
        carried.setdefault(pid, []).append(ids[term])
    return [(a, b, pid) for pid, own in carried.items() for a, b in term_pairs(own)]


def load_households(
    conn: Connection, *, keyring: Keyring, households: Iterable[DemoHousehold],
    offices: dict[str, uuid.UUID], terms: TermDictionary,
) -> int:
    """Insert households, persons, memberships and the name index; return persons written."""
    return write_prepared(conn, prepare(keyring=keyring, households=households, offices=offices),
                          terms)


# The tables a first bulk load fills (into an empty registry, in one transaction): their plain
# indexes, and their keys no foreign key refers to, are built once after the rows, and their
# foreign keys checked once. A later load (the registry holds persons) keeps them all in place.
DEFERRED_INDEX_TABLES = ("person", "person_name_term", "person_name_pair", "household",
                         "household_membership")
_PLAIN_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE t.relname = ANY(:tables) AND t.relnamespace = 'public'::regnamespace "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")


def drop_plain_indexes(conn: Connection) -> list[str]:
    """Drop the indexes of the bulk-loaded tables that back no constraint (in the caller's
    transaction, so a failed load leaves them as they were); return how to build them again."""
    found = conn.execute(_PLAIN_INDEXES, {"tables": list(DEFERRED_INDEX_TABLES)}).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


_UNREFERENCED_KEYS = text(
    "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype IN ('p', 'u') "
    "AND t.relname = ANY(:tables) AND t.relnamespace = 'public'::regnamespace "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
    "AND f.conindid = k.conindid)")


def drop_unreferenced_keys(conn: Connection) -> list[str]:
    """Drop the primary keys and unique constraints of the bulk-loaded tables that no foreign
    key refers to (in the caller's transaction), so that their indexes are not grown row by
    row; return how to add them again, each index built, and its uniqueness checked, in one
    sorted pass over all the rows. The keys foreign keys lean on (the person's and the
    household's ids) stay."""
    found = conn.execute(_UNREFERENCED_KEYS, {"tables": list(DEFERRED_INDEX_TABLES)}).all()
    for table, name, _ in found:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in found]


_FOREIGN_KEYS = text(
    "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' AND t.relname = ANY(:tables) "
    "AND t.relnamespace = 'public'::regnamespace")


def drop_foreign_keys(conn: Connection) -> list[str]:
    """Drop the foreign keys of the bulk-loaded tables (in the caller's transaction), so that
    rows are not checked one by one; return how to add them again, each checked in one join
    over all the rows."""
    found = conn.execute(_FOREIGN_KEYS, {"tables": list(DEFERRED_INDEX_TABLES)}).all()
    for table, name, _ in found:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in found]


def build_indexes(conn: Connection, definitions: Sequence[str]) -> None:
    """Build the dropped indexes (and add the dropped foreign keys) again, each in one pass
    over the loaded rows."""
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for definition in definitions:
        conn.exec_driver_sql(definition)


def is_empty(conn: Connection) -> bool:
    """Whether the registry holds nobody yet (a first bulk load)."""
    return conn.execute(select(Person.id).limit(1)).first() is None


def load_history(conn: Connection, history: History) -> int:
    """Insert a batch's applications, enrollments, deliveries, cards and their history entries
    (after the persons they concern); return the applications written."""
    _write(conn, Application.__table__, history.applications)  # type: ignore[arg-type]
    _write(conn, Enrollment.__table__, history.enrollments)  # type: ignore[arg-type]
    _write(conn, Delivery.__table__, history.deliveries)  # type: ignore[arg-type]
    _write(conn, Card.__table__, history.cards)  # type: ignore[arg-type]
    _write(conn, HistoryEntry.__table__, history.entries)  # type: ignore[arg-type]
    return len(history.applications)
