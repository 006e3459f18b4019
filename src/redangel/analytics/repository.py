"""The SQL of analytics: what a refresh reads from the registry (set-based, streamed) and the sums
the pages read from the aggregate tables. No query here returns a person's name or id to a page:
the refresh reads ids only to join enrollments to the registry in memory, and keeps counts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from redangel.analytics.models import AnalyticsCell, AnalyticsRun
from redangel.person.models import Person
from redangel.program.models import (
    LIVE_ENROLLMENT,
    OPEN_APPLICATION,
    Application,
    ChangeEntry,
    Delivery,
    Enrollment,
    Program,
)

BATCH = 20_000
CELL_COLUMNS = ("figure", "taken_on", "month", "program_code", "agency_code", "borough", "sex",
                "age_band", "target", "channel", "key", "measure", "value")
GROUPS = ("program_code", "agency_code", "borough", "sex", "age_band", "target", "channel", "key")


def _stream(session: Session, stmt: Any, size: int = 50_000) -> Iterator[Any]:
    """Rows of a statement in batches, through the core (no ORM bookkeeping per row)."""
    result = session.connection().execute(stmt.execution_options(yield_per=size))
    for part in result.partitions(size):
        yield from part


def program_agencies(session: Session) -> dict[str, str]:
    """Each program's agency."""
    return {code: agency for code, agency in session.execute(select(Program.code, Program.agency_code))}


def live_enrollments(session: Session) -> Iterator[tuple[uuid.UUID, str]]:
    """(person, program) of every live enrollment."""
    yield from _stream(session, select(Enrollment.person_id, Enrollment.program_code)
                       .where(Enrollment.status.in_(LIVE_ENROLLMENT)))


def enrollment_spans(session: Session, until: date) -> Iterator[Any]:
    """(program, borough, started_on, ended_on) of every enrollment begun by `until`."""
    yield from _stream(session, select(Enrollment.program_code, Person.borough, Enrollment.started_on,
                                       Enrollment.ended_on)
                       .join(Person, Person.id == Enrollment.person_id)
                       .where(Enrollment.started_on <= until))


def decided_applications(session: Session, since: datetime | None) -> Iterator[Any]:
    """Applications decided (approved or rejected) at or after `since` (all when None)."""
    stmt = (select(Application.program_code, Application.channel, Application.status,
                   Application.submitted_at, Application.decided_at, Application.expected_decision_on,
                   Application.decision_reason, Person.borough)
            .join(Person, Person.id == Application.person_id)
            .where(Application.decided_at.is_not(None),
                   Application.status.in_(("approved", "rejected"))))
    if since is not None:
        stmt = stmt.where(Application.decided_at >= since)
    yield from _stream(session, stmt)


def open_overdue(session: Session, today: date) -> Sequence[Any]:
    """(program, channel, borough, count) of open applications past their expected decision."""
    return session.execute(
        select(Application.program_code, Application.channel, Person.borough, func.count())
        .join(Person, Person.id == Application.person_id)
        .where(Application.status.in_(OPEN_APPLICATION), Application.expected_decision_on < today)
        .group_by(Application.program_code, Application.channel, Person.borough)).all()


def deliveries(session: Session, since: date | None) -> Iterator[Any]:
    """(program, delivered_on, borough, person, amount) of deliveries on or after `since`."""
    stmt = (select(Delivery.program_code, Delivery.delivered_on, Person.borough, Delivery.person_id,
                   Delivery.amount)
            .join(Person, Person.id == Delivery.person_id))
    if since is not None:
        stmt = stmt.where(Delivery.delivered_on >= since)
    yield from _stream(session, stmt)


def curp_counts(session: Session) -> Sequence[Any]:
    """(borough, persons, persons with a CURP) of the living registry."""
    return session.execute(
        select(Person.borough, func.count(), func.count(Person.curp_index))
        .where(Person.deceased_on.is_(None)).group_by(Person.borough)).all()


def last_run(session: Session) -> AnalyticsRun | None:
    """The latest refresh."""
    return session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(1)).first()


def first_touched(session: Session, since: datetime) -> date | None:
    """The earliest month any decision, delivery or enrollment recorded since `since` falls in."""
    days = [
        session.scalar(select(func.min(Application.decided_at)).where(Application.decided_at >= since)),
        session.scalar(select(func.min(Delivery.delivered_on)).where(Delivery.recorded_at >= since)),
        session.scalar(select(func.min(Enrollment.started_on))
                       .join(ChangeEntry, (ChangeEntry.entity_id == Enrollment.id)
                             & (ChangeEntry.entity == "enrollment"))
                       .where(ChangeEntry.at >= since)),
    ]
    found = [d.date() if isinstance(d, datetime) else d for d in days if d is not None]
    return min(found) if found else None


def replace_snapshot(session: Session, figures: Sequence[str], taken_on: date, *, keep_history: bool) -> None:
    """Drop a day's cells of snapshot figures (with `keep_history` False, every earlier day's too)."""
    stmt = delete(AnalyticsCell).where(AnalyticsCell.figure.in_(figures),
                                       AnalyticsCell.taken_on.is_not(None))
    if keep_history:
        stmt = stmt.where(AnalyticsCell.taken_on == taken_on)
    session.execute(stmt)


def drop_months(session: Session, figures: Sequence[str], since_month: str) -> None:
    """Drop the cells of monthly figures from a month on (all of them when `since_month` is '')."""
    stmt = delete(AnalyticsCell).where(AnalyticsCell.figure.in_(figures), AnalyticsCell.taken_on.is_(None))
    if since_month:
        stmt = stmt.where(AnalyticsCell.month >= since_month)
    session.execute(stmt)


def insert_cells(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write aggregate cells: COPY on PostgreSQL, batched executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY analytics_cell ({', '.join(CELL_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in CELL_COLUMNS))
        return
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(AnalyticsCell), rows[start:start + BATCH])


def add_run(session: Session, run: AnalyticsRun) -> None:
    """Record a refresh."""
    session.add(run)
    session.flush()


def snapshot_days(session: Session, figure: str) -> list[date]:
    """The days a snapshot figure was taken, oldest first."""
    return [d for d in session.scalars(select(AnalyticsCell.taken_on).where(
        AnalyticsCell.figure == figure, AnalyticsCell.taken_on.is_not(None)).distinct()) if d is not None]


def sums(session: Session, *, figure: str, by: Sequence[str], where: Sequence[ColumnElement[bool]]
         ) -> list[tuple[tuple[str, ...], str, float]]:
    """The cells of a figure added up by the given groups and measure: ((group values), measure, sum)."""
    columns = [getattr(AnalyticsCell, name) for name in by]
    stmt = (select(*columns, AnalyticsCell.measure, func.sum(AnalyticsCell.value))
            .where(AnalyticsCell.figure == figure, *where)
            .group_by(*columns, AnalyticsCell.measure))
    return [(tuple(str(v) for v in row[:-2]), str(row[-2]), float(row[-1] or 0))
            for row in session.execute(stmt)]


def column(name: str) -> Any:
    """A column of the aggregate table by name (for the service's filters)."""
    return getattr(AnalyticsCell, name)
