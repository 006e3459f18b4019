"""One writer thread for the rows that reads leave behind, committed many requests at a time.

On SQLite every write takes the database's single write lock. If each read of personal data
wrote its own audit row in its own transaction, 32 concurrent readers would queue for the lock
(and for one fsync each) and time out under load. Instead a reading request hands its works
(`db.write_beside`: audit events, a session's last activity) to this thread and waits: the
thread takes everything queued, runs it in one transaction, commits it durably (WAL,
synchronous=FULL) and releases every waiting request at once. A request is answered only after
its rows are committed; if they cannot be, it fails rather than answer unaudited.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
Work = Callable[[Session], None]
MAX_BATCH = 256  # requests per group transaction: bounds one transaction's length


class SideWriteFailed(RuntimeError):
    """The rows a read leaves could not be committed: the read must not be answered."""


@dataclass
class _Item:
    works: list[Work]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupWriter:
    """A daemon thread committing queued works in group transactions (see the module doc)."""

    def __init__(self, factory: Callable[[], Session], *, timeout: float = 60.0) -> None:
        self.factory = factory
        self.timeout = timeout
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.groups = 0
        self.failures = 0
        self.items = 0
        self.last_commit_seconds = 0.0

    def submit(self, works: list[Work]) -> None:
        """Run the works in the writer's next transaction; return once it is committed."""
        self._ensure_started()
        item = _Item(works)
        self._queue.put(item)
        if not item.done.wait(self.timeout):
            raise SideWriteFailed("the writer did not commit in time")
        if item.error is not None:
            raise SideWriteFailed("the rows of this read could not be committed") from item.error

    def backlog(self) -> int:
        """Requests waiting for the next group transaction."""
        return self._queue.qsize()

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=30)

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="side-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this group
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        started = time.perf_counter()
        try:
            with self.factory() as session:
                for item in batch:
                    for work in item.works:
                        work(session)
                session.commit()
        except Exception as exc:
            if len(batch) > 1:  # commit each alone: one bad item fails only its own request
                for item in batch:
                    self._commit([item])
                return
            log.exception("rows left by a read could not be committed")
            self.failures += 1
            batch[0].error = exc
        else:
            self.groups += 1
            self.items += len(batch)
            self.last_commit_seconds = time.perf_counter() - started
        for item in batch:
            item.done.set()
