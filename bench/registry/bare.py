"""The ceiling the registry benchmark measures redangel against: a bare FastAPI app.

    uvicorn bench.registry.bare:app --workers 2     (with BARE_DATABASE_URL set)

`GET /api/v1/persons/{id}` reads the person row by primary key and inserts one audit row in the
same transaction, committed durably (PostgreSQL's default synchronous commit) before the answer:
the least work a durable, audited read can do. No authentication, no sealing, no ORM — an async
psycopg connection pool (one connection per concurrent request, at most `BARE_POOL`) and a
hand-written JSON answer. Served by uvicorn exactly like redangel (same workers, same flags).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Response

URL = os.environ.get("BARE_DATABASE_URL", "postgresql://postgres:postgres@127.0.0.1/postgres")
POOL = int(os.environ.get("BARE_POOL", "10"))
READ = ("SELECT id, version, given_names, first_surname, second_surname, sex, birth_date, "
        "borough, postal_code, attributes, key_version, curp_sealed, contact_sealed "
        "FROM person WHERE id = %s")
AUDIT = ("INSERT INTO audit_event (at, actor_kind, actor_id, actor_role, office_id, agency_code, "
         "action, person_id, purpose, outcome, detail, digest, xid) VALUES (%s, 'staff', "
         "'bare', 'supervisor', NULL, NULL, 'person.read', %s, 'attention', 'ok', '{}', %s, "
         "pg_current_xact_id()::text::bigint)")


class Pool:
    """A fixed set of async connections handed out one request at a time."""

    def __init__(self) -> None:
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(POOL):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(URL))

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        conn = await self.idle.get()
        try:
            yield conn
        finally:
            self.idle.put_nowait(conn)


pool = Pool()


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await pool.open()
    yield


app = FastAPI(lifespan=lifespan)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | date):
        return str(value)
    if isinstance(value, bytes):
        return len(value)
    return value


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/persons/{person_id}")
async def read_person(person_id: uuid.UUID) -> Response:
    async with pool.connection() as conn:
        async with conn.transaction():
            cursor = await conn.execute(READ, (person_id,))
            row = await cursor.fetchone()
            if row is None:
                raise HTTPException(404)
            digest = hashlib.sha256(person_id.bytes).hexdigest()
            await conn.execute(AUDIT, (datetime.now(UTC), person_id, digest))
        names = [c.name for c in cursor.description or ()]
    body = json.dumps({n: _plain(v) for n, v in zip(names, row, strict=True)})
    return Response(body, media_type="application/json")
