"""Registry benchmark: bulk load rate, then the request path under 32 concurrent HTTP clients,
each figure beside a ceiling measured in the same run on the same database.

    .venv/bin/python bench/registry/run.py --persons 1000000 --backends postgresql,sqlite
    .venv/bin/python bench/registry/run.py --persons 1000000 --backends postgresql --reuse

For each backend: a fresh database built by the migrations, `--persons` people in households
loaded through the bulk path (COPY on PostgreSQL), printed beside a raw COPY of the same rows
without sealing (the load's ceiling); two enrollments per person COPY'd in for the agency list
and person 360. The fake population is the benchmark's input, not the registry's work: it is
generated first, in memory (timed and printed on its own line, about 2.6 kB a person), and both
the load and the raw COPY are timed over those same households, so neither figure is capped by
the generator. The load's line also gives the CPU seconds per 100,000 persons of the loading
process and its producer child (a measure that holds when other work shares the machine).
Then on PostgreSQL the bare app (`bench/registry/bare.py`: an async psycopg pool reading the
person row by primary key and committing one audit row per read, served by uvicorn like
redangel) and a real redangel server (uvicorn, `--workers`), both driven by wrk
with 32 connections: read-by-id, CURP search, name search (given name + surname), person 360 and
the agency filtered list, each with its ratio to the bare app, and the SQL statements one request
of each runs (counted in process). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[2]
# REDANGEL_BENCH_SERVER_SRC: measure another checkout's code (the "before" column) — its server
# and its statement counts — with this benchmark.
CODE = Path(os.environ.get("REDANGEL_BENCH_SERVER_SRC") or ROOT)
sys.path.insert(0, str(CODE / "src"))
sys.path.insert(0, str(ROOT))

from bench.agency.run import copy_enrollments  # noqa: E402
from bench.support import free_port, serve, wrk_figures  # noqa: E402
from redangel.auth import service as auth  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.demo.generate import DemoHousehold, PopulationGenerator  # noqa: E402
from redangel.eligibility import load_catalog  # noqa: E402
from redangel.main import create_app  # noqa: E402
from redangel.program.service import sync_catalog  # noqa: E402

PG_ADMIN = os.environ.get("REDANGEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED = 2026
# Another name (and its own SQLite folder) lets two people benchmark on one machine at once.
BENCH_DB = os.environ.get("REDANGEL_BENCH_DB", "redangel_bench")


def fresh_database(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def population(persons: int) -> list[DemoHousehold]:
    """The benchmark's input: the generated households, in memory, before anything is timed."""
    return list(PopulationGenerator(SEED).persons(persons))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the load's producer)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load(settings: Settings, households: list[DemoHousehold]) -> tuple[float, str]:

    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    upgrade(settings)
    os.environ["REDANGEL_DATABASE_URL"] = settings.database_url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets

    get_settings.cache_clear()
    ctx = context()
    with ctx.sessions() as session:
        sync_catalog(session, load_catalog(settings.catalog_path))
        offices = demo.ensure_offices(session)
        demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    persons = sum(len(household.members) for household in households)
    cpu, started = _cpu_seconds(), time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=SEED,
                                   offices=offices, households=households)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    ctx.engine.dispose()
    return written / elapsed, (f"{written:,} persons in {elapsed:.1f} s, "
                               f"{cpu * 100_000 / written:.1f} CPU s per 100k")


def raw_copy(url: str, households: list[DemoHousehold]) -> tuple[float, str]:
    """The load's ceiling: the same generated rows COPY'd into a table shaped like `person`
    (its indexes included) with no sealing, no blind index and no name postings."""
    started = time.perf_counter()
    written = 0
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE person_ceiling (LIKE person INCLUDING DEFAULTS "
                     "INCLUDING INDEXES)")
        with conn.cursor().copy(
            "COPY person_ceiling (id, version, curp_index, curp_sealed, given_names, "
            "first_surname, second_surname, name_key, sex, birth_date, birth_state, borough, "
            "postal_code, contact_sealed, attributes, sensitive_sealed, key_version, "
            "confirmed_distinct, created_at, updated_at) FROM STDIN") as copy:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for household in households:
                for p in household.members:
                    curp = (p.curp or "").encode() or None
                    copy.write_row((p.id, 1, p.curp, curp, p.given_names, p.first_surname,
                                    p.second_surname, p.given_names, p.sex, p.birth_date,
                                    p.birth_state, household.borough, household.postal_code,
                                    json.dumps(household.street).encode(),
                                    json.dumps(p.attributes), json.dumps(p.sensitive).encode(),
                                    1, False, now, now))
                    written += 1
        conn.commit()
    elapsed = time.perf_counter() - started
    return written / elapsed, f"{written:,} rows in {elapsed:.1f} s"


