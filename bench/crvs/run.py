"""Civil registry benchmark on PostgreSQL: births and deaths notified over the DCI `notify`,
end to end (verify the signature, match, register or cascade, evaluate, offer, commit).

    .venv/bin/python bench/crvs/run.py                                   # small: 20,000 persons
    .venv/bin/python bench/crvs/run.py --persons 1000000 --events 1000   # the target size

A fresh database (`REDANGEL_BENCH_DB`, default redangel_crvs_bench) built by the migrations;
the catalog loaded; `--persons` people in households through the bulk path (COPY); a registered
civil registry. Then a real server (`uvicorn`, `--workers`) on port 18300 (`REDANGEL_BENCH_PORT`)
and `--clients` concurrent senders, each posting one signed `notify`
per event, as a civil registry would:

* ceiling: a `notify` whose one event was already notified (new `message_id`, same
  `reference_id`): the door's fixed work (parse, header, sender, signature, replay check, the
  message row, commit) with no event run; every figure is printed beside it as a ratio;
* births: each a newborn of a different registered mother (child registered, joins her
  household, "birth of a child" evaluated, offers written);
* deaths: each a different registered adult enrolled in a program and holding an active card
  (the population carries the demo's program history: enrollments, applications, deliveries,
  cards): deceased, enrollments ended, open applications closed, card revoked, household
  re-headed, survivors evaluated and offered.

Events per second and p50/p95 latency per event (one event per request), and the CPU each
event cost: the server's workers (`server`) and the database's backends serving them (`db`),
in milliseconds per event, read from /proc before and after each run (on a shared machine
the steadier figure). With `--batch N`,
the same again for births and deaths sent N to a `notify` (the standard's message carries a
list of events; each still runs in its own savepoint), latency per message: a second figure,
never the headline. Prints figures; asserts nothing (not a test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.support import serve  # noqa: E402
from redangel.auth.principal import SYSTEM  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.crvs import service, simulator  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402
from redangel.program.service import sync_catalog  # noqa: E402

PG_ADMIN = os.environ.get("REDANGEL_TEST_POSTGRES_URL",
                          "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("REDANGEL_BENCH_DB", "redangel_crvs_bench")
SEED = 2026
PORT = int(os.environ.get("REDANGEL_BENCH_PORT", "18300"))


def fresh_database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def load(url: str, persons: int, events: int) -> tuple[simulator.CivilRegistry, Any, Any]:
    """Migrate, load the catalog and the persons with their program history, register the
    civil registry; the subjects."""
    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    os.environ["REDANGEL_DATABASE_URL"] = url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    get_settings.cache_clear()
    settings = Settings(environment="development", database_url=url)
    upgrade(settings)
    ctx = context()
    catalog = load_catalog(settings.catalog_path)
    with ctx.sessions() as session:
        sync_catalog(session, catalog)
        offices = demo.ensure_offices(session)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=SEED,
                                   offices=offices, batch=50_000, catalog=catalog)
    print(f"persons: {written:,} in {time.perf_counter() - started:.1f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("person", "household_membership"):
            conn.execute(f"VACUUM ANALYZE {table}")
    registry = simulator.CivilRegistry(sender_id="registro-civil-bench", key=simulator.new_key())
    with ctx.sessions() as session:
        service.add_source(session, principal=SYSTEM, sender_id=registry.sender_id, name="bench",
                           public_key=simulator.public_text(registry.key), receiver_id="redangel")
        mothers, deceased = service.simulation_subjects(session, keyring=keyring, mothers=events,
                                                        deceased=events, covered=True)
        session.commit()
    ctx.engine.dispose()
    print(f"subjects: {len(mothers)} mothers, {len(deceased)} adults", flush=True)
    return registry, mothers, deceased


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """A process's user and system CPU time so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu(url: str, server: int) -> tuple[float, float]:
    """CPU seconds so far of the server's workers and of the database's backends."""
    with psycopg.connect(url, autocommit=True) as conn:
        backends = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()]
    return (sum(_cpu_seconds(p) for p in [server, *_children(server)]),
            sum(_cpu_seconds(p) for p in backends))


