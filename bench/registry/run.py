"""Registry benchmark: bulk load rate, then read/search latency under 32 concurrent HTTP clients.

    .venv/bin/python bench/registry/run.py --persons 1000000 --backends postgresql,sqlite

For each backend: a fresh database built by the migrations, `--persons` people in households
loaded through the bulk path (COPY on PostgreSQL), a real server (`redangel serve`, 2 workers)
and an asyncio load generator with 32 concurrent clients for read-by-id, CURP search and name
search. Prints one block of figures per backend. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.support import free_port, serve, wrk_figures  # noqa: E402
from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.common.clock import city_today  # noqa: E402
from redangel.config import Settings, get_settings  # noqa: E402
from redangel.demo import named  # noqa: E402
from redangel.demo import seed as demo  # noqa: E402
from redangel.demo.generate import PopulationGenerator  # noqa: E402

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


def load(settings: Settings, persons: int) -> tuple[float, str]:

    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    upgrade(settings)
    os.environ["REDANGEL_DATABASE_URL"] = settings.database_url
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets

    get_settings.cache_clear()
    ctx = context()
    with ctx.sessions() as session:
        offices = demo.ensure_offices(session)
        demo.ensure_logins(session, offices)
        session.commit()
    keyring = ctx.keyring()
    started = time.perf_counter()
    written = demo.seed_population(ctx.engine, keyring=keyring, persons=persons, seed=SEED,
                                   offices=offices, batch=50_000)
    elapsed = time.perf_counter() - started
    ctx.engine.dispose()
    return written / elapsed, f"{written:,} persons in {elapsed:.1f} s"


def samples(persons: int, count: int) -> list[tuple[str, str | None, str]]:
    """(id, curp, name query) of Iztapalapa residents, regenerated from the same seed."""
    gen = PopulationGenerator(SEED)
    picked = []
    for household in gen.persons(persons, named=named.households(gen, city_today())):
        if household.borough != "iztapalapa":
            continue
        for p in household.members:
            picked.append((str(p.id), p.curp, f"{p.given_names} {p.first_surname}"))
    random.Random(1).shuffle(picked)
    return picked[:count]


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


def run_backend(backend: str, persons: int, requests: int, workers: int, seconds: int,
                reuse: bool) -> dict[str, dict[str, float]]:
    workdir = Path(tempfile.gettempdir()) / f"{BENCH_DB}-{backend}"
    workdir.mkdir(exist_ok=True)
    print(f"\n== {backend}: {persons:,} persons ==", flush=True)
    if reuse:
        url = (f"sqlite:///{workdir / 'bench.db'}" if backend == "sqlite"
               else PG_ADMIN.rsplit("/", 1)[0] + f"/{BENCH_DB}")
        print("load: skipped (--reuse: the database of the previous run)", flush=True)
    else:
        if backend == "sqlite":
            for leftover in workdir.glob("bench.db*"):
                leftover.unlink()
        url = fresh_database(backend, workdir)
        settings = Settings(environment="development", database_url=url, data_dir=workdir)
        rate, detail = load(settings, persons)
        print(f"load: {rate:,.0f} persons/s ({detail})", flush=True)
    port = free_port()
    server = serve(url, port=port, workers=workers, data_dir=workdir)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        token = httpx.post(f"{base}/auth/login", json={"username": "supervisor",
                           "password": demo.DEMO_PASSWORD}).json()["session_token"]
        picked = samples(persons, requests)
        with_curp = [p for p in picked if p[1]]
        scenarios = {
            "read-by-id": lambda i: ("GET", f"/persons/{picked[i % len(picked)][0]}", None),
            "CURP search": lambda i: ("POST", "/persons/search", {"curp": with_curp[i % len(with_curp)][1]}),
            "name search": lambda i: ("POST", "/persons/search",
                                      {"name": picked[i % len(picked)][2], "limit": 20}),
        }
        use_wrk = shutil.which("wrk") is not None
        results: dict[str, dict[str, float]] = {}
        for name, make in scenarios.items():
            if use_wrk:
                wrk(f"http://127.0.0.1:{port}", token, make, 500, 2)  # warm-up
                figures = wrk(f"http://127.0.0.1:{port}", token, make, requests, seconds)
                tail = f"p90 {figures['p90']:6.1f} ms  p99 {figures['p99']:6.1f} ms"
            else:
                asyncio.run(hammer(base, token, make, 200))  # warm-up
                figures = asyncio.run(hammer(base, token, make, requests))
                tail = f"p95 {figures['p95']:6.1f} ms  p99 {figures['p99']:6.1f} ms"
            print(f"{name:12s}: p50 {figures['p50']:6.1f} ms  {tail}  "
                  f"{figures['rps']:7.0f} req/s  non-2xx {figures['errors']:.0f}"
                  f"  ({'wrk' if use_wrk else 'httpx'}, 32 connections)", flush=True)
            results[name] = figures
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    parser.add_argument("--reuse", action="store_true",
                        help="skip loading; measure the database the previous run left")
    args = parser.parse_args()
    results = {backend: run_backend(backend, args.persons, args.requests, args.workers,
                                    args.seconds, args.reuse)
               for backend in args.backends.split(",")}
    compare_embedded(results, args.persons)


def compare_embedded(results: dict[str, dict[str, dict[str, float]]], persons: int) -> None:
    """SQLite's figures beside PostgreSQL's read-by-id of the same run, with their ratio."""
    if "sqlite" not in results or "postgresql" not in results:
        return
    base = results["postgresql"]["read-by-id"]["rps"]
    print(f"\n== SQLite beside PostgreSQL's read-by-id ({base:,.0f} req/s), {persons:,} persons, "
          "32 clients ==", flush=True)
    for name, figures in results["sqlite"].items():
        print(f"sqlite {name:12s}: {figures['rps']:7.0f} req/s  p99 {figures['p99']:7.1f} ms  "
              f"errors {figures['errors']:.0f}  ratio {figures['rps'] / base:.2f}", flush=True)


if __name__ == "__main__":
    main()
