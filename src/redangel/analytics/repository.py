"""The SQL of analytics: what a refresh reads from the registry and its history, and the sums
the pages read from the aggregate tables.

A refresh reads the registry's facts in one pass (on PostgreSQL one `COPY` of one query, each
person's live programs joined in the database) and everything else already counted per group
by the database (`GROUP BY`): decisions, deliveries and enrollments never come to Python row by
row. No query here returns a person's name or id to a page: the refresh keeps counts only."""

from __future__ import annotations

import csv as csv_text
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Float,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    true,
)
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

from redangel.analytics.compute import on_city_calendar
from redangel.analytics.models import AnalyticsCell, AnalyticsRun
from redangel.common.clock import CITY_TZ
from redangel.crypto.keyring import Keyring
from redangel.lifeevent.outreach import (
    BOOL_FACTS,
    NUMBER_FACTS,
    SEALED_FACTS,
    TEXT_FACTS,
    Registry,
    load_registry,
)
from redangel.person.models import Membership, Person
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


def registry(session: Session, *, keyring: Keyring, programs: Sequence[str]
             ) -> tuple[Registry, dict[str, np.ndarray]]:
    """Every living person's facts as columns, and for each program who of them is enrolled (live).

    On PostgreSQL the whole registry is one `COPY ... TO STDOUT (FORMAT csv)` of a single query
    (facts joined to each person's live programs), parsed by Arrow column by column; only the
    sealed facts are opened one by one. On SQLite, the outreach engine's reader."""
    if session.connection().dialect.name != "postgresql":
        found = load_registry(session, keyring=keyring, visible=true())
        position = {pid: i for i, pid in enumerate(found.ids)}
        held = {code: np.zeros(len(found.ids), dtype=bool) for code in programs}
        for person_id, code in _stream(session, select(Enrollment.person_id, Enrollment.program_code)
                                       .where(Enrollment.status.in_(LIVE_ENROLLMENT))):
            at = position.get(person_id)
            if at is not None and code in held:
                held[code][at] = True
        return found, held
    return _registry_copied(session, keyring, programs)


