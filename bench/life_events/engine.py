"""Benchmark of the pure life-event engine (no database, no HTTP). A script, not a test.

    .venv/bin/python bench/life_events/engine.py [--persons 1000000] [--runs 5000]

Prints: catalog load+compile time (target <= 200 ms); one life event for one household with
full explanation, in process (targets p50 <= 0.3 ms, p95 <= 1 ms); columnar outreach of the
whole catalog over N synthetic persons whose facts are already in memory (target <= 2 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from redangel.eligibility import evaluate, evaluate_columns, load_catalog  # noqa: E402
from redangel.eligibility.columnspec import required_columns  # noqa: E402

AS_OF = date(2026, 3, 1)


def bench_load(runs: int = 20) -> None:
    """Catalog load + compile, cold (first) and warm (median)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_catalog(ROOT / "life_events")
        times.append((time.perf_counter() - start) * 1000)
    print(f"catalog load+compile: first {times[0]:.1f} ms, median {statistics.median(times):.1f} ms "
          "(target <= 200 ms)")


def bench_one(runs: int) -> None:
    """Birth of a child for a single mother's household, explained and turned into JSON."""
    catalog = load_catalog(ROOT / "life_events")
    person = {"birth_date": date(1996, 5, 4), "sex": "M", "marital_status": "single",
              "monthly_income": 7200, "borough": "iztapalapa", "resident_since": date(2001, 1, 1),
              "health_coverage": "none", "low_development_area": True, "relationship": "head"}
    household = [{"relationship": "child", "birth_date": date(2026, 2, 1)},
                 {"relationship": "child", "birth_date": date(2019, 8, 9), "studying": True},
                 {"relationship": "parent", "birth_date": date(1960, 2, 2), "monthly_income": 3000}]
    answers = {"child_birth_date": "2026-02-01"}
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        evaluate(catalog, event_code="birth_of_child", person=person, household=household,
                 answers=answers, as_of=AS_OF, current_programs=("comedores_comunitarios",)).to_dict()
        times.append(time.perf_counter_ns() - start)
    times.sort()
    p50, p95 = times[len(times) // 2] / 1e6, times[int(len(times) * 0.95)] / 1e6
    print(f"one life event, one household, full explanation: p50 {p50:.3f} ms, p95 {p95:.3f} ms "
          f"over {runs} runs (targets 0.3 / 1 ms)")


def synthetic(catalog: object, n: int) -> dict[str, np.ndarray]:
    """N persons' facts as columns, household aggregates precomputed (as outreach provides them)."""
    rng = np.random.default_rng(20261122)

    def pick(options: list[object], unknown: float = 0.05) -> np.ndarray:
        values = np.array(options, dtype=object)[rng.integers(0, len(options), n)]
        values[rng.random(n) < unknown] = None
        return values

    born = np.datetime64("2026-03-01") - rng.integers(0, 100 * 365, n).astype("timedelta64[D]")
    columns: dict[str, np.ndarray] = {
        "birth_date": born,
        "resident_since": born + rng.integers(0, 20 * 365, n).astype("timedelta64[D]"),
        "monthly_income": np.where(rng.random(n) < 0.05, np.nan,
                                   rng.choice([0.0, 4000.0, 9450.0, 18900.0, 30000.0], n)),
        "grade_average": np.round(rng.uniform(6, 10, n), 1),
        "sex": pick(["H", "M"]), "marital_status": pick(["single", "married", "divorced", "widowed"]),
        "schooling_level": pick(["none", "preschool", "primary", "secondary", "upper_secondary",
                                 "higher"]),
        "school_sector": pick(["public", "private"]), "studying": pick([True, False]),
        "employment_status": pick(["formal", "informal", "unemployed", "student", "retired"]),
        "arts_training": pick([True, False]), "low_development_area": pick([True, False]),
        "disability": pick(["none", "temporary", "permanent"]),
        "health_coverage": pick(["none", "imss", "issste", "private"]),
        "family_violence": pick([True, False]), "pregnant": pick([True, False]),
    }
    for name, kind in required_columns(catalog).items():  # type: ignore[arg-type]
        if name.startswith("household."):
            if kind == "bool":
                columns[name] = rng.random(n) < 0.3
            elif kind == "money":
                columns[name] = rng.choice([0.0, 5000.0, 12000.0], n)
            else:
                columns[name] = rng.integers(0, 3, n).astype(float)
    return columns


def bench_outreach(n: int) -> None:
    """Every program of the catalog over N persons, vectorised."""
    catalog = load_catalog(ROOT / "life_events")
    columns = synthetic(catalog, n)
    start = time.perf_counter()
    counts = {}
    for code in catalog.programs:
        verdicts = evaluate_columns(catalog, program_code=code, columns=columns, as_of=AS_OF)
        counts[code] = np.bincount(verdicts, minlength=3)
    elapsed = time.perf_counter() - start
    print(f"columnar outreach, whole catalog ({len(catalog.programs)} programs) over {n:,} persons: "
          f"{elapsed:.2f} s (target <= 2 s)")
    for code, (no, yes, unknown) in sorted(counts.items()):
        print(f"  {code:30} eligible {yes:>9,}  not {no:>9,}  needs information {unknown:>9,}")


def main() -> None:
    """Run the three measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5000)
    args = parser.parse_args()
    bench_load()
    bench_one(args.runs)
    bench_outreach(args.persons)


if __name__ == "__main__":
    main()
