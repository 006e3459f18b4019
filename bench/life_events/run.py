"""Life-event engine benchmark: catalog load, one evaluation in process and over HTTP, outreach.

    .venv/bin/python bench/life_events/run.py [--persons 1000000] [--pg-outreach]

Prints: catalog load+compile time; in-process evaluation of "birth of a child" for one household
with full explanation (p50/p95 over many runs); the same over HTTP against a running server
(p95, sequential); columnar outreach of the whole catalog over N synthetic persons (engine only,
facts already in memory); with --pg-outreach, end to end from the PostgreSQL database that
bench/registry/run.py loaded (redangel_bench). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import true

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from redangel.cli.context import context  # noqa: E402
from redangel.cli.database import upgrade  # noqa: E402
from redangel.config import Settings  # noqa: E402
from redangel.eligibility import evaluate, evaluate_columns, load_catalog  # noqa: E402
from redangel.lifeevent.outreach import household_columns, load_registry  # noqa: E402

AS_OF = date(2026, 11, 22)
MOTHER = {"birth_date": date(1996, 5, 1), "sex": "M", "marital_status": "single",
          "monthly_income": 6000, "health_coverage": "none", "low_development_area": True}
HOUSEHOLD = [{"relationship": "child", "birth_date": date(2026, 11, 1)},
             {"relationship": "child", "birth_date": date(2019, 2, 1)}]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def synthetic_columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    born = np.datetime64("2026-11-22") - rng.integers(0, 95 * 365, n).astype("timedelta64[D]")
    pick = lambda options, p=None: rng.choice(np.array(options, dtype=object), n, p=p)  # noqa: E731
    return {
        "birth_date": born,
        "resident_since": np.datetime64("2026-11-22") - rng.integers(0, 40 * 365, n).astype("timedelta64[D]"),
        "sex": pick(["H", "M"]),
        "schooling_level": pick(["none", "preschool", "primary", "secondary", "upper_secondary", "higher"]),
        "school_sector": pick(["public", "private"], [0.85, 0.15]),
        "studying": pick([True, False]),
        "employment_status": pick(["formal", "informal", "unemployed", "retired", "homemaker", "other"]),
        "monthly_income": rng.choice([0.0, 4000.0, 9000.0, 20000.0, np.nan], n),
        "grade_average": rng.uniform(6, 10, n),
        "arts_training": pick([True, False], [0.05, 0.95]),
        "marital_status": pick(["single", "married", "divorced", "widowed"]),
        "low_development_area": pick([True, False], [0.3, 0.7]),
        "disability": pick(["none", "permanent"], [0.95, 0.05]),
        "health_coverage": pick(["none", "imss", "issste", None]),
        "family_violence": pick([True, False], [0.01, 0.99]),
    }


def http_figures(catalog_dir: Path) -> None:
    """Evaluate over HTTP against a fresh embedded server (sequential requests)."""
    work = Path(tempfile.mkdtemp(prefix="redangel-bench-le-"))
    url = f"sqlite:///{work / 'le.db'}"
    os.environ["REDANGEL_PROJECT_DIR"] = str(ROOT)
    upgrade(Settings(database_url=url, data_dir=work, environment="development"))
    env = dict(os.environ, REDANGEL_DATABASE_URL=url, REDANGEL_DATA_DIR=str(work),
               REDANGEL_ENVIRONMENT="development",
               REDANGEL_RATE_LIMIT_REQUESTS_PER_MINUTE="10000000")
    subprocess.run([sys.executable, "-m", "redangel.cli", "catalog", "load"], env=env, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "redangel.cli", "demo", "seed", "--persons", "200"],
                   env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "redangel.main:create_app",
                               "--factory", "--port", "8791", "--log-level", "warning"], env=env)
    try:
        base = "http://127.0.0.1:8791/api/v1"
        for _ in range(100):
            try:
                httpx.get("http://127.0.0.1:8791/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = httpx.Client(base_url=base, timeout=30)
        token = client.post("/auth/login", json={"username": "clerk",
                            "password": "demo-redangel-2026"}).json()["session_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        found = client.post("/persons/search", json={"borough": "iztapalapa", "limit": 1}).json()
        person = found["items"][0]["id"]
        body = {"person_id": person, "answers": {"child_birth_date": "2026-11-01"}}
        timings = []
        for _ in range(300):
            started = time.perf_counter()
            answer = client.post("/life-events/birth_of_child/evaluations", json=body)
            timings.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 201, answer.text
        print(f"HTTP evaluation (stored, audited), sequential: p50 {pct(timings, .5):.2f} ms  "
              f"p95 {pct(timings, .95):.2f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


def pg_outreach(catalog) -> None:  # type: ignore[no-untyped-def]
    """End to end from PostgreSQL: read the registry as columns, evaluate every program."""
    os.environ["REDANGEL_DATABASE_URL"] = os.environ.get(
        "REDANGEL_BENCH_URL", "postgresql://postgres@127.0.0.1:5432/redangel_bench")
    os.environ.setdefault("REDANGEL_ENVIRONMENT", "development")  # the published dev secrets
    ctx = context()
    keyring = ctx.keyring()
    started = time.perf_counter()
    with ctx.sessions() as session:
        registry = load_registry(session, keyring=keyring, visible=true())
    loaded = time.perf_counter() - started
    counts = {}
    for code in catalog.programs:
        extra = household_columns(catalog, code, registry, AS_OF)
        verdicts = evaluate_columns(catalog, program_code=code, columns={**registry.columns, **extra},
                                    as_of=AS_OF)
        counts[code] = int((verdicts == 1).sum())
    total = time.perf_counter() - started
    print(f"outreach end to end from PostgreSQL: {len(registry.ids):,} persons, read {loaded:.1f} s, "
          f"whole catalog {total:.1f} s; eligible per program: {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--pg-outreach", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    catalog_dir = ROOT / "life_events"
    started = time.perf_counter()
    catalog = load_catalog(catalog_dir)
    print(f"catalog load + compile: {(time.perf_counter() - started) * 1000:.1f} ms "
          f"({len(catalog.programs)} programs, {len(catalog.events)} life events)")
    timings = []
    for _ in range(args.runs):
        t = time.perf_counter()
        result = evaluate(catalog, event_code="birth_of_child", person=MOTHER, household=HOUSEHOLD,
                          answers={"child_birth_date": "2026-11-01"}, as_of=AS_OF)
        result.to_dict()
        timings.append((time.perf_counter() - t) * 1000)
    print(f"one life event, one household, full explanation (in process): p50 {pct(timings, .5):.3f} ms"
          f"  p95 {pct(timings, .95):.3f} ms  mean {statistics.fmean(timings):.3f} ms")
    rng = np.random.default_rng(7)
    columns = synthetic_columns(args.persons, rng)
    started = time.perf_counter()
    for code in catalog.programs:
        evaluate_columns(catalog, program_code=code, columns=columns, as_of=AS_OF)
    print(f"outreach, whole catalog ({len(catalog.programs)} programs) over {args.persons:,} persons, "
          f"engine only: {time.perf_counter() - started:.2f} s")
    if not args.no_http:
        http_figures(catalog_dir)
    if args.pg_outreach:
        pg_outreach(catalog)


if __name__ == "__main__":
    main()