def _registry_copied(session: Session, keyring: Keyring, programs: Sequence[str]
                     ) -> tuple[Registry, dict[str, np.ndarray]]:
    live = (select(Enrollment.person_id, func.string_agg(Enrollment.program_code.distinct(), ",")
                   .label("codes"))
            .where(Enrollment.status.in_(LIVE_ENROLLMENT)).group_by(Enrollment.person_id).subquery())
    # The JSON facts parsed once per person (json_to_record), not once per fact.
    facts = func.json_to_record(Person.attributes).table_valued(
        *(sql_column(f, String) for f in TEXT_FACTS), *(sql_column(f, Boolean) for f in BOOL_FACTS),
        *(sql_column(f, Float) for f in NUMBER_FACTS), sql_column("resident_since", String),
    ).render_derived(name="facts", with_types=True)
    stmt = (select(Person.id, Person.birth_date, Person.sex, Person.borough,
                   *(facts.c[f] for f in (*TEXT_FACTS, *BOOL_FACTS, *NUMBER_FACTS, "resident_since")),
                   Person.sensitive_sealed, Membership.household_id, Membership.relationship,
                   live.c.codes)
            .select_from(Person).join(facts, true())
            .outerjoin(Membership, (Membership.person_id == Person.id) & Membership.until.is_(None))
            .outerjoin(live, live.c.person_id == Person.id)
            .where(Person.deceased_on.is_(None)))
    names = ["id", "birth_date", "sex", "borough", *TEXT_FACTS, *BOOL_FACTS, *NUMBER_FACTS,
             "resident_since", "sealed", "household", "relationship", "codes"]
    types = {name: pa.string() for name in names}
    types.update({"birth_date": pa.date32(), **{f: pa.bool_() for f in BOOL_FACTS},
                  **{f: pa.float64() for f in NUMBER_FACTS}})
    table = _copy_out(session, stmt, names, types)
    n = table.num_rows
    if n == 0:
        return (Registry(np.array([], dtype=object), {}, np.array([], dtype=np.int64),
                         np.array([], dtype=object)), {c: np.zeros(0, dtype=bool) for c in programs})

    def values(name: str) -> np.ndarray:
        return np.asarray(table[name].to_numpy(zero_copy_only=False))

    ids = values("id")
    columns: dict[str, np.ndarray] = {"birth_date": values("birth_date").astype("datetime64[D]"),
                                      "sex": values("sex"), "borough": values("borough")}
    for name in (*TEXT_FACTS, *BOOL_FACTS):
        columns[name] = values(name).astype(object)
    for name in NUMBER_FACTS:
        columns[name] = values(name).astype(float)
    columns["resident_since"] = np.array([v or "NaT" for v in values("resident_since")],
                                         dtype="datetime64[D]")
    blobs = [None if v is None else bytes.fromhex(v[2:]) for v in values("sealed")]
    sealed = keyring.open_json_many(blobs, table="person", column="sensitive", row_ids=list(ids))
    for name in SEALED_FACTS:
        columns[name] = np.array([(s or {}).get(name) for s in sealed], dtype=object)
    homes = pc.dictionary_encode(table["household"]).combine_chunks()
    household = np.asarray(pc.fill_null(homes.indices, -1).to_numpy(), dtype=np.int64)
    found = Registry(ids, columns, household, values("relationship").astype(object))
    codes = pc.split_pattern(pc.fill_null(table["codes"], ""), ",").combine_chunks()
    owner = np.asarray(pc.list_parent_indices(codes).to_numpy())
    flat = np.asarray(pc.list_flatten(codes).to_numpy(zero_copy_only=False))
    held = {}
    for code in programs:
        mask = np.zeros(n, dtype=bool)
        mask[owner[flat == code]] = True
        held[code] = mask
    return found, held


def _copy_out(session: Session, stmt: Any, names: list[str], types: dict[str, Any]) -> pa.Table:
    """A query's rows through `COPY ... TO STDOUT` as CSV, read into an Arrow table (in this
    session's transaction, so in the same snapshot as its other reads)."""
    connection = session.connection()
    sql = stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    buffer = io.BytesIO()
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
            f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for data in copy:
            buffer.write(data)
    buffer.seek(0)
    return csv.read_csv(buffer, read_options=csv.ReadOptions(column_names=names),
                        convert_options=csv.ConvertOptions(
                            column_types=types, strings_can_be_null=True,
                            quoted_strings_can_be_null=False, null_values=[""],
                            true_values=["t"], false_values=["f"]))


def _month(session: Session, day: Any) -> Any:
    """'YYYY-MM' of a date column, in the database."""
    if session.connection().dialect.name == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def enrollment_spans(session: Session, until: date) -> Sequence[Any]:
    """(program, borough, first month, last month or None, count) of the enrollments begun by
    `until`, counted per month each began and ended."""
    began, ended = _month(session, Enrollment.started_on), _month(session, Enrollment.ended_on)
    return session.execute(
        select(Enrollment.program_code, Person.borough, began, ended, func.count())
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.started_on <= until)
        .group_by(Enrollment.program_code, Person.borough, began, ended)).all()


def decided_applications(session: Session, since: datetime | None) -> Iterator[Any]:
    """Applications decided (approved or rejected) at or after `since` (all when None), counted:
    (program, channel, status, borough, month decided, days taken, decided in time, reason,
    count), the month and days on the city's calendar. PostgreSQL counts in the database;
    SQLite (no time zones) reads the rows and counts them here."""
    decided: list[ColumnElement[bool]] = [Application.decided_at.is_not(None),
                                          Application.status.in_(("approved", "rejected"))]
    if since is not None:
        decided.append(Application.decided_at >= since)
    if session.connection().dialect.name != "postgresql":
        yield from _counted_here(session, decided)
        return
    zone = CITY_TZ.key
    day = cast(func.timezone(zone, Application.decided_at), Date)
    groups = (Application.program_code, Application.channel, Application.status, Person.borough,
              func.to_char(day, "YYYY-MM"),
              day - cast(func.timezone(zone, Application.submitted_at), Date),
              func.coalesce(day <= Application.expected_decision_on, False),
              case((Application.status == "rejected", Application.decision_reason), else_=None))
    yield from session.execute(select(*groups, func.count())
                               .join(Person, Person.id == Application.person_id)
                               .where(*decided).group_by(*groups))


