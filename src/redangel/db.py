"""Engine, sessions and the request-owned transaction.

The request (or CLI command, or job) owns the transaction: `get_session` commits once the
endpoint has returned and rolls back on any error. Services and repositories only flush.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use redangel.db.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """An opaque, non-sequential public identifier."""
    return uuid.uuid4()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    readonly = conn.get_execution_options().get("readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine configured for durability: WAL + synchronous=FULL + foreign keys on SQLite.

    Bound parameters are hidden from errors and logs on both dialects: they carry persons' data.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            poolclass=NullPool if ":memory:" not in url else None,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is off (isolation_level=None); emit BEGIN ourselves
        # so that SQLAlchemy's transaction boundaries are the database's. Request transactions
        # take the write lock up front (no deadlock-prone lock upgrades); connections marked
        # readonly=True read a WAL snapshot without waiting for writers.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Requests are short OLTP queries; on a small machine parallel workers only steal the cores
    # that other requests need. Batch jobs may SET LOCAL it back for their own transaction.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         hide_parameters=True,
                         connect_args={"options": "-c max_parallel_workers_per_gather=0"})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


_AFTER_ROLLBACK = "redangel_after_rollback"


def keep_after_rollback(session: Session, work: Callable[[Session], None]) -> None:
    """Work the request commits even when it ends in an error, after rolling the rest back
    (the audit of a check that refused the request: the refusal itself revealed something)."""
    hooks: list[Callable[[Session], None]] = session.info.setdefault(_AFTER_ROLLBACK, [])
    if work not in hooks:
        hooks.append(work)


def _commit_kept(session: Session) -> None:
    hooks: list[Callable[[Session], None]] = session.info.pop(_AFTER_ROLLBACK, [])
    if not hooks:
        return
    try:
        for work in hooks:
            work(session)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("the work kept after a rolled-back request could not be committed")


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session; commit when the endpoint returns, roll back on error."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    session = factory()
    request.state.db_session = session
    try:
        yield session
        session.commit()
    except BaseException as error:
        session.rollback()
        if isinstance(error, Exception):
            _commit_kept(session)
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]
