"""Agency API benchmark on PostgreSQL: roll export, change-feed sync, filtered list, person 360.

    .venv/bin/python bench/agency/run.py --persons 50000          # small
    .venv/bin/python bench/agency/run.py --persons 1000000        # the target size

A fresh database built by the migrations; the catalog loaded; `--persons` people in households
through the bulk path (COPY); two enrollments per person bulk-inserted with COPY (85% active,
5% suspended, 10% exited, never two exclusive programs); `--changes` change-feed entries for
one agency inserted with COPY. Then a real server (`uvicorn`, `--workers`) and:

* export: `GET /agency/roll.ndjson` of the agency with the largest roll, rows/s, beside the
  same statement read raw (a server-side cursor, and `COPY ... TO STDOUT`) in the same run;
* sync: `GET /agency/changes?limit=1000` paged from 0 to the end, rows/s;
* filtered list: `GET /agency/enrollments?program&status&borough&limit=50` under wrk;
* person 360: `GET /persons/{id}/overview` as a clerk under wrk with 32 connections.

wrk reports p50/p90/p99, not p95: the p99 printed is an upper bound of the p95 asked for.
Prints figures; asserts nothing (not a test).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.support import serve, wrk_figures  # noqa: E402
from redangel.auth import service as auth  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402
from redangel.person import fields as allow  # noqa: E402
from redangel.program.repository import changes_after_statement, roll_statement  # noqa: E402
from redangel.program.service import sync_catalog  # noqa: E402

PG_ADMIN = os.environ.get("REDANGEL_TEST_POSTGRES_URL",
                          "postgresql://postgres@127.0.0.1:5432/postgres")
# Another name and port let two people benchmark on one machine at once.
DB_NAME = os.environ.get("REDANGEL_BENCH_DB", "redangel_agency_bench")
SEED = 2026
PORT = int(os.environ.get("REDANGEL_BENCH_PORT", "8766"))
WRK_SCRIPT = """
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do lines[#lines + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", lines[(i % #lines) + 1])
end
"""


def fresh_database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"


def load(url: str, persons: int, changes: int) -> tuple[str, str]:
    """Migrate, load catalog and persons, COPY enrollments and changes; returns the agency."""
    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    os.environ["REDANGEL_DATABASE_URL"] = url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    get_settings.cache_clear()
    settings = Settings(environment="development", database_url=url)
    upgrade(settings)
    catalog = load_catalog(settings.catalog_path)
    ctx = context()
    with ctx.sessions() as session:
        sync_catalog(session, catalog)
        offices = demo.ensure_offices(session)
        demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=SEED,
                                   offices=offices)
    print(f"persons: {written:,} in {time.perf_counter() - started:.1f} s", flush=True)
    ctx.engine.dispose()
    programs = {code: (p.agency, set(p.excludes)) for code, p in catalog.programs.items()}
    started = time.perf_counter()
    agency = copy_enrollments(url, programs)
    print(f"enrollments: COPY in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    copy_changes(url, agency, changes)
    print(f"changes: {changes:,} for {agency} in {time.perf_counter() - started:.1f} s",
          flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("enrollment", "change_entry", "person"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return agency, url


def copy_enrollments(url: str, programs: dict[str, tuple[str, set[str]]]) -> str:
    """Two enrollments per person, COPY'd in; returns the agency with the largest roll."""
    rng = random.Random(SEED)
    codes = sorted(programs)
    today = city_today()
    per_agency: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM person")]
        with conn.cursor().copy(
            "COPY enrollment (id, version, person_id, program_code, status, started_on, "
            "ended_on, exit_reason, change_seq) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for n, pid in enumerate(ids):
                first = rng.choice(codes)
                second = rng.choice(codes)
                while second == first or second in programs[first][1]:
                    second = rng.choice(codes)
                for code in (first, second):
                    roll = rng.random()
                    status = "active" if roll < 0.85 else "suspended" if roll < 0.90 else "exited"
                    started = today - timedelta(days=rng.randrange(1, 1100))
                    ended = (started + timedelta(days=rng.randrange(1, 200))).isoformat() \
                        if status == "exited" else "\\N"
                    reason = "end_of_term" if status == "exited" else "\\N"
                    buffer.write(f"{uuid.uuid4()}\t1\t{pid}\t{code}\t{status}\t"
                                 f"{started.isoformat()}\t{ended}\t{reason}\t0\n")
                    per_agency[programs[code][0]] = per_agency.get(programs[code][0], 0) + 1
                if n % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        conn.commit()
    return max(per_agency, key=lambda a: per_agency[a])


def copy_changes(url: str, agency: str, count: int) -> None:
    """`count` application changes for the agency's feed, numbered 1..count and spread evenly
    over the last twelve months (so on PostgreSQL the feed reads across twelve partitions)."""
    first = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / max(count, 1)
    with psycopg.connect(url) as conn:
        program = conn.execute("SELECT code FROM program WHERE agency_code = %s LIMIT 1",
                               (agency,)).fetchone()[0]  # type: ignore[index]
        people = [r[0] for r in conn.execute("SELECT id FROM person LIMIT 10000")]
        # The months a year of changes falls in, as the server's hourly job would have made them.
        conn.execute("SELECT change_entry_ensure_partitions(%s, now()::date)", (first.date(),))
        with conn.cursor().copy(
            "COPY change_entry (agency_code, seq, at, entity, entity_id, person_id, "
            "program_code, action, data) FROM STDIN"
        ) as copy:
            for seq in range(1, count + 1):
                pid = people[seq % len(people)]
                data = json.dumps({"folio": "RA-0000-0000-0", "person_id": str(pid),
                                   "program": program, "channel": "office",
                                   "status": "submitted", "submitted_at": "2026-11-22T10:00:00Z",
                                   "expected_decision_on": "2026-12-12",
                                   "decision_reason": None, "version": 1})
                at = (first + step * seq).isoformat()
                copy.write(f"{agency}\t{seq}\t{at}\tapplication\t{uuid.uuid4()}"
                           f"\t{pid}\t{program}\tsubmitted\t{data}\n")
        conn.execute("INSERT INTO change_head (agency_code, seq) VALUES (%s, %s) "
                     "ON CONFLICT (agency_code) DO UPDATE SET seq = EXCLUDED.seq",
                     (agency, count))
        conn.commit()


def wrk(token: str, paths: list[str], seconds: int, connections: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="redangel-wrk-"))
    (workdir / "requests.txt").write_text("\n".join(f"/api/v1{p}" for p in paths) + "\n")
    (workdir / "script.lua").write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
         str(workdir / "script.lua"), "-H", f"Authorization: Bearer {token}",
         f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, BENCH_REQUESTS=str(workdir / "requests.txt")),
    ).stdout
    return wrk_figures(out)


