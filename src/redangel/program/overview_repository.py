"""SQL of the person 360: the household's members, applications, enrollments and latest
deliveries of one person, each one query joined to program and agency names.

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
from sqlalchemy import ColumnElement, Select, and_, bindparam, select
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
               public_only: bool, agency: bool = True) -> Select[*tuple[Any, ...]]:
    """One person's rows of `table` (bound as `person_id`) in `order`, with the names of their
    program (and agency); without the catalog's sensitive programs when `public_only`."""
    c = table.c
    stmt = (select(*columns, *_names(agency=agency))
            .join_from(table, Program.__table__, _PROGRAM.code == c.program_code))
    if agency:
        stmt = stmt.join(Agency.__table__, _AGENCY.code == _PROGRAM.agency_code)
    stmt = stmt.where(c.person_id == _PERSON_ID).order_by(*order)
    return stmt.where(public_program(c.program_code)) if public_only else stmt


@cache
def applications_statement(public_only: bool) -> Select[*tuple[Any, ...]]:
    c = _APPLICATION
    return _of_person(
        Application.__table__,
        (c.folio, c.person_id, c.program_code.label("program"), c.channel, c.status,
         c.submitted_at, c.expected_decision_on, c.decided_at, c.decision_reason, c.documents,
         c.version),
        (c.submitted_at.desc(), c.id), public_only=public_only)


@cache
def enrollments_statement(public_only: bool) -> Select[*tuple[Any, ...]]:
    c = _ENROLLMENT
    return _of_person(
        Enrollment.__table__,
        (c.id, c.person_id, c.program_code.label("program"), c.status, c.started_on,
         c.ended_on, c.exit_reason, c.version),
        (c.started_on.desc(), c.id), public_only=public_only)


@cache
def deliveries_statement(limit: int, public_only: bool) -> Select[*tuple[Any, ...]]:
    c = _DELIVERY
    return _of_person(
        Delivery.__table__,
        (c.id, c.enrollment_id, c.person_id, c.program_code.label("program"), c.delivered_on,
         c.kind, c.amount, c.place),
        (c.delivered_on.desc(), c.id), public_only=public_only, agency=False).limit(limit)


def applications(session: Session, person_id: uuid.UUID, *,
                 public_only: bool) -> Sequence[Any]:
    """The person's applications, newest first, with program and agency names (without the
    catalog's sensitive programs when `public_only`)."""
    return session.execute(applications_statement(public_only), {"person_id": person_id}).all()


def enrollments(session: Session, person_id: uuid.UUID, *,
                public_only: bool) -> Sequence[Any]:
    """The person's enrollments, latest start first, with program and agency names."""
    return session.execute(enrollments_statement(public_only), {"person_id": person_id}).all()


def recent_deliveries(session: Session, person_id: uuid.UUID, limit: int, *,
                      public_only: bool) -> Sequence[Any]:
    """The person's latest `limit` deliveries, newest first, with the program's names."""
    return session.execute(deliveries_statement(limit, public_only), {"person_id": person_id}).all()


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
