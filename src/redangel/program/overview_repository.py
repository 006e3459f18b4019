"""SQL of the person 360: the household's members, then the applications, enrollments and
latest deliveries of one person, joined to program and agency names, in one query.

Why a module of its own: the overview is read at every front-desk visit and every kiosk tap,
so its statements are built once, on the tables' columns, and answer plain rows (no ORM
objects, nothing to track): a read pays for running them, not for composing them again. Each
row's labels are the read model's field names. The household's statement depends on who may be
named in it, so it is built for a principal's scope (and kept by the service per principal).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from redangel.auth.models import Agency
from redangel.person.models import Membership, Person
from redangel.program.models import Application, Delivery, Enrollment, Program
from redangel.program.policy import public_program

_APPLICATION = Application.__table__.c
_ENROLLMENT = Enrollment.__table__.c
_DELIVERY = Delivery.__table__.c
_PROGRAM = Program.__table__.c
_AGENCY = Agency.__table__.c
_PERSON_ID: Any = bindparam("person_id")


def _names(*, agency: bool = True) -> tuple[Any, ...]:
    names = (_PROGRAM.name_es.label("program_es"), _PROGRAM.name_en.label("program_en"))
    if not agency:
        return names
    return (*names, _AGENCY.code.label("agency_code"), _AGENCY.name_es.label("agency_es"),
            _AGENCY.name_en.label("agency_en"))


def _of_person(table: Any, columns: tuple[Any, ...], order: tuple[Any, ...], *,
               public_only: bool, agency: bool = True,
               numbered: bool = False) -> Select[*tuple[Any, ...]]:
    """One person's rows of `table` (bound as `person_id`) in `order`, with the names of their
    program (and agency); without the catalog's sensitive programs when `public_only`.
    `numbered`: with each row's place in `order` (`n`), for a statement reading it with others."""
    c = table.c
    place = (func.row_number().over(order_by=order).label("n"),) if numbered else ()
    stmt = (select(*columns, *_names(agency=agency), *place)
            .join_from(table, Program.__table__, _PROGRAM.code == c.program_code))
    if agency:
        stmt = stmt.join(Agency.__table__, _AGENCY.code == _PROGRAM.agency_code)
    stmt = stmt.where(c.person_id == _PERSON_ID).order_by(*order)
    return stmt.where(public_program(c.program_code)) if public_only else stmt


@cache
def applications_statement(public_only: bool, numbered: bool = False
                           ) -> Select[*tuple[Any, ...]]:
    c = _APPLICATION
    return _of_person(
        Application.__table__,
        (c.folio, c.person_id, c.program_code.label("program"), c.channel, c.status,
         c.submitted_at, c.expected_decision_on, c.decided_at, c.decision_reason, c.documents,
         c.version),
        (c.submitted_at.desc(), c.id), public_only=public_only, numbered=numbered)


@cache
def enrollments_statement(public_only: bool, numbered: bool = False
                          ) -> Select[*tuple[Any, ...]]:
    c = _ENROLLMENT
    return _of_person(
        Enrollment.__table__,
        (c.id, c.person_id, c.program_code.label("program"), c.status, c.started_on,
         c.ended_on, c.exit_reason, c.version),
        (c.started_on.desc(), c.id), public_only=public_only, numbered=numbered)


@cache
def deliveries_statement(limit: int, public_only: bool, numbered: bool = False
                         ) -> Select[*tuple[Any, ...]]:
    c = _DELIVERY
    return _of_person(
        Delivery.__table__,
        (c.id, c.enrollment_id, c.person_id, c.program_code.label("program"), c.delivered_on,
         c.kind, c.amount, c.place),
        (c.delivered_on.desc(), c.id), public_only=public_only, agency=False,
        numbered=numbered).limit(limit)


PARTS = ("applications", "enrollments", "deliveries")


@cache
def programs_statement(limit: int, public_only: bool) -> Select[*tuple[Any, ...]]:
    """The person's applications, enrollments and latest `limit` deliveries (each as its own
    statement reads it) in one statement: each row labelled with its `part` (one of `PARTS`),
    the parts' own columns null in the others', each part in its own order."""
    parts = {
        "applications": applications_statement(public_only, numbered=True).subquery(),
        "enrollments": enrollments_statement(public_only, numbered=True).subquery(),
        "deliveries": deliveries_statement(limit, public_only, numbered=True).subquery(),
    }
    columns = {c.name: c.type for part in parts.values() for c in part.c}
    every = union_all(*(
        select(literal_column(f"'{name}'").label("part"),
               *(part.c[column] if column in part.c else cast(null(), kind).label(column)
                 for column, kind in columns.items()))
        for name, part in parts.items())).subquery("programs")
    return select(every).order_by(every.c.part, every.c.n)


def programs(session: Session, person_id: uuid.UUID, limit: int, *,
             public_only: bool) -> Sequence[Any]:
    """The rows of `programs_statement` for the person."""
    return session.execute(programs_statement(limit, public_only),
                           {"person_id": person_id}).all()


def household_statement(person_visible: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The statement of `household_members` for one principal's scope (the person bound when
    it runs): the current members of the person's current household, in the order they joined
    (none when alone); a member's name and birth date are read only when the principal may see
    them (`shown`), else they come back empty."""
    current = (select(Membership.household_id)
               .where(Membership.person_id == _PERSON_ID, Membership.until.is_(None))
               .scalar_subquery())
    return (select(Membership.household_id, Membership.person_id, Membership.relationship,
                   Membership.since, Person.given_names, Person.first_surname,
                   Person.second_surname, Person.birth_date,
                   Person.id.is_not(None).label("shown"))
            .select_from(Membership)
            .outerjoin(Person, and_(Person.id == Membership.person_id, person_visible))
            .where(Membership.household_id == current, Membership.until.is_(None))
            .order_by(Membership.since, Membership.id))


def household_members(session: Session, person_id: uuid.UUID,
                      statement: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """The person's household as `statement` (a `household_statement`) reads it."""
    return session.execute(statement, {"person_id": person_id}).all()


async def rows_of_person_async(conn: AsyncConnection[Any],
                               statements: Sequence[tuple[str, dict[str, Any]]],
                               person_id: uuid.UUID) -> list[list[Any]]:
    """The rows of each statement (PostgreSQL text and its bound values, the person bound as
    `person_id`) on an event loop's connection, all sent in one round trip (a pipeline)."""
    cursors = [conn.cursor(row_factory=namedtuple_row) for _ in statements]
    async with conn.pipeline():
        for cursor, (statement, bound) in zip(cursors, statements, strict=True):
            await cursor.execute(statement, {**bound, "person_id": person_id})
    return [await cursor.fetchall() for cursor in cursors]


async def rows_of_async(conn: AsyncConnection[Any], statement: tuple[str, dict[str, Any]],
                        person_id: uuid.UUID) -> list[Any]:
    """The rows of one statement (as in `rows_of_person_async`), in its own round trip."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(statement[0], {**statement[1], "person_id": person_id})
    return await cursor.fetchall()
