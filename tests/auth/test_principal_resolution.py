"""Who is calling is asked of the database on every request, however it is asked.

On PostgreSQL, staff sessions and agency tokens are resolved on the event loop's own small
connection pool (no worker thread, no ORM); a change to a session or an account still counts
from the very next request, and a connection cut while it rested is replaced, not failed on.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest
from sqlalchemy import text, update

from redangel.auth import service
from redangel.auth.models import UserAccount, UserSession
from redangel.db import make_engine, on_loop_connection, open_async_pool, utcnow
from tests.conftest import LiveServer, login, unique_suffix


def _new_supervisor(sessions, world) -> str:  # type: ignore[no-untyped-def]
    username = f"sup-{unique_suffix()}"
    with sessions() as session:
        service.create_user(session, username=username, password=world.password,
                            role="analyst", display_name="Analista", office_id=None)
        session.commit()
    return username


def test_a_disabled_account_and_a_revoked_session_stop_at_once(live: LiveServer, world,  # type: ignore[no-untyped-def]
                                                                sessions) -> None:
    for change in ("account", "session"):
        username = _new_supervisor(sessions, world)
        client = login(live, username, world.password)
        assert client.get("/auth/me").status_code == 200
        with sessions() as session:
            if change == "account":
                session.execute(update(UserAccount).where(UserAccount.username == username)
                                .values(active=False))
            else:
                user = session.query(UserAccount).filter_by(username=username).one()
                session.execute(update(UserSession).where(UserSession.user_id == user.id)
                                .values(revoked_at=utcnow()))
            session.commit()
        answer = client.get("/auth/me")
        assert answer.status_code == 401, change
        assert answer.headers["content-type"].startswith("application/problem+json")
        client.close()


def test_callers_are_resolved_on_the_loops_own_connections(live: LiveServer, world,  # type: ignore[no-untyped-def]
                                                            backend: str) -> None:
    pool = live.app.state.loop_pool  # type: ignore[attr-defined]
    if backend == "sqlite":
        assert pool is None  # the request's own session answers on the embedded database
        return
    before = pool.get_stats().get("requests_num", 0)
    client = login(live, world.clerk, world.password)
    for _ in range(3):
        assert client.get("/auth/me").status_code == 200
    client.close()
    assert pool.get_stats()["requests_num"] - before >= 3


def _cut(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)


def test_a_pooled_connection_cut_while_resting_is_replaced(settings, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        pytest.skip("SQLite has no connection to cut: the file is opened by each request")
    plain = settings.effective_database_url.replace("postgresql+psycopg://", "postgresql://")
    for ping_after, survives in ((0.1, True), (3600.0, False)):
        engine = make_engine(settings.effective_database_url, pool_size=1, ping_after=ping_after)
        try:
            with engine.connect() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _cut(plain, pid)
            if survives:
                with engine.connect() as conn:
                    assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
            else:  # the guard: without the check, the cut connection is lent and fails
                with pytest.raises(Exception, match=r"terminat|closed|connection"), engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()


def test_the_loops_connection_cut_while_resting_is_replaced(settings, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        pytest.skip("SQLite has no connection pool on the event loop")
    plain = settings.effective_database_url.replace("postgresql+psycopg://", "postgresql://")
    engine = make_engine(settings.effective_database_url)

    async def backend_pid(conn: psycopg.AsyncConnection[object]) -> int:
        cursor = await conn.execute("SELECT pg_backend_pid()")
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])  # type: ignore[call-overload]

    async def scenario() -> tuple[int, int]:
        pool = await open_async_pool(engine, size=1, name="test")
        try:
            first = await on_loop_connection(pool, backend_pid)
            await asyncio.to_thread(_cut, plain, first)
            return first, await on_loop_connection(pool, backend_pid)
        finally:
            await pool.close()

    # On a thread of its own: the suite's browser tests may leave an event loop on this one.
    try:
        with ThreadPoolExecutor(1) as thread:
            first, second = thread.submit(asyncio.run, scenario()).result(timeout=60)
    finally:
        engine.dispose()
    assert second != first


def test_agency_tokens_resolve_the_same_on_both_paths(live: LiveServer, world, anon: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    token = anon.post("/auth/token", data={
        "grant_type": "client_credentials", "client_id": world.agency_client_id,
        "client_secret": world.agency_secret}).json()["access_token"]
    me = anon.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["kind"] == "agency"
