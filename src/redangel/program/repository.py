"""All SQL about agencies, programs, applications, enrollments, deliveries and the change feed."""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.rows import namedtuple_row
from psycopg.types.string import TextLoader
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    Table,
    Uuid,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from redangel.auth.models import Agency
from redangel.common.sql import postgres_statement
from redangel.history.models import HistoryEntry
from redangel.person.models import Person
from redangel.program.models import (
    LIVE_ENROLLMENT,
    OPEN_APPLICATION,
    Application,
    ApplicationNote,
    ChangeArchive,
    ChangeEntry,
    ChangeHead,
    Delivery,
    Enrollment,
    Program,
)
from redangel.program.policy import agency_programs


def live_program_codes(session: Session, person_id: uuid.UUID) -> set[str]:
    """Programs the person is enrolled in (active or suspended) or has an open application for."""
    enrolled = session.scalars(select(Enrollment.program_code).where(
        Enrollment.person_id == person_id, Enrollment.status.in_(LIVE_ENROLLMENT))).all()
    applied = session.scalars(select(Application.program_code).where(
        Application.person_id == person_id, Application.status.in_(OPEN_APPLICATION))).all()
    return set(enrolled) | set(applied)


@cache
def _live_codes_of() -> Any:
    """Enrolled or applied-for programs of the persons in `ids`, built once."""
    ids: Any = bindparam("ids", expanding=True)
    return select(Enrollment.person_id, Enrollment.program_code).where(
        Enrollment.person_id.in_(ids), Enrollment.status.in_(LIVE_ENROLLMENT)).union_all(
        select(Application.person_id, Application.program_code).where(
            Application.person_id.in_(ids), Application.status.in_(OPEN_APPLICATION)))


def live_program_codes_of(session: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """`live_program_codes` for several persons in one query (each person present, maybe empty)."""
    codes: dict[uuid.UUID, set[str]] = {person_id: set() for person_id in person_ids}
    if not codes:
        return codes
    for person_id, code in session.execute(_live_codes_of(), {"ids": list(codes)}).all():
        codes[person_id].add(code)
    return codes


def live_enrollment_codes(session: Session, person_id: uuid.UUID, *,
                          exclude: str | None = None) -> set[str]:
    """Programs the person is enrolled in (active or suspended), other than `exclude`."""
    codes = set(session.scalars(select(Enrollment.program_code).where(
        Enrollment.person_id == person_id, Enrollment.status.in_(LIVE_ENROLLMENT))).all())
    codes.discard(exclude or "")
    return codes


def program_codes(session: Session) -> Sequence[str]:
    """The codes of every program on the books."""
    return session.scalars(select(Program.code)).all()


def program(session: Session, code: str) -> Program | None:
    """A program by code."""
    return session.get(Program, code)


def applications_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Application]:
    """These applications, in id order."""
    if not ids:
        return []
    return session.scalars(select(Application).where(Application.id.in_(ids)).order_by(Application.id)).all()


def enrollments_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Enrollment]:
    """These enrollments, in id order."""
    if not ids:
        return []
    return session.scalars(select(Enrollment).where(Enrollment.id.in_(ids)).order_by(Enrollment.id)).all()


def application_by_folio(session: Session, folio: str, visible: ColumnElement[bool],
                         scope: ColumnElement[bool], *, for_update: bool = False
                         ) -> Application | None:
    """An application whose person the principal may see, of a program in its scope."""
    stmt = (select(Application).join(Person, Person.id == Application.person_id)
            .where(Application.folio == folio, visible, scope))
    return session.scalar(stmt.with_for_update(of=Application) if for_update else stmt)


def enrollment(session: Session, enrollment_id: uuid.UUID, visible: ColumnElement[bool],
               scope: ColumnElement[bool], *, for_update: bool = False) -> Enrollment | None:
    """An enrollment whose person the principal may see, of a program in its scope."""
    stmt = (select(Enrollment).join(Person, Person.id == Enrollment.person_id)
            .where(Enrollment.id == enrollment_id, visible, scope))
    return session.scalar(stmt.with_for_update(of=Enrollment) if for_update else stmt)


