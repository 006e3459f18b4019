"""Recording audit events in the transaction they describe, and sealing them into the chain.

Services call `record(...)`; the events are inserted just before the transaction commits (a
session hook), so a rolled-back change leaves no audit of itself, and denied attempts are
recorded in their own short transaction. A reading request on SQLite (`db.read_only`) never writes
in its own transaction: its events are handed to the writer thread (`db.write_beside`), which
commits them before the answer is sent. `seal` chains recorded events: on SQLite inline, right
after the insert; on PostgreSQL a background sealer (one per process; only one at a time wins
the head row) seals every event whose transaction is older than the oldest one still running,
so no request ever waits on the chain.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any
from typing import cast as cast_type

from psycopg import AsyncConnection
from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    event,
    exists,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from redangel.audit import chain
from redangel.audit.models import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal
from redangel.auth.principal import Principal
from redangel.config import Settings
from redangel.db import is_reading, keep_after_rollback, utcnow, write_beside

log = logging.getLogger(__name__)
_PENDING = "redangel_audit_pending"
_CONFIG = "redangel_audit_config"
_KEPT = "redangel_audit_kept"
_BESIDE = "redangel_audit_beside"
_ENSURE_HEAD_PG = text(
    "INSERT INTO audit_head (id, seq, hash, horizon) VALUES (1, 0, :genesis, 0) "
    "ON CONFLICT (id) DO NOTHING"
)
_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
# One sealer at a time across every worker of every machine: the round's transaction holds this
# advisory lock (the head row's lock would also serialise them, but only after each sealer
# has read its batch; the lock turns the others away before any work).
SEALER_LOCK = 0x72656461_6E67656C  # "redangel"
_TRY_SEALER_LOCK = text(f"SELECT pg_try_advisory_xact_lock({SEALER_LOCK})")


@dataclass(frozen=True)
class AuditConfig:
    """The secret the links and checkpoints are keyed with, and how often to sign a checkpoint:
    every `checkpoint_every` seals, and whenever the last one is `checkpoint_seconds` old."""

    secret_key: str
    checkpoint_every: int = 1000
    checkpoint_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditConfig:
        """The audit configuration the settings describe."""
        return cls(secret_key=settings.secret_key,
                   checkpoint_every=settings.audit_checkpoint_every,
                   checkpoint_seconds=settings.audit_checkpoint_seconds)


@dataclass
class _Pending:
    events: list[dict[str, Any]] = field(default_factory=list)


def _queue(session: Session) -> _Pending:
    """Where this session's events wait: for its own commit, or for the writer's (a read)."""
    if not is_reading(session):
        pending: _Pending = session.info.setdefault(_PENDING, _Pending())
        return pending
    beside: _Pending | None = session.info.get(_BESIDE)
    if beside is None:
        beside = session.info[_BESIDE] = _Pending()
        write_beside(session, partial(_adopt, beside))
    return beside


def _adopt(events: _Pending, session: Session) -> None:
    """Queue a reading request's events in the writer's session (inserted at its commit)."""
    _queue(session).events.extend(events.events)


def configure(session: Session, config: AuditConfig) -> None:
    """Attach the audit configuration to a session (done by the session factory)."""
    session.info[_CONFIG] = config


def _event(*, principal: Principal, action: str, person_id: uuid.UUID | None, purpose: str,
           outcome: str, detail: dict[str, Any] | None) -> dict[str, Any]:
    """An event's columns (its digest apart), at this moment."""
    return {
        "at": utcnow(),
        "actor_kind": principal.kind,
        "actor_id": principal.id,
        "actor_role": principal.role,
        "office_id": principal.office_id,
        "agency_code": principal.agency_code,
        "action": action[:48],
        "person_id": person_id,
        "purpose": purpose[:64],
        "outcome": outcome[:16],
        "detail": detail or {},
    }