def _counted_here(session: Session, decided: list[Any]) -> Iterator[Any]:
    stmt = (select(Application.program_code, Application.channel, Application.status,
                   Application.submitted_at, Application.decided_at, Application.expected_decision_on,
                   Application.decision_reason, Person.borough)
            .join(Person, Person.id == Application.person_id).where(*decided))
    for program, channel, status, submitted, decided_at, expected, reason, borough in _stream(session, stmt):
        day = on_city_calendar(decided_at)
        yield (program, channel, status, borough, f"{day.year:04d}-{day.month:02d}",
               (day - on_city_calendar(submitted)).days, day <= expected,
               reason if status == "rejected" else None, 1)


def open_overdue(session: Session, today: date) -> Sequence[Any]:
    """(program, channel, borough, count) of open applications past their expected decision."""
    return session.execute(
        select(Application.program_code, Application.channel, Person.borough, func.count())
        .join(Person, Person.id == Application.person_id)
        .where(Application.status.in_(OPEN_APPLICATION), Application.expected_decision_on < today)
        .group_by(Application.program_code, Application.channel, Person.borough)).all()


def deliveries(session: Session, since: date | None) -> Sequence[Any]:
    """(program, month, borough, deliveries, distinct persons, amount) of deliveries on or after
    `since`, counted in the database."""
    month = _month(session, Delivery.delivered_on)
    stmt = (select(Delivery.program_code, month, Person.borough, func.count(),
                   func.count(Delivery.person_id.distinct()), func.sum(Delivery.amount))
            .join(Person, Person.id == Delivery.person_id)
            .group_by(Delivery.program_code, month, Person.borough))
    if since is not None:
        stmt = stmt.where(Delivery.delivered_on >= since)
    return session.execute(stmt).all()


def curp_counts(session: Session) -> Sequence[Any]:
    """(borough, persons, persons with a CURP) of the living registry."""
    return session.execute(
        select(Person.borough, func.count(), func.count(Person.curp_index))
        .where(Person.deceased_on.is_(None)).group_by(Person.borough)).all()


def replayed_until(session: Session) -> datetime | None:
    """On a PostgreSQL standby, the commit time of the last transaction it replayed (what it
    reads is the primary as of then); None elsewhere."""
    if session.connection().dialect.name != "postgresql":
        return None
    found = session.scalar(select(case((func.pg_is_in_recovery(), func.pg_last_xact_replay_timestamp()),
                                       else_=None)))
    return found if isinstance(found, datetime) else None


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
    """Write aggregate cells: COPY on PostgreSQL (CSV written by the csv module, the monthly
    cells without a day, the snapshots with theirs), batched executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        for dated in (True, False):
            names = [c for c in CELL_COLUMNS if dated or c != "taken_on"]
            buffer = io.StringIO()
            writer = csv_text.writer(buffer, quoting=csv_text.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerows(map(itemgetter(*names),
                                 (r for r in rows if (r["taken_on"] is not None) == dated)))
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                    f"COPY analytics_cell ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        return
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(AnalyticsCell), rows[start:start + BATCH])


def analyse_cells(session: Session) -> None:
    """Refresh the planner's statistics of the aggregate table after a refresh rewrote it
    (PostgreSQL), so the pages' sums are planned for the table as it now is."""
    if session.connection().dialect.name == "postgresql":
        session.execute(text("ANALYZE analytics_cell"))


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