def enroll(url: str) -> str:
    """Two enrollments per person (once per database); returns the agency with the largest roll."""
    catalog = load_catalog(Settings(environment="development", database_url=url).catalog_path)
    programs = {code: (p.agency, set(p.excludes)) for code, p in catalog.programs.items()}
    with psycopg.connect(url) as conn:
        counts = conn.execute(
            "SELECT p.agency_code, count(*) FROM enrollment e JOIN program p "
            "ON p.code = e.program_code GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    if counts is not None:
        return str(counts[0])
    started = time.perf_counter()
    os.environ["REDANGEL_DATABASE_URL"] = url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    get_settings.cache_clear()
    ctx = context()
    with ctx.sessions() as session:
        sync_catalog(session, catalog)
        session.commit()
    ctx.engine.dispose()
    agency = copy_enrollments(url, programs)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE enrollment")
    print(f"enrollments: COPY in {time.perf_counter() - started:.1f} s (not part of the load "
          "figure)", flush=True)
    return agency


def samples(url: str, count: int) -> list[tuple[str, str | None, str]]:
    """(id, curp, given name + first surname) of Iztapalapa residents, in a fixed random order
    (the CURP unsealed with the database's own keys)."""
    os.environ["REDANGEL_DATABASE_URL"] = url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    get_settings.cache_clear()
    ctx = context()
    keyring = ctx.keyring()
    with ctx.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, curp_sealed, given_names, first_surname FROM person "
            f"WHERE borough = 'iztapalapa' ORDER BY id LIMIT {int(count)}").all()
    ctx.engine.dispose()
    # SQLite hands the raw column back (32 hex digits): the sealed CURP is bound to the UUID.
    ids = [r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])) for r in rows]
    picked = [(str(pid), keyring.open(r[1], table="person", column="curp", row_id=pid).decode()
               if r[1] else None, f"{r[2]} {r[3]}") for pid, r in zip(ids, rows, strict=True)]
    random.Random(1).shuffle(picked)
    return picked