def enrollment_of_application(session: Session, application_id: uuid.UUID) -> uuid.UUID | None:
    """The enrollment an approved application created."""
    return session.scalar(select(Enrollment.id).where(Enrollment.application_id == application_id))


def submitter(session: Session, application_id: uuid.UUID) -> tuple[str, str] | None:
    """(kind, id) of the principal who submitted an application, from its history."""
    row = session.execute(
        select(HistoryEntry.actor_kind, HistoryEntry.actor_id)
        .where(HistoryEntry.entity == "application", HistoryEntry.entity_id == application_id,
               HistoryEntry.action == "submitted")
        .order_by(HistoryEntry.id).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def notes(session: Session, application_id: uuid.UUID) -> Sequence[ApplicationNote]:
    """The notes staff wrote on an application, oldest first."""
    return session.scalars(select(ApplicationNote)
                           .where(ApplicationNote.application_id == application_id)
                           .order_by(ApplicationNote.at, ApplicationNote.id)).all()


def person_notes(session: Session, person_id: uuid.UUID) -> Sequence[Any]:
    """The notes on a person's applications with each application's folio, oldest first."""
    return session.execute(
        select(ApplicationNote, Application.folio)
        .join(Application, Application.id == ApplicationNote.application_id)
        .where(Application.person_id == person_id)
        .order_by(ApplicationNote.at, ApplicationNote.id)).all()


def transitions(session: Session, entity: str, entity_id: uuid.UUID) -> Sequence[HistoryEntry]:
    """Who moved a record, when and why, oldest first."""
    return session.scalars(
        select(HistoryEntry).where(HistoryEntry.entity == entity,
                                   HistoryEntry.entity_id == entity_id)
        .order_by(HistoryEntry.id)
    ).all()


def person_programs(session: Session, person_id: uuid.UUID, scope_app: ColumnElement[bool],
                    scope_enr: ColumnElement[bool]) -> tuple[Sequence[Any], Sequence[Any]]:
    """A person's applications and enrollments with program and agency names (two queries)."""
    applications = session.execute(
        select(Application, Program.name_es, Program.name_en, Agency.code.label("agency_code"),
               Agency.name_es.label("agency_es"), Agency.name_en.label("agency_en"))
        .join(Program, Program.code == Application.program_code)
        .join(Agency, Agency.code == Program.agency_code)
        .where(Application.person_id == person_id, scope_app)
        .order_by(Application.submitted_at.desc(), Application.id)
    ).all()
    enrollments = session.execute(
        select(Enrollment, Program.name_es, Program.name_en, Agency.code.label("agency_code"),
               Agency.name_es.label("agency_es"), Agency.name_en.label("agency_en"))
        .join(Program, Program.code == Enrollment.program_code)
        .join(Agency, Agency.code == Program.agency_code)
        .where(Enrollment.person_id == person_id, scope_enr)
        .order_by(Enrollment.started_on.desc(), Enrollment.id)
    ).all()
    return applications, enrollments


def overdue(session: Session, visible: ColumnElement[bool], today: date, limit: int) -> Sequence[Any]:
    """Open applications past their expected decision date, most late first."""
    return session.execute(
        select(Application, Program.name_es, Program.name_en, Person.given_names, Person.first_surname,
               Person.second_surname)
        .join(Person, Person.id == Application.person_id)
        .join(Program, Program.code == Application.program_code)
        .where(Application.status.in_(OPEN_APPLICATION), Application.expected_decision_on < today,
               visible)
        .order_by(Application.expected_decision_on).limit(limit)
    ).all()


def open_queue(session: Session, visible: ColumnElement[bool], limit: int) -> Sequence[Any]:
    """Open applications of the persons in scope, soonest expected decision first, at most
    `limit`, with the program's and the person's names."""
    return session.execute(
        select(Application, Program.name_es, Program.name_en, Person.given_names,
               Person.first_surname, Person.second_surname)
        .join(Person, Person.id == Application.person_id)
        .join(Program, Program.code == Application.program_code)
        .where(Application.status.in_(OPEN_APPLICATION), visible)
        .order_by(Application.expected_decision_on, Application.submitted_at, Application.id)
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class RollFilter:
    """What an agency asks of its applications or enrollments list."""

    agency_code: str
    status: str | None = None
    program: str | None = None
    borough: str | None = None
    since: date | None = None
    until: date | None = None
    after: tuple[str, uuid.UUID] | None = None
    limit: int = 50


def _programs_of(f: RollFilter, column: Any) -> ColumnElement[bool]:
    """The agency's programs (or the one asked), over persons not blocked (the queries using it
    join `Person`): a cancelled record leaves the agency's roll at once."""
    if f.program is not None:
        return and_(Person.blocked_at.is_(None), column.in_(select(Program.code).where(
            Program.agency_code == f.agency_code, Program.code == f.program)))
    return and_(Person.blocked_at.is_(None), column.in_(agency_programs(f.agency_code)))


def list_applications(session: Session, f: RollFilter) -> Sequence[Any]:
    """One keyset page of an agency's applications, by submission time, at most limit + 1."""
    stmt = (select(Application, Person.borough)
            .join(Person, Person.id == Application.person_id)
            .where(_programs_of(f, Application.program_code)))
    if f.status:
        stmt = stmt.where(Application.status == f.status)
    if f.borough:
        stmt = stmt.where(Person.borough == f.borough)
    if f.since:
        stmt = stmt.where(Application.submitted_at >= _start_of(f.since))
    if f.until:
        stmt = stmt.where(Application.submitted_at < _start_of(f.until, plus_days=1))
    if f.after:
        after_at = datetime.fromisoformat(f.after[0])
        stmt = stmt.where(tuple_(Application.submitted_at, Application.id)
                          > tuple_(literal(after_at, type_=Application.submitted_at.type),
                                   literal(f.after[1], type_=Uuid())))
    stmt = stmt.order_by(Application.submitted_at, Application.id).limit(f.limit + 1)
    return session.execute(stmt).all()


@cache
def _roll_page(*, program: bool, status: bool, borough: bool, since: bool, until: bool,
               after: bool) -> Select[Any]:
    """The statement of one shape of roll page (which filters are given), built once: the
    filters' values, the agency and the page's size are bound when it runs."""
    e, p = Enrollment.__table__.c, Person.__table__.c
    programs = agency_programs(bindparam("agency_code"))
    if program:
        programs = programs.where(Program.code == bindparam("program"))
    stmt = (select(e.id, e.person_id, e.program_code.label("program"), e.status, e.started_on,
                   e.ended_on, e.exit_reason, e.version, p.borough)
            .join_from(Enrollment.__table__, Person.__table__, p.id == e.person_id)
            .where(p.blocked_at.is_(None), e.program_code.in_(programs)))
    if status:
        stmt = stmt.where(e.status == bindparam("status"))
    if borough:
        # The enrollment's copy of the borough (kept by the database) picks the rows from
        # `ix_enrollment_roll_borough` in order; the person's own is the rule.
        stmt = stmt.where(e.borough == bindparam("borough"), p.borough == bindparam("borough"))
    if since:
        stmt = stmt.where(e.started_on >= bindparam("since", type_=Date()))
    if until:
        stmt = stmt.where(e.started_on <= bindparam("until", type_=Date()))
    if after:
        stmt = stmt.where(tuple_(e.started_on, e.id) > tuple_(
            bindparam("after_on", type_=Date()), bindparam("after_id", type_=Uuid())))
    return stmt.order_by(e.started_on, e.id).limit(bindparam("limit", type_=Integer()))


def list_enrollments(session: Session, f: RollFilter) -> Sequence[Any]:
    """One keyset page of an agency's roll, by start date, at most limit + 1 rows: plain rows
    labelled as the page's items (`program`) with the person's borough (a cancelled record
    leaves the roll at once, as in `_programs_of`)."""
    return session.execute(_roll_page(**_roll_shape(f)), _roll_values(f)).all()


async def list_enrollments_async(conn: AsyncConnection[Any], f: RollFilter) -> list[Any]:
    """`list_enrollments` on an event loop's PostgreSQL connection."""
    cursor = conn.cursor(row_factory=namedtuple_row)
    await cursor.execute(_roll_page_text(**_roll_shape(f)), _roll_values(f))
    return await cursor.fetchall()


def _roll_shape(f: RollFilter) -> dict[str, bool]:
    return {"program": f.program is not None, "status": bool(f.status),
            "borough": bool(f.borough), "since": bool(f.since), "until": bool(f.until),
            "after": bool(f.after)}


def _roll_values(f: RollFilter) -> dict[str, Any]:
    values: dict[str, Any] = {"agency_code": f.agency_code, "program": f.program,
                              "status": f.status, "borough": f.borough, "since": f.since,
                              "until": f.until, "limit": f.limit + 1}
    if f.after:
        values |= {"after_on": date.fromisoformat(f.after[0]), "after_id": f.after[1]}
    return values


@cache
def _roll_page_text(*, program: bool, status: bool, borough: bool, since: bool, until: bool,
                    after: bool) -> str:
    """`_roll_page` as PostgreSQL text, for the event loop's connections."""
    return postgres_statement(_roll_page(program=program, status=status, borough=borough,
                                         since=since, until=until, after=after))[0]


def _start_of(day: date, plus_days: int = 0) -> Any:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=plus_days)


def changes_after(session: Session, agency_code: str, after: int, limit: int) -> Sequence[Any]:
    """The agency's changes numbered after `after`, in order, at most `limit`."""
    return session.execute(changes_after_statement(agency_code, after, limit)).all()


def changes_after_statement(agency_code: str, after: int, limit: int) -> Select[Any]:
    """The statement of `changes_after` (the feed's benchmark measures it bare)."""
    return (
        select(ChangeEntry.seq, ChangeEntry.at, ChangeEntry.entity, ChangeEntry.entity_id,
               ChangeEntry.person_id, ChangeEntry.program_code, ChangeEntry.action,
               ChangeEntry.data)
        .where(ChangeEntry.agency_code == agency_code, ChangeEntry.seq > after,
               ~exists().where(Person.id == ChangeEntry.person_id, Person.blocked_at.is_not(None)))
        .order_by(ChangeEntry.seq).limit(limit)
    )


def roll_statement(agency_code: str, *, program: str | None, status: str | None,
                   columns: Sequence[Any]) -> Select[Any]:
    """The agency's roll (enrollments joined to the person's listed columns), unordered."""
    f = RollFilter(agency_code=agency_code, program=program)
    stmt = (select(Enrollment.id, Enrollment.person_id, Enrollment.program_code,
                   Enrollment.status, Enrollment.started_on, Enrollment.ended_on,
                   Enrollment.exit_reason, *columns)
            .join(Person, Person.id == Enrollment.person_id)
            .where(_programs_of(f, Enrollment.program_code)))
    if status:
        stmt = stmt.where(Enrollment.status == status)
    return stmt


def roll_batches(conn: Connection, stmt: Select[Any], size: int
                 ) -> Generator[tuple[list[str], list[tuple[Any, ...]]], None, None]:
    """The rows of a roll statement in batches of `size`, read through a server-side cursor,
    as plain tuples with the columns' names, UUIDs as their text. On PostgreSQL a named psycopg
    cursor loads each UUID straight as text (no UUID object made and turned back into text per
    value); the embedded database streams through SQLAlchemy."""
    names = [column.name for column in stmt.selected_columns]
    uuids = [i for i, column in enumerate(stmt.selected_columns) if isinstance(column.type, Uuid)]
    if conn.dialect.name != "postgresql":
        result = conn.execution_options(stream_results=True, yield_per=size).execute(stmt)
        for partition in result.partitions():
            rows = [list(row) for row in partition]
            for row in rows:
                for i in uuids:
                    row[i] = None if row[i] is None else str(row[i])
            yield names, [tuple(row) for row in rows]
        return
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor(name=f"roll_{uuid.uuid4().hex}") as cursor:  # type: ignore[attr-defined]
        cursor.adapters.register_loader("uuid", TextLoader)
        cursor.itersize = size
        cursor.execute(str(compiled), compiled.params)
        while batch := cursor.fetchmany(size):
            yield names, batch


@cache
def _live_of(entity: Any, states: tuple[str, ...]) -> Any:
    """A person's rows of `entity` in these states with their program's agency, locked; built
    once."""
    return (select(entity, Program.agency_code).join(Program, Program.code == entity.program_code)
            .where(entity.person_id == bindparam("person_id"), entity.status.in_(states))
            .order_by(entity.program_code).with_for_update(of=entity))


def live_enrollments_of(session: Session, person_id: uuid.UUID) -> Sequence[Any]:
    """A person's active and suspended enrollments with their program's agency (one query,
    however many), the enrollments locked for the transaction."""
    return session.execute(_live_of(Enrollment, LIVE_ENROLLMENT), {"person_id": person_id}).all()


def open_applications_of(session: Session, person_id: uuid.UUID) -> Sequence[Any]:
    """A person's open applications with their program's agency (one query, however many),
    the applications locked for the transaction."""
    return session.execute(_live_of(Application, OPEN_APPLICATION), {"person_id": person_id}).all()


_ENROLLMENTS, _APPLICATIONS = cast(Table, Enrollment.__table__), cast(Table, Application.__table__)
_E, _A = _ENROLLMENTS.c, _APPLICATIONS.c
_LIVE_ENROLLMENT_ROWS = (
    select(_E.id, _E.person_id, _E.program_code, _E.status, _E.started_on, _E.version,
           Program.agency_code)
    .join(Program, Program.code == _E.program_code)
    .where(_E.person_id == bindparam("person_id"), _E.status.in_(LIVE_ENROLLMENT))
    .order_by(_E.program_code).with_for_update(of=_ENROLLMENTS))
_OPEN_APPLICATION_ROWS = (
    select(_A.id, _A.folio, _A.person_id, _A.program_code, _A.channel, _A.status,
           _A.submitted_at, _A.expected_decision_on, _A.version, Program.agency_code)
    .join(Program, Program.code == _A.program_code)
    .where(_A.person_id == bindparam("person_id"), _A.status.in_(OPEN_APPLICATION))
    .order_by(_A.program_code).with_for_update(of=_APPLICATIONS))
_EXIT_ENROLLMENTS = (
    update(_ENROLLMENTS).where(_E.id.in_(bindparam("ids", expanding=True)))
    .values(status="exited", ended_on=bindparam("day"), exit_reason=bindparam("why"),
            version=_E.version + 1))
_CLOSE_APPLICATIONS = (
    update(_APPLICATIONS).where(_A.id.in_(bindparam("ids", expanding=True)))
    .values(status="rejected", decision_reason=bindparam("why"), decided_at=bindparam("at"),
            version=_A.version + 1))


def _expire_loaded(session: Session, entity: Any, ids: Sequence[uuid.UUID]) -> None:
    """Rows changed by a plain UPDATE are read afresh if this transaction had loaded them."""
    for row_id in ids:
        loaded = session.identity_map.get(identity_key(entity, row_id))
        if loaded is not None:
            session.expire(loaded)


def exit_live_enrollments(session: Session, person_id: uuid.UUID, *, day: date,
                          reason: str) -> Sequence[Any]:
    """Exit a person's active and suspended enrollments on a day, in two statements however
    many (read and locked with their program's agency, then one UPDATE); the rows as read
    (their former status and version)."""
    return _end_rows(session, person_id, _LIVE_ENROLLMENT_ROWS, _EXIT_ENROLLMENTS, Enrollment,
                     {"day": day, "why": reason})


def close_open_applications(session: Session, person_id: uuid.UUID, *, reason: str,
                            at: datetime) -> Sequence[Any]:
    """Reject a person's open applications, in two statements however many (read and locked
    with their program's agency, then one UPDATE); the rows as read (former status, version)."""
    return _end_rows(session, person_id, _OPEN_APPLICATION_ROWS, _CLOSE_APPLICATIONS,
                     Application, {"why": reason, "at": at})


def _end_rows(session: Session, person_id: uuid.UUID, read: Any, end: Any, entity: Any,
              values: dict[str, Any]) -> Sequence[Any]:
    """Read and lock a person's rows (`read`), end them all with one UPDATE (`end`, bound with
    their `ids` and `values`) and expire any loaded copy; the rows as read."""
    rows = session.execute(read, {"person_id": person_id}).all()
    if rows:
        ids = [r.id for r in rows]
        session.execute(end, {"ids": ids, **values})
        _expire_loaded(session, entity, ids)
    return rows


def enrollments_by_id(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Enrollment]:
    """Enrollments by id, locked for the transaction."""
    return session.scalars(select(Enrollment).where(Enrollment.id.in_(ids))
                           .order_by(Enrollment.program_code).with_for_update()).all()


def applications_by_id(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Application]:
    """Applications by id, locked for the transaction."""
    return session.scalars(select(Application).where(Application.id.in_(ids))
                           .order_by(Application.program_code).with_for_update()).all()


_DELIVERIES_AFTER = (
    select(Delivery.id, Delivery.program_code, Delivery.delivered_on, Program.agency_code)
    .join(Program, Program.code == Delivery.program_code)
    .where(Delivery.person_id == bindparam("person_id"), Delivery.delivered_on > bindparam("day"))
    .order_by(Delivery.delivered_on))


def deliveries_after(session: Session, person_id: uuid.UUID, day: date) -> Sequence[Any]:
    """A person's deliveries dated after a day, with the program's agency."""
    return session.execute(_DELIVERIES_AFTER, {"person_id": person_id, "day": day}).all()


_ENSURE_CHANGE_PARTITIONS = text(
    "SELECT change_entry_ensure_partitions(CAST(now() AS date), "
    "CAST(now() + make_interval(months => :ahead) AS date))")


def ensure_change_partitions(session: Session, months_ahead: int) -> int:
    """PostgreSQL: create the change feed's missing monthly partitions up to `months_ahead`."""
    return int(session.execute(_ENSURE_CHANGE_PARTITIONS, {"ahead": months_ahead}).scalar_one())


def change_head(session: Session, agency_code: str) -> int:
    """The last change number handed out in the agency's feed (0: none yet)."""
    return session.scalar(select(ChangeHead.seq).where(ChangeHead.agency_code == agency_code)) or 0


def oldest_change_at(session: Session) -> Any:
    """When the oldest change still in the database was recorded (None: no change)."""
    return session.scalar(select(func.min(ChangeEntry.at)))


def changes_between(session: Session, start: datetime, end: datetime) -> Sequence[Any]:
    """Every change recorded in [start, end), agency by agency in number order."""
    return session.execute(
        select(ChangeEntry.agency_code, ChangeEntry.seq, ChangeEntry.at, ChangeEntry.entity,
               ChangeEntry.entity_id, ChangeEntry.person_id, ChangeEntry.program_code,
               ChangeEntry.action, ChangeEntry.data)
        .where(ChangeEntry.at >= start, ChangeEntry.at < end)
        .order_by(ChangeEntry.agency_code, ChangeEntry.seq)
    ).all()


def remove_changes_between(session: Session, start: datetime, end: datetime,
                           partition: str) -> None:
    """Remove the changes of [start, end): on PostgreSQL by dropping the month's partition (and
    deleting any that the default partition caught), on SQLite by deleting them."""
    if session.get_bind().dialect.name == "postgresql" and session.execute(
            text("SELECT to_regclass(:name)"), {"name": partition}).scalar() is not None:
        session.execute(text(f'DROP TABLE "{partition}"'))
    session.execute(delete(ChangeEntry).where(ChangeEntry.at >= start, ChangeEntry.at < end))


def change_archives(session: Session) -> Sequence[ChangeArchive]:
    """The months archived out of the change feed, oldest first."""
    return session.scalars(select(ChangeArchive).order_by(ChangeArchive.month)).all()
