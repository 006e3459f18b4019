"""Analytics benchmark: the refresh job and the console's pages, each beside a ceiling measured in
the same run on the same database.

    .venv/bin/python bench/analytics/run.py --persons 20000 --backends postgresql,sqlite

For each backend: a fresh database built by the migrations, `--persons` people in households
with their program history (the demo's generator, bulk path), the catalog synced; then

- the full refresh and an incremental one (`analytics.service.refresh`, as the command runs
  it), beside a bare `SELECT count(*)` over person, enrollment, application and delivery;
- a real server (`uvicorn`, 1 worker, on a port of 18600-18699) and each view of the console
  as the analyst opens it (median and worst of `--requests` in a row), beside `/readyz`.

Prints the figures and their ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.support import serve  # noqa: E402
from redangel.analytics import service as analytics  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402
from redangel.program.service import sync_catalog  # noqa: E402

PG_ADMIN = os.environ.get("REDANGEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("REDANGEL_BENCH_DB", "redangel_bench_analytics")
PORT = int(os.environ.get("REDANGEL_BENCH_PORT", "18610"))
VIEWS = ("coverage", "centre", "decisions", "deliveries", "quality")
COUNTED = ("person", "enrollment", "application", "delivery")
REFRESH_TARGET = 120  # seconds, the whole refresh at 1,000,000 persons (issue 17)
PAGE_TARGET_MS = 1000  # every page at 1,000,000 persons


def database(backend: str, workdir: Path, reuse: bool) -> str:
    if backend == "sqlite":
        if not reuse:
            for leftover in workdir.glob("bench.db*"):
                leftover.unlink()
        return f"sqlite:///{workdir / 'bench.db'}"
    if not reuse:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def load(url: str, workdir: Path, persons: int) -> str:
    settings = Settings(environment="development", database_url=url, data_dir=workdir)  # type: ignore[arg-type]
    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    upgrade(settings)
    get_settings.cache_clear()
    ctx = context()
    catalog = load_catalog(ctx.settings.catalog_path)
    with ctx.sessions() as session:
        sync_catalog(session, catalog)
        offices = demo.ensure_offices(session)
        demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=2026,
                                   offices=offices, catalog=catalog, batch=50_000)
    ctx.engine.dispose()
    return f"{written:,} persons with their history in {time.perf_counter() - started:.1f} s"


def top_up_enrollments(url: str, total: int) -> str:
    """Past (exited) enrollments COPY'd in until the registry holds `total` enrollments: the
    issue's 2,000,000 at 1,000,000 persons, where the demo's generator writes about 0.9 per
    person. Each is a finished spell in a random program, so no live enrollment is duplicated."""
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    rng = random.Random(2026)
    today = city_today()
    with psycopg.connect(plain) as conn:
        have = conn.execute("SELECT count(*) FROM enrollment").fetchone()[0]  # type: ignore[index]
        missing = total - have
        if missing <= 0:
            return f"{have:,} enrollments already"
        ids = [row[0] for row in conn.execute("SELECT id FROM person ORDER BY id")]
        codes = [row[0] for row in conn.execute("SELECT code FROM program ORDER BY code")]
        with conn.cursor().copy(
            "COPY enrollment (id, version, person_id, program_code, status, started_on, "
            "ended_on, exit_reason, change_seq) FROM STDIN"
        ) as copy:
            for n in range(missing):
                started = today - timedelta(days=rng.randrange(400, 3000))
                ended = started + timedelta(days=rng.randrange(30, 360))
                copy.write(f"{uuid.uuid4()}\t1\t{ids[n % len(ids)]}\t{rng.choice(codes)}\t"
                           f"exited\t{started.isoformat()}\t{ended.isoformat()}\t"
                           f"end_of_term\t0\n")
        conn.commit()
    return f"{missing:,} past enrollments added: {total:,} in all"


def refresh_figures() -> None:
    ctx = context()
    catalog = load_catalog(ctx.settings.catalog_path)
    keyring = ctx.keyring()
    with ctx.sessions() as session:
        counts = {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in COUNTED}
        session.rollback()
    started = time.perf_counter()
    with ctx.sessions() as session:
        for table in COUNTED:
            session.scalar(text(f"SELECT count(*) FROM {table}"))
        session.rollback()
    ceiling = time.perf_counter() - started
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    for full in (True, False):
        with ctx.sessions() as session:
            run = analytics.refresh(session, catalog=catalog, keyring=keyring, full=full)
            session.commit()
        print(f"refresh ({run.kind:11s}): {run.seconds:7.2f} s (target ≤ {REFRESH_TARGET} s at 1M)   "
              f"{run.cells:,} cells   ceiling: count(*) of the four tables {ceiling * 1000:7.1f} ms   "
              f"ratio {run.seconds / ceiling:8.1f}×", flush=True)
    ctx.engine.dispose()


def timed(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    client.get(path)  # warm-up
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
    return statistics.median(times), max(times)


def page_figures(url: str, workdir: Path, requests: int) -> None:
    server = serve(url, port=PORT, workers=1, data_dir=workdir)
    try:
        base = f"http://127.0.0.1:{PORT}"
        token = httpx.post(f"{base}/api/v1/auth/login", json={
            "username": "analyst", "password": demo.DEMO_PASSWORD}).json()["session_token"]
        with httpx.Client(base_url=base, cookies={"redangel_session": token}, timeout=60) as client:
            ceiling, _ = timed(client, "/readyz", requests)
            print(f"ceiling: /readyz p50 {ceiling:7.1f} ms", flush=True)
            for view in VIEWS:
                p50, worst = timed(client, f"/office/analytics/{view}", requests)
                print(f"page {view:10s}: p50 {p50:7.1f} ms  max {worst:7.1f} ms "
                      f"(target ≤ {PAGE_TARGET_MS} ms)   ratio to /readyz {p50 / ceiling:6.1f}×",
                      flush=True)
            p50, worst = timed(client, "/office/analytics/coverage/coverage_by_borough.csv", requests)
            print(f"CSV coverage     : p50 {p50:7.1f} ms  max {worst:7.1f} ms   "
                  f"ratio to /readyz {p50 / ceiling:6.1f}×", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--reuse", action="store_true", help="measure the previous run's database")
    parser.add_argument("--enrollments", type=int, default=0,
                        help="top the registry up to this many enrollments with past ones "
                             "(PostgreSQL; the issue's figure is 2,000,000 at 1,000,000 persons)")
    args = parser.parse_args()
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    for backend in args.backends.split(","):
        workdir = Path(tempfile.gettempdir()) / f"{BENCH_DB}-{backend}"
        workdir.mkdir(exist_ok=True)
        print(f"\n== {backend}: {args.persons:,} persons ==", flush=True)
        url = database(backend, workdir, args.reuse)
        os.environ["REDANGEL_DATABASE_URL"] = url
        os.environ["REDANGEL_DATA_DIR"] = str(workdir)
        get_settings.cache_clear()
        if not args.reuse:
            print(f"load: {load(url, workdir, args.persons)}", flush=True)
        if args.enrollments and backend == "postgresql":
            print(f"enrollments: {top_up_enrollments(url, args.enrollments)}", flush=True)
        get_settings.cache_clear()
        refresh_figures()
        page_figures(url, workdir, args.requests)


if __name__ == "__main__":
    main()