def record(
    session: Session,
    *,
    principal: Principal,
    action: str,
    person_id: uuid.UUID | None,
    purpose: str,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    survive_rollback: bool = False,
) -> None:
    """Queue an audit event; it is written when this transaction commits (or, with
    `survive_rollback`, also when the request ends in the error this check raised)."""
    pending = _queue(session)
    item = _event(principal=principal, action=action, person_id=person_id, purpose=purpose,
                  outcome=outcome, detail=detail)
    item["digest"] = chain.digest(item)
    pending.events.append(item)
    if survive_rollback:
        session.info.setdefault(_KEPT, []).append(item)
        keep_after_rollback(session, _requeue_kept)


def read_event(*, principal: Principal, action: str, person_id: uuid.UUID, purpose: str
               ) -> dict[str, Any]:
    """An event of one read, with its digest, for `audited_on_loop`: recorded by the statement
    that reads, and only when it finds the person."""
    item = _event(principal=principal, action=action, person_id=person_id, purpose=purpose,
                  outcome="ok", detail=None)
    item["digest"] = chain.digest(item)
    return item


def queued(session: Session) -> int:
    """How many audit events this transaction has queued and not written yet: a mark to roll
    back to (`forget_since`)."""
    return len(_queue(session).events)


def forget_since(session: Session, mark: int) -> None:
    """Forget the events queued after `mark`: the work they describe was rolled back to a
    savepoint, so it never happened (events meant to outlive a rollback are kept)."""
    events = _queue(session).events
    kept = {id(item) for item in session.info.get(_KEPT, [])}
    events[mark:] = [item for item in events[mark:] if id(item) in kept]


def _requeue_kept(session: Session) -> None:
    """After a rollback, queue again only the events meant to outlive it."""
    session.info.pop(_PENDING, None)
    session.info.pop(_BESIDE, None)
    _queue(session).events.extend(session.info.pop(_KEPT, []))