def raw_select(url: str, agency: str) -> tuple[int, float]:
    """The export's ceiling: the same statement's rows streamed by a server-side cursor, with
    nothing unsealed, serialised or audited."""
    stmt = roll_statement(agency, program=None, status=None,
                          columns=allow.person_columns(allow.allowed(agency)))
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    started, rows = time.perf_counter(), 0
    with psycopg.connect(url) as conn, conn.cursor(name="ceiling") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql)
        for _ in cursor:
            rows += 1
    return rows, time.perf_counter() - started


def raw_changes(url: str, agency: str) -> tuple[int, float]:
    """The sync's ceiling: the feed's own statement, paged by 1000 from 0 to the end straight
    from the database, with nothing serialised, audited or sent over HTTP."""
    stmt = changes_after_statement(agency, 0, 1000)
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    paged = sql.replace("seq > 0", "seq > %s")
    started, rows, cursor = time.perf_counter(), 0, 0
    with psycopg.connect(url) as conn:
        while True:
            page = conn.execute(paged, (cursor,)).fetchall()  # type: ignore[call-overload]
            if not page:
                break
            rows += len(page)
            cursor = page[-1][0]
    return rows, time.perf_counter() - started


def raw_copy_to(url: str, agency: str) -> tuple[int, float]:
    """The export's outer ceiling: the same statement's rows as `COPY (...) TO STDOUT` sends
    them, counted, with nothing unsealed, serialised or audited."""
    stmt = roll_statement(agency, program=None, status=None,
                          columns=allow.person_columns(allow.allowed(agency)))
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    started, rows = time.perf_counter(), 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor, \
            cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        for block in copy:
            rows += bytes(block).count(b"\n")
    return rows, time.perf_counter() - started


def agency_token(base: str, url: str, agency: str) -> str:
    os.environ["REDANGEL_DATABASE_URL"] = url  # also with --reuse, when nothing was loaded
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    get_settings.cache_clear()
    ctx = context()
    with ctx.sessions() as session:
        client, secret = auth.create_agency_client(session, agency_code=agency)
        session.commit()
    ctx.engine.dispose()
    answer = httpx.post(f"{base}/auth/token", data={
        "grant_type": "client_credentials", "client_id": client.client_id,
        "client_secret": secret})
    return str(answer.json()["access_token"])


