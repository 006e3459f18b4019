"""Engine, sessions and the request-owned transaction.

The request (or CLI command, or job) owns the transaction: `get_session` commits once the
endpoint has returned and rolls back on any error. Services and repositories only flush.

On SQLite a writing transaction takes the single write lock up front (`BEGIN IMMEDIATE`). A
route that only reads declares it (`@read_only`): its transaction reads a WAL snapshot without the
lock, and the rows the read leaves — its audit events, a session's last activity — are handed
to one writer thread (`side_writes.GroupWriter`) that commits them, many requests at once, before
the answer is sent. A reading transaction never writes itself: SQLite cannot wait for the lock
when a read is upgraded to a write, so it would fail under load ("database is locked").

On PostgreSQL with read replicas configured, a route declared `@reads_from_replica` (searches,
agency lists and exports, outreach) may be served by a streaming replica that is up and not
lagging, unless the client wrote within the last seconds (read-your-writes): the `ReadRouter`
(`redangel.replicas`) decides per request. Such a request's session is a reading one on the
replica, and what it leaves (audit events, a session's last activity) is committed on the
primary before the answer is sent, as on SQLite.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar, cast

import psycopg
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
T = TypeVar("T")
_READS_ATTR = "__redangel_reads__"
_REPLICA_ATTR = "__redangel_replica__"
_READING = "redangel_reading"
_BESIDE = "redangel_write_beside"
_WRITER = "redangel_side_writer"  # on a request's session until its transaction is finished
_FINISHED = "redangel_finished"

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


def _sqlite_pragmas(busy_seconds: float) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    return pragmas


def _sqlite_begin(conn: Any) -> None:
    readonly = conn.get_execution_options().get("readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10, busy_seconds: float = 30.0,
                connect_timeout: int | None = None, ping_after: float = 5.0) -> Engine:
    """An engine configured for durability: WAL + synchronous=FULL + foreign keys on SQLite,
    where a write waits up to `busy_seconds` for the lock before failing.

    Bound parameters are hidden from errors and logs on both dialects: they carry persons' data.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_seconds,
                          "isolation_level": None},
            poolclass=NullPool if ":memory:" not in url else None,
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_seconds))
        # pysqlite's own transaction handling is off (isolation_level=None); emit BEGIN ourselves
        # so that SQLAlchemy's transaction boundaries are the database's. Request transactions
        # take the write lock up front (no deadlock-prone lock upgrades); connections marked
        # readonly=True read a WAL snapshot without waiting for writers.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Requests are short OLTP queries; on a small machine parallel workers only steal the cores
    # that other requests need. Batch jobs may SET LOCAL it back for their own transaction.
    connect_args: dict[str, Any] = {"options": "-c max_parallel_workers_per_gather=0"}
    if connect_timeout is not None:
        connect_args["connect_timeout"] = connect_timeout
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                           hide_parameters=True, connect_args=connect_args)
    _ping_after_rest(engine, ping_after)
    return engine


