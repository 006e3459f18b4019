"""The data steward's review of civil registry events on PostgreSQL: how long the event page's
work takes (the event's sealed record opened, the registry's candidates read by birth day and
name, compared field by field, every person shown audited, committed), beside the queue's.

    .venv/bin/python bench/crvs/review.py                                  # 100,000 persons
    .venv/bin/python bench/crvs/review.py --persons 1000000 --events 200   # the target size

A fresh database built by the migrations, `--persons` people loaded through the bulk path, and
`--events` births whose mother's surname the civil registry misspelt (each goes to review:
the registry's linkage finds nobody, the review finds her). Then, in process, on one session
per call as a page's request has:

* ceiling: the queue (`review_queue`, the list page's work: up to 200 events, no person read);
* review: one event's page (`review_event`) for each event in turn.

Calls per second and p50/p95 per call; the review's figures beside the ceiling as a ratio, and
how often a misspelt mother was the first candidate. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.crvs import run as crvs_bench  # noqa: E402
from redangel.auth.principal import Principal  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from redangel.crvs import service, simulator  # noqa: E402
from redangel.db import utcnow  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402

DB_NAME = "redangel_crvs_review_bench"
STEWARD = Principal(kind="staff", id="bench-steward", role="steward")


def fresh_database() -> str:
    with psycopg.connect(crvs_bench.PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return crvs_bench.PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def timed(sessions: Any, calls: list[Callable[[Any], Any]]) -> dict[str, float]:
    """Each call on its own session, committed (its audit rows too); rate and latencies."""
    took = []
    started = time.perf_counter()
    for call in calls:
        began = time.perf_counter()
        with sessions() as session:
            call(session)
            session.commit()
        took.append((time.perf_counter() - began) * 1000)
    elapsed = time.perf_counter() - started
    took.sort()
    return {"rate": len(calls) / elapsed, "p50": statistics.median(took),
            "p95": took[max(0, int(len(took) * 0.95) - 1)]}


def show(name: str, figures: dict[str, float], ceiling: dict[str, float] | None) -> None:
    ratio = f"  ratio {figures['rate'] / ceiling['rate']:.2f} of the ceiling" if ceiling else ""
    print(f"{name:<8} {figures['rate']:8.1f} calls/s  p50 {figures['p50']:7.1f} ms  "
          f"p95 {figures['p95']:7.1f} ms{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args()
    url = fresh_database()
    registry, mothers, _ = crvs_bench.load(url, args.persons, args.events)
    ctx = context()
    keyring, catalog = ctx.keyring(), load_catalog(ctx.settings.catalog_path)
    today = city_today()
    with ctx.sessions() as session:
        for mother in mothers:
            now = utcnow()
            birth = simulator.births_for_review(
                named=(mother.given_names, mother.first_surname, mother.second_surname,
                       mother.birth_date), today=today, at=now)[0]
            answer = service.receive(session, keyring=keyring, catalog=catalog,
                                     raw=registry.envelope([birth], at=now), now=now)
            assert answer.status == 200, answer.body
        session.commit()
    with ctx.sessions() as session:
        queue = service.review_queue(session, principal=STEWARD, limit=1000)
    print(f"events to review: {len(queue)}", flush=True)
    ceiling = timed(ctx.sessions, [lambda s: service.review_queue(s, principal=STEWARD)
                                   for _ in queue])
    show("ceiling", ceiling, None)
    firsts: list[bool] = []
    mother_ids = {m.id for m in mothers}

    def page(event_id: Any) -> Callable[[Any], Any]:
        def call(session: Any) -> None:
            found = service.review_event(session, keyring=keyring, principal=STEWARD,
                                         event_id=event_id)
            firsts.append(bool(found.candidates) and found.candidates[0].person_id in mother_ids)
        return call

    show("review", timed(ctx.sessions, [page(item.id) for item in queue]), ceiling)
    print(f"a misspelt mother was the first candidate on {sum(firsts)} of {len(firsts)} pages",
          flush=True)


if __name__ == "__main__":
    main()
