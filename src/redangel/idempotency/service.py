"""Idempotent creation: a retried POST with the same Idempotency-Key gets the first answer.

The key is claimed at the start of the request's transaction: a concurrent duplicate waits on
the row (PostgreSQL) or on the write lock (SQLite) and then either replays the first answer
or, if the first is still undecided, answers 409. The same key with another body answers 422.

A record keeps only what a replay needs, never a person's data in clear: the status and the
created entity's kind and id. The route rebuilds its answer on replay by reading the entity
again through its normal read (same scope check, same audit), so another principal, or one
who lost sight of the person since, gets nothing more than a read would give. A route whose
answer cannot be rebuilt (one request creating several applications) keeps its body sealed by
the keyring instead. A creating route declares `idempotency.dependencies.Idempotent`, calls
`claim` with its body and `remember` with what it made; the dependency refuses a route that
claimed a key and forgot to remember. Records live `Settings.idempotency_hours`: each claim first deletes the
claiming principal's expired records (an index range, cheap), and `redangel idempotency purge`
deletes everyone's (run it from a timer).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import AppError, Conflict, FieldError, InvalidInput
from redangel.idempotency.models import IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
REPLAY_HEADER = "Idempotent-Replay"
PENDING_STATUS = 0
TABLE = "idempotency_record"


def body_hash(payload: BaseModel) -> str:
    """A stable hash of a request body."""
    data = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def purge(session: Session, *, older_than: datetime, principal: str | None = None) -> int:
    """Delete the records created before a moment (of one principal, or everyone's)."""
    statement = delete(IdempotencyRecord).where(IdempotencyRecord.created_at < older_than)
    if principal is not None:
        statement = statement.where(IdempotencyRecord.principal == principal)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Replay:
    """What the first request with this key answered: its status and what it created."""

    status_code: int
    entity_kind: str | None
    entity_id: str | None
    body: Any = None

    @property
    def entity_uuid(self) -> uuid.UUID:
        """The created entity's id, for routes whose entities are named by a UUID."""
        return uuid.UUID(str(self.entity_id))

    def mark(self, response: Response) -> Response:
        """The rebuilt answer, marked as a replay and with the first status."""
        response.status_code = self.status_code
        response.headers[REPLAY_HEADER] = "true"
        return response

    def sealed_answer(self) -> JSONResponse:
        """The first answer of a route that keeps its body sealed."""
        return JSONResponse(self.body, status_code=self.status_code,
                            headers={REPLAY_HEADER: "true"})


class Idempotency:
    """The Idempotency-Key handling of one creating request (routes declare `Idempotent`)."""

    def __init__(self, *, request: Request, session: Session, keyring: Keyring) -> None:
        """One per request; the key is claimed by `claim`, once the body is known."""
        self.request = request
        self.session = session
        self.keyring = keyring
        self.route = request.url.path[:120]
        self.lifetime = timedelta(hours=request.app.state.settings.idempotency_hours)
        self.key: str | None = None
        self.hash = ""
        self.claimed = False
        self.remembered = False
        self.replayed = False

    @property
    def principal(self) -> Principal:
        """Who is acting: set on the request by its authentication, before the route runs."""
        principal: Principal | None = getattr(self.request.state, "principal", None)
        if principal is None:
            raise RuntimeError("an idempotent route needs an authenticated principal")
        return principal

    def claim(self, payload: BaseModel, *, key: str | None = None) -> Replay | None:
        """What an earlier request with this key answered, or None after claiming the key.

        `key` replaces the Idempotency-Key header where the caller derives one (a page form)."""
        if self.claimed:
            raise RuntimeError("an idempotency key is claimed once per request")
        self.claimed = True
        self.key = key if key is not None else self.request.headers.get(HEADER)
        if self.key is not None and not (1 <= len(self.key) <= 200 and self.key.isprintable()):
            raise InvalidInput(fields=[FieldError("Idempotency-Key", "field_too_long", {"max": 200})])
        self.hash = body_hash(payload)
        replay = self._replay()
        self.replayed = replay is not None
        return replay

    def settled(self) -> None:
        """Refuse a route that claimed a key and returned without remembering its answer (the
        key would stay pending, answering 409 to every retry until purged)."""
        if self.key is not None and not (self.replayed or self.remembered):
            # A fault of the route, not of the client: logged, and answered as an internal
            # error through the app's handler (a bare exception here, after the route returned,
            # could reach the server before the answer did and cut the connection instead).
            log.error("%s claimed an idempotency key but did not remember its answer",
                      self.route)
            error = AppError("internal")
            error.status = 500
            raise error

    def _where(self) -> Any:
        return (IdempotencyRecord.principal == self.principal.key,
                IdempotencyRecord.key == self.key)

    def _row_id(self) -> str:
        return f"{self.principal.key}\n{self.key}"

    def _replay(self) -> Replay | None:
        if self.key is None:
            return None
        purge(self.session, older_than=utcnow() - self.lifetime, principal=self.principal.key)
        existing = self.session.scalar(select(IdempotencyRecord).where(*self._where()))
        if existing is None:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        IdempotencyRecord(
                            principal=self.principal.key, key=self.key, route=self.route,
                            request_hash=self.hash, status_code=PENDING_STATUS,
                        )
                    )
            except IntegrityError as exc:
                raise Conflict("idempotency_in_progress") from exc
            return None
        if existing.request_hash != self.hash or existing.route != self.route:
            raise InvalidInput("idempotency_mismatch", fields=[
                FieldError("Idempotency-Key", "field_invalid", {"detail": "used with another body"})
            ])
        if existing.status_code == PENDING_STATUS:
            raise Conflict("idempotency_in_progress")
        body = None
        if existing.sealed_body is not None:
            body = self.keyring.open_json(existing.sealed_body, table=TABLE,
                                          column="sealed_body", row_id=self._row_id())
        return Replay(existing.status_code, existing.entity_kind, existing.entity_id, body)

    def remember(self, status_code: int, *, entity: tuple[str, object] | None = None,
                 body: Any = None) -> None:
        """Record the answer for later replays (same transaction as the creation): the entity
        it created, or, where the route cannot rebuild its answer, the body sealed."""
        self.remembered = True
        if self.key is None:
            return
        sealed = None
        if body is not None:
            sealed = self.keyring.seal_json(jsonable_encoder(body), table=TABLE,
                                            column="sealed_body", row_id=self._row_id())
        kind, entity_id = entity if entity is not None else (None, None)
        self.session.execute(
            update(IdempotencyRecord).where(*self._where()).values(
                status_code=status_code, entity_kind=kind,
                entity_id=None if entity_id is None else str(entity_id), sealed_body=sealed,
            )
        )