def measure(url: str, agency: str, args: argparse.Namespace) -> None:
    base = f"http://127.0.0.1:{PORT}/api/v1"
    token = agency_token(base, url, agency)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        started, rows = time.perf_counter(), 0
        with client.stream("GET", "/agency/roll.ndjson") as answer:
            for line in answer.iter_lines():
                rows += bool(line)
        elapsed = time.perf_counter() - started
        raw_rows, raw_elapsed = raw_select(url, agency)
        copy_rows, copy_elapsed = raw_copy_to(url, agency)
        rate = rows / elapsed
        print(f"export    : {rows:,} rows in {elapsed:.2f} s = {rate:,.0f} rows/s "
              f"({agency}, NDJSON streamed)", flush=True)
        print(f"raw SELECT: {raw_rows:,} rows in {raw_elapsed:.2f} s = "
              f"{raw_rows / raw_elapsed:,.0f} rows/s (same statement, server-side cursor, "
              f"nothing unsealed) | export ratio {rate / (raw_rows / raw_elapsed):.2f}",
              flush=True)
        print(f"raw COPY  : {copy_rows:,} rows in {copy_elapsed:.2f} s = "
              f"{copy_rows / copy_elapsed:,.0f} rows/s (same statement, COPY TO STDOUT, "
              f"nothing unsealed) | export ratio {rate / (copy_rows / copy_elapsed):.2f}",
              flush=True)
        started, rows, cursor = time.perf_counter(), 0, "0"
        while True:
            body = client.get("/agency/changes", params={"cursor": cursor, "limit": 1000}).json()
            rows += len(body["changes"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        elapsed = time.perf_counter() - started
        raw_rows, raw_elapsed = raw_changes(url, agency)
        print(f"sync      : {rows:,} changes in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s "
              f"(pages of 1000)", flush=True)
        print(f"raw pages : {raw_rows:,} changes in {raw_elapsed:.2f} s = "
              f"{raw_rows / raw_elapsed:,.0f} rows/s (same statement, same pages, straight from "
              f"the database) | sync ratio {rows / elapsed / (raw_rows / raw_elapsed):.2f}",
              flush=True)
    with psycopg.connect(url) as conn:
        programs = [r[0] for r in conn.execute(
            "SELECT code FROM program WHERE agency_code = %s", (agency,))]
        boroughs = [r[0] for r in conn.execute("SELECT DISTINCT borough FROM person "
                                               "WHERE borough IS NOT NULL")]
        people = [str(r[0]) for r in conn.execute(
            "SELECT id FROM person WHERE borough = 'iztapalapa' LIMIT 5000")]
    rng = random.Random(7)
    lists = [f"/agency/enrollments?program={rng.choice(programs)}&status=active"
             f"&borough={rng.choice(boroughs)}&limit=50" for _ in range(2000)]
    wrk(token, lists, 2, args.list_connections)
    figures = wrk(token, lists, args.seconds, args.list_connections)
    print(f"list      : p50 {figures['p50']:.1f} ms  p90 {figures['p90']:.1f} ms  "
          f"p99 {figures['p99']:.1f} ms  {figures['rps']:.0f} req/s  non-2xx "
          f"{figures['errors']:.0f}  (wrk, {args.list_connections} connections)", flush=True)
    clerk = httpx.post(f"{base}/auth/login", json={"username": "clerk",
                                                    "password": demo.DEMO_PASSWORD}).json()
    overviews = [f"/persons/{pid}/overview" for pid in people]
    wrk(clerk["session_token"], overviews, 2, 32)
    figures = wrk(clerk["session_token"], overviews, args.seconds, 32)
    print(f"person 360: p50 {figures['p50']:.1f} ms  p90 {figures['p90']:.1f} ms  "
          f"p99 {figures['p99']:.1f} ms  {figures['rps']:.0f} req/s  non-2xx "
          f"{figures['errors']:.0f}  (wrk, 32 connections)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--list-connections", type=int, default=8)
    parser.add_argument("--reuse", default="", help="an agency code: skip loading, measure the "
                        "database the previous run left")
    args = parser.parse_args()
    print(f"== PostgreSQL: {args.persons:,} persons, {2 * args.persons:,} enrollments ==",
          flush=True)
    if args.reuse:
        agency, url = args.reuse, PG_ADMIN.rsplit("/", 1)[0] + f"/{DB_NAME}"
    else:
        agency, url = load(fresh_database(), args.persons, args.changes)
    server = serve(url, port=PORT, workers=args.workers)
    try:
        measure(url, agency, args)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