def record_shown(
    session: Session,
    *,
    principal: Principal,
    action: str,
    person_ids: Iterable[uuid.UUID],
    purpose: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Queue one event per person shown (each once, in order); with nobody shown, one event
    without a person, so the request still leaves its trace. Returns the persons recorded.

    The events are inserted at commit in one multi-row INSERT, however many persons."""
    seen = list(dict.fromkeys(person_ids))
    if len(seen) < 2:
        record(session, principal=principal, action=action, person_id=seen[0] if seen else None,
               purpose=purpose, detail=detail)
        return len(seen)
    _queue(session).events.extend(_shown_events(principal, action, seen, purpose, detail))
    return len(seen)


def _shown_events(principal: Principal, action: str, seen: list[uuid.UUID], purpose: str,
                  detail: dict[str, Any] | None) -> list[dict[str, Any]]:
    shown = _event(principal=principal, action=action, person_id=None, purpose=purpose,
                   outcome="ok", detail=detail)
    if len(seen) < 2:
        shown["person_id"] = seen[0] if seen else None
        shown["digest"] = chain.digest(shown)
        return [shown]
    digests = chain.digests_per_person(shown, [str(person_id) for person_id in seen])
    return [{**shown, "person_id": person_id, "digest": digest}
            for person_id, digest in zip(seen, digests, strict=True)]


async def record_shown_on_loop(conn: AsyncConnection[Any], *, principal: Principal, action: str,
                               person_ids: Iterable[uuid.UUID], purpose: str,
                               detail: dict[str, Any] | None = None) -> int:
    """`record_shown` on an event loop's PostgreSQL connection that commits each statement: the
    events are durable when it returns (before the answer is written)."""
    seen = list(dict.fromkeys(person_ids))
    shown = _event(principal=principal, action=action, person_id=None, purpose=purpose,
                   outcome="ok", detail=detail)
    ids = [str(person_id) for person_id in seen]
    if len(seen) < 2:
        digests = [chain.digest({**shown, "person_id": seen[0] if seen else None})]
    else:
        digests = chain.digests_per_person(shown, ids)
    await conn.execute(_INSERT_SHOWN_PG, (*(shown[name] for name in _SHARED_COLUMNS),
                                          json.dumps(shown["detail"]), ",".join(ids),
                                          ",".join(digests)))
    return len(seen)


# PostgreSQL: a batch of events (a page of persons shown is one event each) is one statement,
# its columns sent as arrays in binary and unnested, instead of one pipelined INSERT per event
# (whose per-row round of the pipeline cost a listing more than its own query). `detail` is
# written as the JSON type writes it (`json.dumps`).
_XID = "pg_current_xact_id()::text::bigint"  # the inserting transaction (see `seal`)
_EVENT_COLUMNS = ("at", "actor_kind", "actor_id", "actor_role", "office_id", "agency_code",
                  "action", "person_id", "purpose", "outcome", "detail", "digest")
_INSERT_EVENTS_PG = (
    "INSERT INTO audit_event (at, actor_kind, actor_id, actor_role, office_id, agency_code, "
    "action, person_id, purpose, outcome, detail, digest, xid) "
    "SELECT e.*, pg_current_xact_id()::text::bigint FROM unnest("
    "%b::timestamptz[], %b::text[], %b::text[], %b::text[], %b::uuid[], %b::text[], %b::text[], "
    "%b::uuid[], %b::text[], %b::text[], %b::text[]::json[], %b::text[]) AS e")
# The events of one page of persons shown differ only in their person and digest: the rest is
# bound once, and the persons' ids and the digests (hexadecimal, no commas) each go as one
# comma-separated text, split by PostgreSQL (binding them as arrays cost the page more in
# psycopg's list adaptation than the INSERT itself). With nobody shown, one event without a
# person (an empty text splits into no element: `NULLIF` makes it one NULL).
_SHARED_COLUMNS = tuple(name for name in _EVENT_COLUMNS[:-2] if name != "person_id")
_INSERT_SHOWN_PG = (
    "INSERT INTO audit_event (at, actor_kind, actor_id, actor_role, office_id, agency_code, "
    "action, purpose, outcome, detail, person_id, digest, xid) "
    "SELECT %b::timestamptz, %b::text, %b::text, %b::text, %b::uuid, %b::text, %b::text, "
    "%b::text, %b::text, %b::text::json, e.person_id::uuid, e.digest, "
    "pg_current_xact_id()::text::bigint FROM unnest("
    "string_to_array(NULLIF(%b::text, ''), ','), string_to_array(%b::text, ',')) "
    "AS e(person_id, digest)")
_INSERT_SEALS_PG = ("INSERT INTO audit_seal (seq, event_id, prev_hash, hash) "
                    "SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::text[], %b::text[])")


# PostgreSQL, a read on the event loop's own connection: the event is inserted by the very
# statement that reads (a data-modifying WITH), for the row it finds. The connection commits
# each statement as it runs, so the read and its audit row are durable together, in one round
# trip, before the answer is written.
_AUDITED_COLUMNS = _EVENT_COLUMNS[:-2]  # detail and digest are bound on their own


def audited_on_loop(shown: Select[Any]) -> Select[Any]:
    """`shown` (one person's row, `id` among its columns) as a statement that also inserts
    the read's event (`read_event`, bound with `loop_event_params`) when the row is found."""
    found = shown.cte("shown")
    table = cast_type(Table, AuditEvent.__table__)
    values: list[ColumnElement[Any]] = [
        cast(bindparam(f"audit_{name}"), table.c[name].type) for name in _AUDITED_COLUMNS]
    values += [cast(cast(bindparam("audit_detail"), Text), JSON),
               cast(bindparam("audit_digest"), Text), literal_column(_XID)]
    audited = insert(table).from_select(
        [*_EVENT_COLUMNS, "xid"], select(*values).select_from(found)).cte("audited")
    return select(found).add_cte(audited)


def loop_event_params(event: dict[str, Any]) -> dict[str, Any]:
    """The parameters `audited_on_loop` binds for one event."""
    params = {f"audit_{name}": event[name] for name in _AUDITED_COLUMNS}
    params["audit_detail"] = json.dumps(event["detail"])
    params["audit_digest"] = event["digest"]
    return params


def _event_arrays(events: list[dict[str, Any]]) -> tuple[list[Any], ...]:
    """The parameters of `_INSERT_EVENTS_PG`: one array per column."""
    columns = [[event[name] for event in events] for name in _EVENT_COLUMNS[:-2]]
    details: dict[int, str] = {}  # a page's events share one detail: written once
    written = [details.get(id(d)) or details.setdefault(id(d), json.dumps(d))
               for d in (event["detail"] for event in events)]
    digests = [event["digest"] for event in events]
    return (*columns, written, digests)


def _insert_events_pg(session: Session, events: list[dict[str, Any]]) -> None:
    session.connection().exec_driver_sql(_INSERT_EVENTS_PG, _event_arrays(events))


def append_pending(session: Session) -> None:
    """Insert this transaction's queued events (and seal them at once on SQLite)."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if not pending or not pending.events:
        return
    if session.get_bind().dialect.name == "postgresql":
        _insert_events_pg(session, pending.events)
        return
    # Core on the session's connection, not the ORM's bulk insert: plain rows, none of them ever
    # loaded as objects, and no ids asked back.
    session.connection().execute(insert(AuditEvent.__table__), pending.events)  # type: ignore[arg-type]
    seal(session)


def _ensure_head(session: Session) -> None:
    exists = session.execute(select(AuditHead.id).where(AuditHead.id == 1)).first()
    if exists is None:
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=chain.GENESIS, horizon=0))
        session.flush()


def seal(session: Session, *, limit: int = 20_000, checkpoint_now: bool = False) -> int:
    """Chain the events that are safe to seal, sign the checkpoints now due; return how many
    were sealed. `checkpoint_now` waits for the head and signs it whatever the timer says."""
    config: AuditConfig | None = session.info.get(_CONFIG)
    if config is None:
        raise RuntimeError("audit sealing needs an AuditConfig on the session (audit.configure)")
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and not checkpoint_now and not session.execute(_TRY_SEALER_LOCK).scalar_one():
        return 0  # another sealer is at work: it will seal these events
    if postgres:
        session.execute(_ENSURE_HEAD_PG, {"genesis": chain.GENESIS})
    else:
        _ensure_head(session)
    head = session.scalar(
        select(AuditHead).where(AuditHead.id == 1)
        .with_for_update(skip_locked=postgres and not checkpoint_now)
    )
    if head is None:  # another sealer holds the head: it will seal these events
        return 0
    if postgres:
        # Every transaction older than xmin has ended, so no event below it can still appear.
        xmin = int(session.execute(_XMIN).scalar_one())
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.digest, AuditEvent.xid)
            .where(AuditEvent.xid >= head.horizon, AuditEvent.xid < xmin,
                   ~exists().where(AuditSeal.event_id == AuditEvent.id))
            .order_by(AuditEvent.xid, AuditEvent.id).limit(limit)
        ).all()
        # A full batch may stop inside one transaction's events: resume from that transaction.
        horizon = rows[-1].xid if len(rows) == limit else xmin
    else:
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.digest, AuditEvent.xid)
            .where(AuditEvent.id > head.horizon).order_by(AuditEvent.id).limit(limit)
        ).all()
        horizon = rows[-1].id if rows else head.horizon
    key = chain.link_key(config.secret_key)
    seq, prev = head.seq, head.hash
    seals = []
    for row in rows:
        seq += 1
        digest = chain.link(key, prev, seq, row.id, row.digest)
        seals.append({"seq": seq, "event_id": row.id, "prev_hash": prev, "hash": digest})
        prev = digest
    if seals and postgres:
        session.connection().exec_driver_sql(_INSERT_SEALS_PG, tuple(
            [item[name] for item in seals] for name in ("seq", "event_id", "prev_hash", "hash")))
    elif seals:
        session.execute(insert(AuditSeal), seals)
    session.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(seq=seq, hash=prev, horizon=max(horizon, head.horizon)))
    _sign_due(session, config, seals, head_seq=seq, head_hash=prev, now=checkpoint_now)
    return len(seals)


def _sign_due(session: Session, config: AuditConfig, seals: list[dict[str, Any]], *,
              head_seq: int, head_hash: str, now: bool) -> None:
    """Sign the first seal, every `checkpoint_every`-th, and the head once the last is old."""
    last = session.execute(
        select(AuditCheckpoint.seq, AuditCheckpoint.at)
        .order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).first()
    last_seq, last_at = (last.seq, last.at) if last is not None else (0, None)
    for item in seals:
        if item["seq"] == 1 or item["seq"] % config.checkpoint_every == 0:
            last_seq, last_at = _sign(session, config, item["seq"], item["hash"], last_seq)
    stale = last_at is None or utcnow() - last_at >= timedelta(seconds=config.checkpoint_seconds)
    if head_seq > last_seq and (now or stale):
        _sign(session, config, head_seq, head_hash, last_seq)


def _sign(session: Session, config: AuditConfig, seq: int, hash_: str,
          prev_seq: int) -> tuple[int, Any]:
    signed = chain.sign_checkpoint(config.secret_key, seq=seq, hash_=hash_, prev_seq=prev_seq,
                                   at=utcnow())
    session.add(AuditCheckpoint(seq=signed.seq, hash=signed.hash, at=signed.at,
                                signature=signed.signature, prev_seq=signed.prev_seq))
    session.flush()
    return signed.seq, signed.at


def latest_checkpoint(session: Session) -> chain.Checkpoint | None:
    """The newest stored checkpoint, as the chain module reads it."""
    row = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))
    if row is None:
        return None
    return chain.Checkpoint(seq=row.seq, hash=row.hash, prev_seq=row.prev_seq, at=row.at,
                            signature=row.signature)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    append_pending(session)
    session.flush()


_ENSURE_PARTITIONS = text(
    "SELECT audit_event_ensure_partitions(CAST(now() AS date), "
    "CAST(now() + make_interval(months => :ahead) AS date))")
PARTITION_MONTHS_AHEAD = 3


def ensure_partitions(factory: Any, *, months_ahead: int = PARTITION_MONTHS_AHEAD) -> int:
    """PostgreSQL: create the audit trail's monthly partitions from this month to
    `months_ahead` months ahead that do not exist yet; return how many were created."""
    with factory() as session:
        made = int(session.execute(_ENSURE_PARTITIONS, {"ahead": months_ahead}).scalar_one())
        session.commit()
    if made:
        log.info("created %d monthly audit partitions ahead", made)
    return made


class Sealer:
    """A daemon thread sealing PostgreSQL audit events about once a second, and creating the
    audit trail's monthly partitions ahead about once an hour (with those of any other
    partitioned table whose `ensure(factory)` is passed in `more_partitions`)."""

    def __init__(self, factory: Any, interval: float = 1.0, partitions_every: float = 3600.0,
                 more_partitions: Sequence[Callable[[Any], int]] = ()) -> None:
        self.factory = factory
        self.more_partitions = tuple(more_partitions)
        self.interval = interval
        self.partitions_every = partitions_every
        self._partitions_at = float("-inf")
        self.runs = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        """Begin sealing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if time.monotonic() - self._partitions_at >= self.partitions_every:
                    ensure_partitions(self.factory)
                    for ensure in self.more_partitions:
                        ensure(self.factory)
                    self._partitions_at = time.monotonic()
                seal_all(self.factory)
                self.runs += 1
            except Exception:  # keep sealing: the next round retries
                self.failures += 1
                log.exception("audit sealing failed; will retry")


def seal_all(factory: Any) -> int:
    """Seal rounds until nothing sealable is left; return the number sealed."""
    total = 0
    while True:
        with factory() as session:
            count = seal(session)
            session.commit()
        total += count
        if count < 20_000:
            return total
