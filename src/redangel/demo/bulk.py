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

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Table, func, select, text

from redangel.card.models import Card
from redangel.common.names import deletions, sort_key
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.demo.generate import DemoHousehold, DemoPerson
from redangel.demo.history import History
from redangel.history.models import HistoryEntry
from redangel.household.models import Household
from redangel.person.models import Membership, NameTerm, NameTermVariant, Person, PersonNameTerm
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
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), list(rows))
        return
    columns = list(rows[0])
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[attr-defined]
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(
                [Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in columns]
            )


def load_households(
    conn: Connection, *, keyring: Keyring, households: Iterable[DemoHousehold],
    offices: dict[str, uuid.UUID], terms: TermDictionary,
) -> int:
    """Insert households, persons, memberships and the name index; return persons written."""
    now: datetime = utcnow()
    persons: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    homes: list[dict[str, Any]] = []
    memberships: list[dict[str, Any]] = []
    households = list(households)
    terms.assign(conn, (t for h in households for p in h.members
                        for t in sort_key(p.given_names, p.first_surname,
                                          p.second_surname).split()))
    for h in households:
        office = offices.get(h.borough)
        homes.append({"id": h.id, "version": 1, "borough": h.borough,
                      "registered_office_id": office, "created_at": now})
        address = {"borough": h.borough, "colonia": h.colonia, "postal_code": h.postal_code,
                   "street": h.street}
        for p in h.members:
            key = sort_key(p.given_names, p.first_surname, p.second_surname)
            contact = {"address": address, **({"phone": p.phone} if p.phone else {})}
            persons.append({
                "id": p.id, "version": 1,
                "curp_index": keyring.blind_index("curp", p.curp) if p.curp else None,
                "curp_sealed": keyring.seal(p.curp.encode(), table="person", column="curp",
                                            row_id=p.id) if p.curp else None,
                "given_names": p.given_names, "first_surname": p.first_surname,
                "second_surname": p.second_surname, "name_key": key, "sex": p.sex,
                "birth_date": p.birth_date, "birth_state": p.birth_state, "borough": h.borough,
                "postal_code": h.postal_code,
                "contact_sealed": keyring.seal_json(contact, table="person", column="contact",
                                                    row_id=p.id),
                "attributes": p.attributes,
                "sensitive_sealed": keyring.seal_json(p.sensitive, table="person",
                                                      column="sensitive", row_id=p.id),
                "key_version": keyring.active_version, "confirmed_distinct": False,
                "registered_office_id": office, "created_at": now, "updated_at": now,
            })
            for term_id in {terms.id_of(t) for t in key.split()}:
                postings.append({"term_id": term_id, "person_id": p.id})
            memberships.append({"household_id": h.id, "person_id": p.id,
                                "relationship": p.relationship, "since": _joined(p),
                                "created_at": now})
    new_terms, variants = terms.drain()
    _write(conn, NameTerm.__table__, new_terms)  # type: ignore[arg-type]
    _write(conn, NameTermVariant.__table__, variants)  # type: ignore[arg-type]
    _write(conn, Person.__table__, persons)  # type: ignore[arg-type]
    _write(conn, PersonNameTerm.__table__, postings)  # type: ignore[arg-type]
    _write(conn, Household.__table__, homes)  # type: ignore[arg-type]
    _write(conn, Membership.__table__, memberships)  # type: ignore[arg-type]
    return len(persons)


def load_history(conn: Connection, history: History) -> int:
    """Insert a batch's applications, enrollments, deliveries, cards and their history entries
    (after the persons they concern); return the applications written."""
    _write(conn, Application.__table__, history.applications)  # type: ignore[arg-type]
    _write(conn, Enrollment.__table__, history.enrollments)  # type: ignore[arg-type]
    _write(conn, Delivery.__table__, history.deliveries)  # type: ignore[arg-type]
    _write(conn, Card.__table__, history.cards)  # type: ignore[arg-type]
    _write(conn, HistoryEntry.__table__, history.entries)  # type: ignore[arg-type]
    return len(history.applications)