def drive(base: str, registry: simulator.CivilRegistry, bodies: list[dict[str, Any]],
          clients: int, meter: Any = None) -> dict[str, float]:
    """Post the bodies from `clients` threads; events/s, per-request latency and, with a
    `meter` (CPU seconds of the server and the database so far), CPU ms per request."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                started = time.perf_counter()
                answer = registry.send(client, body)
                took = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(took)
                    if answer.status_code != 200:
                        failures[0] += 1

    before = meter() if meter else (0.0, 0.0)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    after = meter() if meter else (0.0, 0.0)
    latencies.sort()
    return {"rate": len(bodies) / elapsed, "p50": statistics.median(latencies),
            "p95": latencies[int(len(latencies) * 0.95) - 1], "errors": failures[0],
            "server": (after[0] - before[0]) * 1000 / len(bodies),
            "db": (after[1] - before[1]) * 1000 / len(bodies)}


def show(name: str, figures: dict[str, float], ceiling: dict[str, float] | None) -> None:
    ratio = f"  ratio {figures['rate'] / ceiling['rate']:.2f} of the ceiling" if ceiling else ""
    print(f"{name:<12} {figures['rate']:8.1f} events/s  p50 {figures['p50']:7.1f} ms  "
          f"p95 {figures['p95']:7.1f} ms  errors {figures['errors']:.0f}  cpu/event server "
          f"{figures['server']:5.1f} ms db {figures['db']:4.1f} ms{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200, help="births, and as many deaths")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1,
                        help="also send births and deaths this many to a notify")
    args = parser.parse_args()
    url = fresh_database()
    batched = args.batch > 1
    registry, mothers, deceased = load(url, args.persons, args.events * (2 if batched else 1))
    server = serve(url, port=PORT, workers=args.workers)
    base = f"http://127.0.0.1:{PORT}"

    def meter() -> tuple[float, float]:
        return cpu(url, server.pid)

    today = city_today()
    try:
        at = datetime.now(UTC)
        warm = registry.envelope([simulator.death(reference_id="warm-up", curp=deceased[-1].curp,
                                                  died_on=today - timedelta(days=1), at=at)])
        with httpx.Client(base_url=base, timeout=120) as client:
            assert registry.send(client, warm).status_code == 200
        replay = warm["message"]["notify_event"]
        ceiling = drive(base, registry, [registry.envelope(replay) for _ in range(args.events)],
                        args.clients, meter)
        show("ceiling", ceiling, None)
        known = [simulator.Known(m.curp, m.birth_date) for m in mothers]
        born = simulator.births_for(known, today=today, at=at)  # distinct CURPs across all
        died = [simulator.death(reference_id=str(uuid.uuid4()), curp=d.curp,
                                died_on=today - timedelta(days=2), at=at) for d in deceased[:-1]]
        n = args.events
        show("births", drive(base, registry, [registry.envelope([e]) for e in born[:n]],
                             args.clients, meter), ceiling)
        show("deaths", drive(base, registry, [registry.envelope([e]) for e in died[:n]],
                             args.clients, meter), ceiling)
        if batched:
            for name, events in (("births", born[n:]), ("deaths", died[n:])):
                groups = [registry.envelope(events[i:i + args.batch])
                          for i in range(0, len(events), args.batch)]
                figures = drive(base, registry, groups, args.clients, meter)
                figures["rate"] *= len(events) / len(groups)  # events, not messages, per second
                show(f"{name} x{args.batch}", figures, ceiling)
        with psycopg.connect(url) as conn:
            states = conn.execute("SELECT kind, state, count(*) FROM crvs_event "
                                  "GROUP BY kind, state ORDER BY 1, 2").fetchall()
            ended = conn.execute(
                "SELECT (SELECT count(*) FROM enrollment WHERE exit_reason = 'death'), "
                "(SELECT count(*) FROM card WHERE status_reason = 'death')").fetchone()
        print("events: " + ", ".join(f"{k} {s} {n}" for k, s, n in states), flush=True)
        print(f"deaths ended {ended[0]} enrollments, revoked {ended[1]} cards", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
