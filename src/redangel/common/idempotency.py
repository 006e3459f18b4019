"""Idempotent creation: a retried POST with the same Idempotency-Key gets the first answer.

The key is claimed at the start of the request's transaction: a concurrent duplicate waits on
the row (PostgreSQL) or on the write lock (SQLite) and then either replays the stored answer
or, if the first is still undecided, answers 409. The same key with another body answers 422.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.auth.principal import Principal
from redangel.common.idempotency_models import IdempotencyRecord
from redangel.errors import Conflict, FieldError, InvalidInput

HEADER = "idempotency-key"
PENDING_STATUS = 0


def body_hash(payload: BaseModel) -> str:
    """A stable hash of a request body."""
    data = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


class Idempotency:
    """The Idempotency-Key handling of one creating request."""

    def __init__(
        self, *, request: Request, session: Session, principal: Principal, payload: BaseModel,
        key: str | None = None,
    ) -> None:
        """`key` replaces the Idempotency-Key header where the caller derives one (a page form)."""
        self.session = session
        self.principal = principal
        self.route = request.url.path[:120]
        self.key = key if key is not None else request.headers.get(HEADER)
        self.hash = body_hash(payload)
        if self.key is not None and not (1 <= len(self.key) <= 200 and self.key.isprintable()):
            raise InvalidInput(fields=[FieldError("Idempotency-Key", "field_too_long", {"max": 200})])

    def replay(self) -> JSONResponse | None:
        """The stored answer of an earlier request with this key, or None after claiming it."""
        if self.key is None:
            return None
        existing = self.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.principal == self.principal.key, IdempotencyRecord.key == self.key
            )
        )
        if existing is None:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        IdempotencyRecord(
                            principal=self.principal.key, key=self.key, route=self.route,
                            request_hash=self.hash, status_code=PENDING_STATUS, body=None,
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
        return JSONResponse(
            existing.body, status_code=existing.status_code, headers={"Idempotent-Replay": "true"}
        )

    def remember(self, status_code: int, body: Any) -> None:
        """Store the answer for later replays (same transaction as the creation)."""
        if self.key is None:
            return
        self.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.principal == self.principal.key, IdempotencyRecord.key == self.key
            )
            .values(status_code=status_code, body=jsonable_encoder(body))
        )
