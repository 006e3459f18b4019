"""Read replicas: which requests a streaming replica may serve, and which replica.

A route declared `@reads_from_replica` (see `db.py`) reads from a replica when
- one of `REDANGEL_DATABASE_REPLICA_URLS` answers, is in recovery (a hot standby), is streaming
  from the primary, and is at most `replica_max_lag_seconds` behind it; each replica's state is
  checked at most every `replica_check_seconds` per process, and a replica that fails (down, not
  streaming, lagging) is skipped until its next check;
- and the client did not write within the last `read_your_writes_seconds`: a request that writes
  (any method but GET, HEAD and OPTIONS, on a route not declared `@read_only`) and succeeds is
  answered with a `redangel_wrote` cookie and a `Redangel-Wrote-At` header holding its time; a
  client sending either back within the window reads the primary. The window is never shorter
  than the lag allowed, so a client always sees what it wrote.

Everything else reads and writes the primary. What a replica-served request leaves behind (its
audit events, a session's last activity) is committed on the primary before the answer is sent.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redangel.db import SideWriter, begin_reading, declared_reading, make_engine, make_sessionmaker

log = logging.getLogger(__name__)
WROTE_COOKIE = "redangel_wrote"
WROTE_HEADER = "redangel-wrote-at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATE = text(
    "SELECT pg_is_in_recovery() AS standby, "
    "(SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiving, "
    # Nothing received is left to replay: as fresh as the primary's last WAL that arrived.
    "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END AS lag")


@dataclass
class Replica:
    """One replica: its engine, configured sessions, and what its last check found."""

    url_host: str
    engine: Engine
    sessions: Callable[[], Session]
    checked_at: float = float("-inf")
    usable: bool = False
    reason: str = "not checked yet"
    lock: threading.Lock = field(default_factory=threading.Lock)


class PrimaryWriter:
    """Commits what a replica-served request leaves behind, on the primary, before it answers."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions

    def submit(self, works: list[Callable[[Session], None]]) -> None:
        """Run the works in one transaction on the primary and commit it (raise if it failed)."""
        with self.sessions() as session:
            for work in works:
                work(session)
            session.commit()


class ReplicaRouter:
    """Picks a usable replica, in turn, for requests that may read from one (see the module)."""

    def __init__(self, urls: list[str], *, primary_sessions: Callable[[], Session],
                 configure: Callable[[Callable[[], Session]], Callable[[], Session]],
                 max_lag: float, check_seconds: float, window: float) -> None:
        self.replicas = []
        for url in urls:
            engine = make_engine(url, pool_size=5, connect_timeout=2)
            self.replicas.append(Replica(url_host=engine.url.render_as_string(hide_password=True),
                                         engine=engine,
                                         sessions=configure(make_sessionmaker(engine))))
        self.writer: SideWriter = PrimaryWriter(primary_sessions)
        self.max_lag = max_lag
        self.check_seconds = check_seconds
        self.window = window
        self._turn = itertools.count()

    def replica_session(self, request: Request) -> tuple[Session, Engine, SideWriter] | None:
        """A reading session on a usable replica, unless this client wrote within the window."""
        if wrote_recently(request, self.window):
            return None
        start = next(self._turn)
        for offset in range(len(self.replicas)):
            replica = self.replicas[(start + offset) % len(self.replicas)]
            if not self._usable(replica):
                continue
            session = replica.sessions()
            try:
                begin_reading(session)
            except SQLAlchemyError:
                session.close()
                self._mark(replica, False, "the connection failed")
                continue
            return session, replica.engine, self.writer
        return None

    def job_session(self) -> tuple[Session, str] | None:
        """For a job that only reads (the analytics refresh): a session on the first usable
        replica whose reads all see one snapshot (repeatable read), and the replica's address
        without its password; None when no replica is usable."""
        for replica in self.replicas:
            if not self._usable(replica):
                continue
            session = replica.sessions()
            try:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            except SQLAlchemyError:
                session.close()
                self._mark(replica, False, "the connection failed")
                continue
            return session, replica.url_host
        return None

    def _usable(self, replica: Replica) -> bool:
        now = time.monotonic()
        if now - replica.checked_at < self.check_seconds:
            return replica.usable
        with replica.lock:
            if now - replica.checked_at >= self.check_seconds:
                usable, reason = self._check(replica)
                self._mark(replica, usable, reason)
        return replica.usable

    def _check(self, replica: Replica) -> tuple[bool, str]:
        try:
            with replica.engine.connect() as conn:
                state = conn.execute(_STATE).one()
        except SQLAlchemyError:
            return False, "it does not answer"
        if not state.standby:
            return False, "it is not a standby"
        if state.receiving != "streaming":
            return False, "it is not streaming from the primary"
        if float(state.lag) > self.max_lag:
            return False, f"it is {float(state.lag):.1f} s behind"
        return True, "streaming"

    def _mark(self, replica: Replica, usable: bool, reason: str) -> None:
        if usable != replica.usable or reason != replica.reason:
            log.log(logging.INFO if usable else logging.WARNING, "read replica %s: %s",
                    replica.url_host, "in use" if usable else f"skipped, {reason}")
        replica.usable, replica.reason, replica.checked_at = usable, reason, time.monotonic()

    def dispose(self) -> None:
        """Close every replica's connections."""
        for replica in self.replicas:
            replica.engine.dispose()


def wrote_recently(request: Request, window: float) -> bool:
    """Whether the client says it wrote within `window` seconds (cookie or header)."""
    now = time.time()
    for sent in (request.cookies.get(WROTE_COOKIE), request.headers.get(WROTE_HEADER)):
        try:
            if sent and now - float(sent[:20]) < window:
                return True
        except ValueError:
            continue
    return False


class ReadYourWrites:
    """Marks the answer to a successful write so the client's next reads go to the primary."""

    def __init__(self, app: ASGIApp, *, window: float, secure: bool) -> None:
        self.app = app
        self.window = window
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if (message["type"] == "http.response.start" and message["status"] < 400
                    and not declared_reading(scope.get("endpoint"))):
                at = f"{time.time():.3f}"
                cookie = (f"{WROTE_COOKIE}={at}; Max-Age={int(self.window) + 1}; Path=/; "
                          f"HttpOnly; SameSite=Lax{'; Secure' if self.secure else ''}")
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode()),
                                      (WROTE_HEADER.encode(), at.encode())]
            await send(message)

        await self.app(scope, receive, marked)