async def hammer(url: str, token: str, make_request, total: int, concurrency: int = 32):  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    queue = list(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                i = queue.pop()
                method, path, body = make_request(i)
                started = time.perf_counter()
                try:
                    answer = await client.request(method, path, json=body)
                    kind = str(answer.status_code)
                except httpx.HTTPError as exc:  # a dropped connection is an error, not the end
                    kind = type(exc).__name__
                latencies.append((time.perf_counter() - started) * 1000)
                if kind != "200":
                    errors += 1
                    kinds[kind] = kinds.get(kind, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    if kinds:
        print(f"  failures: {kinds}", flush=True)
    return {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "rps": total / wall,
            "errors": errors, "mean": statistics.fmean(latencies)}


WRK_SCRIPT = """
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do lines[#lines + 1] = line end
local i = 0
request = function()
  i = i + 1
  local method, path, body = lines[(i % #lines) + 1]:match("^(%S+) (%S+) ?(.*)$")
  if body ~= "" then
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["Content-Type"] = "application/json"
    return wrk.format(method, path, headers, body)
  end
  return wrk.format(method, path)
end
"""


def wrk(url: str, token: str, make_request, total: int, seconds: int, concurrency: int = 32):  # type: ignore[no-untyped-def]
    """Drive the server with wrk (C, so the load generator takes little of the 2 cores)."""
    workdir = Path(tempfile.mkdtemp(prefix="redangel-wrk-"))
    lines = []
    for i in range(total):
        method, path, body = make_request(i)
        lines.append(f"{method} /api/v1{path} {json.dumps(body) if body else ''}".rstrip())
    (workdir / "requests.txt").write_text("\n".join(lines) + "\n")
    (workdir / "script.lua").write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s",
         str(workdir / "script.lua"), "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, BENCH_REQUESTS=str(workdir / "requests.txt")),
    ).stdout
    return wrk_figures(out)


def serve_bare(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """The bare app on the same database, served by uvicorn with redangel's flags."""
    env = dict(os.environ, BARE_DATABASE_URL=url.replace("postgresql+psycopg", "postgresql"),
               PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.registry.bare:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--timeout-worker-healthcheck", "120", "--no-access-log"], env=env, cwd=str(ROOT))
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the bare app did not start")


def agency_token(base: str, url: str, agency: str) -> str:
    """A token of a new client of the agency (created directly in the database)."""
    os.environ["REDANGEL_DATABASE_URL"] = url
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


# What the audit sealer's background thread runs: not part of any request.
SEALER_STATEMENTS = ("audit_head", "audit_seal", "audit_checkpoint", "pg_snapshot_xmin",
                     "audit_event.digest")
Make = Callable[[int], tuple[str, str, dict[str, object] | None]]


def scenarios(url: str, requests: int, agency: str | None
              ) -> dict[str, tuple[str, Make]]:
    """name → (who asks, request maker), the same requests for every server."""
    picked = samples(url, requests)
    with_curp = [p for p in picked if p[1]]
    plan: dict[str, tuple[str, Make]] = {
        "read-by-id": ("supervisor", lambda i: ("GET", f"/persons/{picked[i % len(picked)][0]}",
                                                None)),
        "CURP search": ("supervisor", lambda i: (
            "POST", "/persons/search", {"curp": with_curp[i % len(with_curp)][1]})),
        "name search": ("supervisor", lambda i: (
            "POST", "/persons/search", {"name": picked[i % len(picked)][2], "limit": 20})),
        "person 360": ("clerk", lambda i: ("GET", f"/persons/{picked[i % len(picked)][0]}"
                                                  "/overview", None)),
    }
    if agency is not None:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            codes = [r[0] for r in conn.execute(
                "SELECT code FROM program WHERE agency_code = %s ORDER BY code", (agency,))]
            boroughs = [r[0] for r in conn.execute(
                "SELECT DISTINCT borough FROM person WHERE borough IS NOT NULL ORDER BY 1")]
        rng = random.Random(7)
        lists = [f"/agency/enrollments?program={rng.choice(codes)}&status=active"
                 f"&borough={rng.choice(boroughs)}&limit=50" for _ in range(2000)]
        plan["agency list"] = ("agency", lambda i: ("GET", lists[i % len(lists)], None))
    return plan


def statements(url: str, workdir: Path, tokens: dict[str, str],
               plan: dict[str, tuple[str, Make]]) -> dict[str, int]:
    """SQL statements one request of each scenario runs (in process, on the same database)."""
    settings = Settings(environment="development", database_url=url, data_dir=workdir)
    app = create_app(settings)
    counted: list[str] = []

    def count(*args: object) -> None:
        text = str(args[2])
        if not any(mark in text for mark in SEALER_STATEMENTS):
            counted.append(text[:60])

    event.listen(app.state.engine, "before_cursor_execute", count)
    # The statements run on the event loop's own connections (callers, hot reads) bypass the
    # engine: counted at psycopg's async cursor.
    loop_execute = psycopg.AsyncCursor.execute

    async def counted_execute(self, query, params=None, **kwargs):  # type: ignore[no-untyped-def]
        count(None, None, query)
        return await loop_execute(self, query, params, **kwargs)

    psycopg.AsyncCursor.execute = counted_execute  # type: ignore[method-assign]
    out: dict[str, int] = {}
    with TestClient(app, base_url="http://testserver") as local:
        for name, (who, make) in plan.items():
            method, path, body = make(1)
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            local.request(method, f"/api/v1{path}", json=body, headers=headers)  # warm caches
            counted.clear()
            method, path, body = make(2)
            local.request(method, f"/api/v1{path}", json=body, headers=headers)
            out[name] = len(counted)
            if os.environ.get("BENCH_SHOW_STATEMENTS"):
                print(name, *counted, sep="\n    ")
    psycopg.AsyncCursor.execute = loop_execute  # type: ignore[method-assign]
    app.state.engine.dispose()
    return out


def drive(port: int, token: str, make: Make, requests: int, seconds: int) -> dict[str, float]:
    """wrk (or, without it, the asyncio load generator) against one scenario, after a warm-up."""
    if shutil.which("wrk") is not None:
        wrk(f"http://127.0.0.1:{port}", token, make, 500, 2)  # warm-up
        measured: dict[str, float] = wrk(f"http://127.0.0.1:{port}", token, make, requests, seconds)
        return measured
    base = f"http://127.0.0.1:{port}/api/v1"
    asyncio.run(hammer(base, token, make, 200))  # warm-up
    figures: dict[str, float] = asyncio.run(hammer(base, token, make, requests))
    return figures


def line(name: str, figures: dict[str, float], ceiling: dict[str, float] | None,
         count: int | None) -> str:
    """One figure row, with its ratio to the bare app when there is one."""
    text = (f"{name:12s}: {figures['rps']:7.0f} req/s  p50 {figures['p50']:6.1f} ms  "
            f"p99 {figures['p99']:7.1f} ms  non-2xx {figures['errors']:.0f}")
    if ceiling is not None:
        text += (f"  | of bare: rps {figures['rps'] / ceiling['rps']:.2f}"
                 f"  p99 {figures['p99'] / ceiling['p99']:.1f}x")
    if count is not None:
        text += f"  | {count} statements"
    return text


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    persons = args.persons
    workdir = Path(tempfile.gettempdir()) / f"{BENCH_DB}-{backend}"
    workdir.mkdir(exist_ok=True)
    print(f"\n== {backend}: {persons:,} persons ==", flush=True)
    if args.reuse:
        url = (f"sqlite:///{workdir / 'bench.db'}" if backend == "sqlite"
               else PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}")
        print("load: skipped (--reuse: the database of the previous run)", flush=True)
    else:
        if backend == "sqlite":
            for leftover in workdir.glob("bench.db*"):
                leftover.unlink()
        url = fresh_database(backend, workdir)
        settings = Settings(environment="development", database_url=url, data_dir=workdir)
        started = time.perf_counter()
        households = population(persons)
        print(f"generator : {persons / (time.perf_counter() - started):9,.0f} persons/s "
              "(the fake population, made in memory before the figures below, outside them)",
              flush=True)
        rate, detail = load(settings, households)
        print(f"load      : {rate:9,.0f} persons/s ({detail}; sealed, name index, indexes)",
              flush=True)
        if backend == "postgresql":
            ceiling, detail = raw_copy(url, households)
            print(f"raw COPY  : {ceiling:9,.0f} rows/s ({detail}; the same rows COPY'd, no "
                  f"sealing, no name index) | load ratio {rate / ceiling:.2f}", flush=True)
        del households
    if args.load_only:
        return {}
    agency = enroll(url) if backend == "postgresql" else None
    port = args.port or free_port()
    results: dict[str, dict[str, float]] = {}
    plan = scenarios(url, args.requests, agency)
    plan = {name: (who, make) for name, (who, make) in plan.items()
            if not args.only or name in args.only.split(",")}
    bare = None
    if backend == "postgresql" and "read-by-id" in plan:
        server = serve_bare(url, port, args.workers)
        try:
            bare = drive(port, "none", plan["read-by-id"][1], args.requests, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(line("bare app", bare, None, 2), flush=True)
        results["bare app"] = bare
    server = serve(url, port=port, workers=args.workers, data_dir=workdir)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        tokens = {who: httpx.post(f"{base}/auth/login", json={
            "username": who, "password": demo.DEMO_PASSWORD}).json()["session_token"]
            for who in ("supervisor", "clerk")}
        if agency is not None:
            tokens["agency"] = agency_token(base, url, agency)
        counts = statements(url, workdir, tokens, plan)
        for name, (who, make) in plan.items():
            figures = drive(port, tokens[who], make, args.requests, args.seconds)
            print(line(name, figures, bare, counts.get(name)), flush=True)
            results[name] = figures
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    parser.add_argument("--port", type=int, default=0, help="the servers' port (default: any)")
    parser.add_argument("--only", default="", help="comma-separated scenarios to measure")
    parser.add_argument("--load-only", action="store_true", help="measure the load, no requests")
    parser.add_argument("--reuse", action="store_true",
                        help="skip loading; measure the database the previous run left")
    args = parser.parse_args()
    results = {backend: run_backend(backend, args) for backend in args.backends.split(",")}
    compare_embedded(results, args.persons)


def compare_embedded(results: dict[str, dict[str, dict[str, float]]], persons: int) -> None:
    """SQLite's figures beside PostgreSQL's read-by-id of the same run, with their ratio."""
    if "sqlite" not in results or "postgresql" not in results:
        return
    if "read-by-id" not in results["postgresql"]:
        return
    base = results["postgresql"]["read-by-id"]["rps"]
    print(f"\n== SQLite beside PostgreSQL's read-by-id ({base:,.0f} req/s), {persons:,} persons, "
          "32 clients ==", flush=True)
    for name, figures in results["sqlite"].items():
        print(f"sqlite {name:12s}: {figures['rps']:7.0f} req/s  p99 {figures['p99']:7.1f} ms  "
              f"errors {figures['errors']:.0f}  ratio {figures['rps'] / base:.2f}", flush=True)


if __name__ == "__main__":
    main()
