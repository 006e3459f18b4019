"""Rate limits hold across worker processes: `redangel serve --workers 4` counting in one Redis.

The sign-in window of N attempts per minute per address trips at the N+1-th attempt whichever
worker answers it, and the growing delay of one (account, address) pair is seen by every worker.
(With `REDANGEL_RATE_LIMIT_STORAGE=memory` the same test fails: each worker counts alone.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from redangel.config import Settings
from tests.conftest import fresh_database, make_settings, migrate
from tests.scale.conftest import Workers

PER_MINUTE = 8
FREE = 2


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A migrated PostgreSQL registry: the database several machines share."""
    folder = tmp_path_factory.mktemp("workers")
    with fresh_database("postgresql", folder, "workers") as url:
        settings = make_settings(url, folder)
        migrate(settings)
        yield settings


def attempt(url: str, username: str) -> int:
    """One sign-in with a wrong password, on a new connection (any worker may take it)."""
    with httpx.Client(base_url=url, timeout=30, headers={"connection": "close"}) as client:
        return client.post("/api/v1/auth/login",
                           json={"username": username, "password": "wrong-password"}).status_code


def spread(url: str, usernames: list[str]) -> list[int]:
    """The answers to attempts sent eight at a time, so that every worker takes some."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda name: attempt(url, name), usernames))


def in_one_window(run):  # type: ignore[no-untyped-def]
    """Run inside one fixed minute (the window), retrying once if the minute turned."""
    for _ in range(2):
        if time.time() % 60 > 45:
            time.sleep(61 - time.time() % 60)
        minute = int(time.time() // 60)
        result = run()
        if int(time.time() // 60) == minute:
            return result
    raise AssertionError("the attempts never fitted in one minute")


def serve(settings: Settings, storage: str) -> Workers:
    return Workers(settings, 4, {"REDANGEL_RATE_LIMIT_STORAGE": storage,
                                 "REDANGEL_RATE_LIMIT_LOGIN_PER_MINUTE": str(PER_MINUTE),
                                 "REDANGEL_LOGIN_FREE_ATTEMPTS": str(FREE)})


def test_four_workers_share_the_sign_in_limits(database: Settings, redis_url: str) -> None:
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    server = serve(database, redis_url)
    try:
        def run() -> tuple[list[int], list[int], list[int]]:
            # One account guessed from one address: free attempts, then a delay on every worker.
            guessed = [attempt(server.url, "guessed") for _ in range(FREE + 1)]
            others = spread(server.url, [f"user{i}" for i in range(PER_MINUTE - FREE - 1)])
            over = spread(server.url, [f"late{i}" for i in range(6)])
            return guessed, others, over
        guessed, others, over = in_one_window(run)
        assert guessed == [401] * FREE + [429]
        assert others == [401] * (PER_MINUTE - FREE - 1)
        assert over == [429] * 6, "the N+1-th attempt of the minute is refused by every worker"
        # Several workers counted: each keeps its own connection to the shared store.
        assert len(store.client_list()) >= 3
    finally:
        server.stop()
        store.close()

