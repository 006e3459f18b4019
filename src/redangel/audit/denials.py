"""Denied requests in the audit trail, without letting a crowd of them stall the service.

A denial by a real principal (a clerk outside their office, an agency outside its programs) is
one audit event naming that principal and the person asked for, written in its own short
transaction on a worker thread: never on the event loop, where waiting for SQLite's write lock
would freeze every other request. A denial without any credential names nobody, so it is only
counted, in memory, per client address and minute; a background thread writes one aggregate
event per address and minute (never one row per request, never attached to a person), so that
anonymous traffic can neither fill the trail nor bury real accesses in a person's "who looked at
my data".
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from anyio import to_thread
from fastapi import Request
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.db import utcnow
from redangel.errors import AppError, Forbidden, NotFound, Unauthenticated

log = logging.getLogger(__name__)
DENIALS = (NotFound, Forbidden, Unauthenticated)
AUDITED_PREFIXES = ("/api/", "/office/", "/kiosk/")
ANONYMOUS = Principal(kind="system", id="anonymous", role="anonymous")
OTHERS = "*"  # the address counted for when one minute sees more addresses than the tally keeps
MAX_ROUTES = 20  # distinct routes kept per address and minute; the rest count under OTHERS
MAX_MINUTES = 60  # minutes of counts held while the database cannot take them


@dataclass(frozen=True)
class Denial:
    """What is recorded of one denied request, read on the event loop before any thread runs."""

    principal: Principal | None
    action: str
    person_id: uuid.UUID | None
    outcome: str
    address: str


def describe(request: Request, error: AppError) -> Denial | None:
    """The denial to record for this request's error (None when it is not an audited denial)."""
    if not isinstance(error, DENIALS) or not request.url.path.startswith(AUDITED_PREFIXES):
        return None
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None and not isinstance(error, Unauthenticated):
        return None
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    for surface in ("/office", "/kiosk"):  # page routes are named relative to their surface
        if request.url.path.startswith(surface) and not path.startswith(surface):
            path = surface + path
    person_id = request.path_params.get("person_id") if request.path_params else None
    try:
        pid = uuid.UUID(str(person_id)) if person_id else None
    except ValueError:
        pid = None
    return Denial(principal=principal, action=f"denied:{request.method} {path}"[:48],
                  person_id=pid, outcome=error.code[:16],
                  address=request.client.host if request.client else "unknown")


class DenialTally:
    """Anonymous denials counted per address and minute, written as one aggregate event each.

    Counting is a dictionary update under a lock (safe on the event loop); a daemon thread
    writes every minute that has ended, and `stop` writes the rest.
    """

    def __init__(self, factory: Callable[[], Session], *, max_addresses: int = 10_000,
                 interval: float = 5.0) -> None:
        self.factory = factory
        self.max_addresses = max_addresses
        self.interval = interval
        self._lock = threading.Lock()
        self._minutes: dict[datetime, dict[str, dict[str, int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="denial-tally", daemon=True)

    def count(self, denial: Denial) -> None:
        """Count one anonymous denial against its address and the current minute."""
        minute = utcnow().replace(second=0, microsecond=0)
        with self._lock:
            addresses = self._minutes.setdefault(minute, {})
            address = denial.address[:64]
            if address not in addresses and len(addresses) >= self.max_addresses:
                address = OTHERS
            routes = addresses.setdefault(address, {})
            action = denial.action if denial.action in routes or len(routes) < MAX_ROUTES else OTHERS
            routes[action] = routes.get(action, 0) + 1

    def flush(self, *, everything: bool = False) -> int:
        """Write the minutes that have ended (all of them with `everything`); return the rows."""
        now = utcnow().replace(second=0, microsecond=0)
        with self._lock:
            due = {m: a for m, a in self._minutes.items() if everything or m < now}
            for minute in due:
                del self._minutes[minute]
        if not due:
            return 0
        rows = 0
        try:
            with self.factory() as session:
                for minute, addresses in sorted(due.items()):
                    for address, routes in addresses.items():
                        audit.record(
                            session, principal=ANONYMOUS, action="denied:anonymous",
                            person_id=None, purpose="access_attempt", outcome="unauthenticated",
                            detail={"address": address, "minute": minute.isoformat(),
                                    "count": sum(routes.values()), "routes": routes},
                        )
                        rows += 1
                session.commit()
        except Exception:
            self._restore(due)
            raise
        return rows

    def _restore(self, due: dict[datetime, dict[str, dict[str, int]]]) -> None:
        """Put counts that could not be written back, to be tried again."""
        with self._lock:
            for minute, addresses in due.items():
                kept = self._minutes.setdefault(minute, {})
                for address, routes in addresses.items():
                    into = kept.setdefault(address, {})
                    for action, n in routes.items():
                        into[action] = into.get(action, 0) + n
            while len(self._minutes) > MAX_MINUTES:
                oldest = min(self._minutes)
                lost = sum(sum(r.values()) for r in self._minutes.pop(oldest).values())
                log.error("dropped %d anonymous denials of %s: the tally could not be written",
                          lost, oldest.isoformat())

    def start(self) -> None:
        """Begin writing ended minutes in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread and write every count still held."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            self.flush(everything=True)
        except Exception:
            log.exception("the last counts of anonymous denials could not be written")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # the counts were kept: the next round retries
                log.exception("writing the anonymous denial tally failed; will retry")


def record_one(factory: Callable[[], Session], denial: Denial) -> None:
    """Write one principal's denial in its own transaction (the request's was rolled back)."""
    assert denial.principal is not None
    with factory() as session:
        audit.record(session, principal=denial.principal, action=denial.action,
                     person_id=denial.person_id, purpose="access_attempt", outcome=denial.outcome)
        session.commit()


class DenialAudit:
    """The app's hook for refused requests: principals' denials one row each, off the event loop;
    anonymous ones into the tally."""

    def __init__(self, factory: Callable[[], Session], tally: DenialTally) -> None:
        self.factory = factory
        self.tally = tally

    async def __call__(self, request: Request, error: AppError) -> None:
        """Record the denial behind this error, if it is one (awaited before the answer goes)."""
        denial = describe(request, error)
        if denial is None:
            return
        if denial.principal is None:
            self.tally.count(denial)
            return
        try:
            await to_thread.run_sync(record_one, self.factory, denial)
        except Exception:  # the refusal stands whether or not its row could be written
            log.exception("recording a denied %s failed", denial.action)