def _ping_after_rest(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before lending it only when it rested `seconds` or more.

    A connection returned moments ago is alive; asking the server first would cost every request
    a round trip. One that rested may have been cut (a restart, a failover, a firewall): a dead
    one is replaced before any statement runs, as SQLAlchemy's pre-ping does. A connection that
    dies while in use fails its request, and the pool discards every connection made before."""

    @event.listens_for(engine, "checkin")
    def rested_since(_dbapi: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("returned_at", 0.0) < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as error:  # the pool replaces the connection and tries again
            raise exc.DisconnectionError() from error


async def on_loop_connection(pool: AsyncConnectionPool[Any],
                             work: Callable[[AsyncConnection[Any]], Awaitable[T]]) -> T:
    """Run `work` on one of the pool's connections; when the connection turns out to have been
    cut while it rested (a restart, a failover), once more on a new one."""
    async with pool.connection() as conn:
        try:
            return await work(conn)
        except psycopg.OperationalError:
            if not conn.closed:
                raise
    async with pool.connection() as conn:  # the pool has dropped the cut one
        return await work(conn)


async def open_async_pool(engine: Engine, *, size: int, name: str) -> AsyncConnectionPool[Any]:
    """A small pool of autocommit connections to the engine's PostgreSQL database, for work
    done on the event loop itself (no worker thread, no ORM)."""
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        conninfo, min_size=1, max_size=size, open=False, name=name, timeout=30,
        kwargs={"autocommit": True})
    await pool.open()
    return pool


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


_AFTER_ROLLBACK = "redangel_after_rollback"


class ReadingTransactionWrote(RuntimeError):
    """A route declared `@read_only` changed a row in its own transaction (a programming error)."""


class SideWriter(Protocol):
    """Commits the rows reading requests leave, and returns once they are durable."""

    def submit(self, works: list[Callable[[Session], None]]) -> None:
        """Run the works in one committed transaction; raise if it failed."""


def read_only(endpoint: Endpoint) -> Endpoint:
    """Declare that a route only reads: on SQLite its transaction reads a snapshot without the
    write lock, and what it must write goes through `write_beside`.

    The request's transaction (with the audit rows of what it read) is committed in the worker
    thread that ran the route, as soon as it returns: its answer is built by then, and the
    commit costs no second trip to a worker thread. The answer is still sent only after it."""
    setattr(endpoint, _READS_ATTR, True)
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def committed_here(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session):
                _finish_here(value)
        return answer

    return cast(Endpoint, committed_here)


def _finish_here(session: Session) -> None:
    """Commit a request's session in this worker thread, instead of after the route."""
    if _WRITER in session.info:
        writer = session.info.pop(_WRITER)
        session.info[_FINISHED] = True  # whatever happens now, get_session must not redo it
        _finish(session, writer)


def _run_and_finish(session: Session, work: Callable[[Session], T]) -> T:
    answer = work(session)
    _finish_here(session)
    return answer


class Reader:
    """Where a reading route's statements run: on PostgreSQL, on a connection the event loop owns
    (`loop`; no worker thread, no ORM); otherwise the request's own session, in one worker
    thread that also commits it (`in_thread`).

    A route takes it as `Reading` and hands both to its service, which runs the same scope, field
    policy and audit either way."""

    def __init__(self, loop: AsyncConnectionPool[Any] | None, session: Session) -> None:
        self.loop = loop
        self._session = session

    async def in_thread(self, work: Callable[[Session], T]) -> T:
        """Run `work` with the request's session on a worker thread, and commit it there."""
        return await run_in_threadpool(_run_and_finish, self._session, work)


def reads_from_replica(endpoint: Endpoint) -> Endpoint:
    """Declare that a route may be served by a read replica (see the module): it only reads in
    its own transaction, and a few seconds of staleness are acceptable to its users."""
    setattr(endpoint, _REPLICA_ATTR, True)
    return endpoint


def declared_replica(endpoint: object) -> bool:
    """Whether an endpoint was declared `@reads_from_replica`."""
    return bool(getattr(endpoint, _REPLICA_ATTR, False))


class ReadRouter(Protocol):
    """Chooses, per request, a replica's reading session for a route that may use one."""

    def replica_session(self, request: Request) -> tuple[Session, Engine, SideWriter] | None:
        """A reading session on a healthy replica, its engine and the primary's writer for what
        the request leaves; None when the request must read the primary."""


def declared_reading(endpoint: object) -> bool:
    """Whether an endpoint was declared `@read_only`."""
    return bool(getattr(endpoint, _READS_ATTR, False))


def is_reading(session: Session) -> bool:
    """Whether this session is a reading request's (it must not write in its transaction)."""
    return bool(session.info.get(_READING, False))


def begin_reading(session: Session) -> None:
    """Make a new session a reading one: a snapshot without the write lock, no writes of its
    own (`write_beside` keeps them for the writer)."""
    session.info[_READING] = True
    session.connection(execution_options={"readonly": True})


def write_beside(session: Session, work: Callable[[Session], None]) -> None:
    """Write what a read leaves behind: now, in a writing transaction; in a reading one, in the
    writer's transaction, committed before the answer is sent (or the request fails)."""
    if is_reading(session):
        session.info.setdefault(_BESIDE, []).append(work)
    else:
        work(session)


@event.listens_for(Session, "before_flush")
def _refuse_reading_flush(session: Session, *_: object) -> None:
    if is_reading(session) and (session.new or session.deleted or any(
            session.is_modified(item) for item in session.dirty)):
        raise ReadingTransactionWrote("a route declared @read_only changed a row; write it beside")


@event.listens_for(Session, "do_orm_execute")
def _refuse_reading_dml(state: ORMExecuteState) -> None:
    if is_reading(state.session) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadingTransactionWrote("a route declared @read_only ran an INSERT, UPDATE or DELETE")


def keep_after_rollback(session: Session, work: Callable[[Session], None]) -> None:
    """Work the request commits even when it ends in an error, after rolling the rest back
    (the audit of a check that refused the request: the refusal itself revealed something)."""
    hooks: list[Callable[[Session], None]] = session.info.setdefault(_AFTER_ROLLBACK, [])
    if work not in hooks:
        hooks.append(work)


def _commit_kept(session: Session, writer: SideWriter | None) -> None:
    session.info.pop(_BESIDE, None)
    hooks: list[Callable[[Session], None]] = session.info.pop(_AFTER_ROLLBACK, [])
    if not hooks:
        return
    try:
        for work in hooks:
            work(session)
        session.commit()
        _hand_over(session, writer)
    except Exception:
        session.rollback()
        log.exception("the work kept after a rolled-back request could not be committed")


def _hand_over(session: Session, writer: SideWriter | None) -> None:
    works: list[Callable[[Session], None]] = session.info.pop(_BESIDE, [])
    if works and writer is not None:
        writer.submit(works)


def _finish(session: Session, writer: SideWriter | None) -> None:
    try:
        session.commit()
        _hand_over(session, writer)
    except BaseException as error:
        _abandon(session, writer, error)
        raise
    finally:
        session.close()


def _abandon(session: Session, writer: SideWriter | None, error: BaseException) -> None:
    session.rollback()
    if isinstance(error, Exception):
        _commit_kept(session, writer)


def _fail(session: Session, writer: SideWriter | None, error: BaseException) -> None:
    try:
        _abandon(session, writer, error)
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield the request's session; commit when the endpoint returns, roll back on error.

    A route declared `@read_only` (on SQLite, where a writer thread runs) reads a snapshot, and
    the rows it leaves are committed by the writer before the answer is sent; a route declared
    to read from a replica gets a session on a usable one, unless this client just wrote.

    The session is made on the event loop (it connects only at its first statement) and the
    commit, with the session's close, takes one trip to a worker thread: a request spends one
    thread hand-off on its transaction, not two; a `@read_only` route spends none (its own
    thread commits, see `read_only`)."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    writer: SideWriter | None = getattr(request.app.state, "side_writer", None)
    router: ReadRouter | None = getattr(request.app.state, "read_router", None)
    endpoint = request.scope.get("endpoint")
    chosen = (await run_in_threadpool(router.replica_session, request)
              if router is not None and declared_replica(endpoint) else None)
    reading = False
    if chosen is not None:
        session, request.state.read_engine, writer = chosen
    else:
        session = factory()
        request.state.read_engine = request.app.state.engine
        reading = writer is not None and declared_reading(endpoint)
        if not reading:
            writer = None
    request.state.db_session = session
    session.info[_WRITER] = writer
    idle = frozenset(session.info)
    try:
        if reading:
            await run_in_threadpool(begin_reading, session)
        yield session
    except Exception as error:
        if not session.info.get(_FINISHED):
            await run_in_threadpool(_fail, session, writer, error)
        raise
    except BaseException as error:  # cancelled: no await may run any more, end it here
        if not session.info.get(_FINISHED):
            _fail(session, writer, error)
        raise
    if session.info.get(_FINISHED):  # a `@read_only` route committed it in its own thread
        return
    if _untouched(session, idle):  # nothing to commit, no connection held: no thread needed
        session.close()
        return
    await run_in_threadpool(_finish, session, writer)


def _untouched(session: Session, idle: frozenset[str]) -> bool:
    """A session that never began a transaction and was handed no work (the services keep
    what a commit must write in `session.info`): when the caller was resolved on the event
    loop and the route read there too."""
    return (not session.in_transaction() and not session.new and not session.dirty
            and not session.deleted and frozenset(session.info) <= idle)


DbSession = Annotated[Session, Depends(get_session, scope="function")]


async def get_reader(request: Request, session: DbSession) -> Reader:
    """The request's `Reader`: the event loop's connections when the app keeps them (PostgreSQL)
    and the route is not one a replica may serve (`ReadRouter` chooses those per request)."""
    loop: AsyncConnectionPool[Any] | None = getattr(request.app.state, "loop_pool", None)
    if loop is not None and declared_replica(request.scope.get("endpoint")) and getattr(
            request.app.state, "read_router", None) is not None:
        loop = None
    return Reader(loop, session)


Reading = Annotated[Reader, Depends(get_reader)]
