"""Linkage benchmark: our engine and Splink (DuckDB) on the same synthetic rolls, side by side.

    .venv/bin/python bench/linkage/run.py --rows 20000 --registry 20000
    .venv/bin/python bench/linkage/run.py --rows 1000000 --registry 1000000 --skip-splink-above 0

Generates a registry and an agency's roll with a known truth (`generate.py`), standardises the
rows as the import does (`standardise.py`), then links the roll against the registry and within
itself with `redangel.matching.engine.link` and with Splink 5 on DuckDB at its best settings
(EM training, blocking on CURP, birth date and names, term-frequency adjustments on names),
in the same run. Prints, per engine: pairwise precision, recall and F1 of the pairs at or above
the link probability, false merges (roll rows joined to the wrong person) per 10,000 rows,
rows/s and wall time, rows left to a steward's review; and our figure over Splink's. Not a
test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import standardise  # noqa: E402

from redangel.matching.engine import Record, Thresholds, link  # noqa: E402


@dataclass
class Figures:
    """What one engine scored."""

    name: str
    seconds: float
    predicted: int
    true_positive: int
    truth: int
    false_rows: int
    rows: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_per_10k(self) -> float:
        return self.false_rows * 10_000 / self.rows


def _memo(fn: Any) -> Any:
    cache: dict[Any, Any] = {}

    def wrapped(value: Any) -> Any:
        if value not in cache:
            cache[value] = fn(value)
        return cache[value]
    return wrapped


def standardised(rows: list[generate.Row]) -> list[Record]:
    """The rows as the import hands them to linkage."""
    name, birth, curp = _memo(standardise.name), _memo(standardise.birth), _memo(standardise.curp)
    return [Record(r.key, name(r.given) or "", name(r.first) or "", name(r.second), birth(r.born),
                   r.sex, curp(r.curp), name(r.borough), r.postal) for r in rows]


def truth_count(roll_pids: np.ndarray, registry_pids: set[int]) -> int:
    """True pairs: each roll row with its registered person, and each two rows of one person."""
    counts = Counter(roll_pids.tolist())
    within = sum(c * (c - 1) // 2 for c in counts.values())
    to_registry = sum(c for pid, c in counts.items() if pid in registry_pids)
    return within + to_registry


def score(name: str, seconds: float, left: np.ndarray, right: np.ndarray, pids: np.ndarray,
          n_roll: int, truth: int) -> Figures:
    """Pairwise figures of predicted pairs (indexes into roll rows then registry rows)."""
    keep = left < n_roll  # pairs of two registry records are no roll's business
    left, right = left[keep], right[keep]
    same = pids[left] == pids[right]
    wrong_rows = np.union1d(left[~same], right[~same][right[~same] < n_roll])
    return Figures(name, seconds, int(left.size), int(same.sum()), truth, int(wrong_rows.size), n_roll)


def review_rows(left: np.ndarray, right: np.ndarray, probability: np.ndarray, n_roll: int,
                link: float) -> int:
    """Roll rows a steward must look at: in a pair from the review threshold up, linked by none."""
    sure = probability >= link
    linked = np.union1d(left[sure], right[sure][right[sure] < n_roll])
    unsure = ~sure & (left < n_roll)
    asked = np.union1d(left[unsure], right[unsure][right[unsure] < n_roll])
    return int(np.setdiff1d(asked, linked).size)


def run_engine(roll: list[Record], registry: list[Record], thresholds: Thresholds) -> tuple[float, Any]:
    start = time.perf_counter()
    linkage = link(roll, registry, thresholds)
    return time.perf_counter() - start, linkage


def run_splink(roll: list[Record], registry: list[Record], review: float) -> tuple[float, Any, Any, Any]:
    """Splink 5 on DuckDB, trained as its documentation advises, predicting from `review` up."""
    import duckdb  # noqa: PLC0415 - Splink's engine, for the benchmark only
    import pyarrow as pa  # noqa: PLC0415
    import splink.comparison_library as cl  # noqa: PLC0415
    from splink import Linker, SettingsCreator, block_on  # noqa: PLC0415
    from splink.backends.duckdb import DuckDBAPI  # noqa: PLC0415

    def table(records: list[Record], offset: int) -> pa.Table:
        return pa.table({
            "unique_id": pa.array(range(offset, offset + len(records)), pa.int64()),
            "given_names": [r.given_names or None for r in records],
            "first_surname": [r.first_surname or None for r in records],
            "second_surname": [r.second_surname for r in records],
            "birth_date": pa.array([r.birth_date for r in records], pa.date32()),
            "sex": [r.sex for r in records], "curp": [r.curp for r in records],
            "curp10": [r.curp[:10] if r.curp else None for r in records],
            "borough": [r.borough for r in records], "postal_code": [r.postal_code for r in records],
        })

    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count() or 2}")
    roll_t, reg_t = table(roll, 0), table(registry, len(roll))  # noqa: F841 - read by DuckDB
    con.execute("CREATE TABLE roll AS SELECT * FROM roll_t")
    con.execute("CREATE TABLE registry AS SELECT * FROM reg_t")
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="link_and_dedupe",
        comparisons=[
            cl.NameComparison("given_names").configure(term_frequency_adjustments=True),
            cl.NameComparison("first_surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("second_surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("curp", [1, 2]),
            cl.ExactMatch("borough"),
            cl.LevenshteinAtThresholds("postal_code", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("curp"), block_on("curp10"),
            block_on("birth_date", "first_surname"), block_on("birth_date", "second_surname"),
            block_on("birth_date", "given_names"),
            block_on("given_names", "first_surname", "second_surname"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker([db_api.register("roll", table_name="roll_in"),
                     db_api.register("registry", table_name="registry_in")], settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("curp"), block_on("given_names", "first_surname", "second_surname", "birth_date")],
        recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_surname", "second_surname"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date"), estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=review)
    out = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name}"
    ).fetchnumpy()
    seconds = time.perf_counter() - start
    left = np.minimum(out["unique_id_l"], out["unique_id_r"])
    right = np.maximum(out["unique_id_l"], out["unique_id_r"])
    return seconds, left, right, np.asarray(out["match_probability"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the agency's roll")
    parser.add_argument("--registry", type=int, default=20_000, help="persons in the registry")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--link", type=float, default=0.99, help="link probability threshold")
    parser.add_argument("--review", type=float, default=0.60, help="review probability threshold")
    parser.add_argument("--no-splink", action="store_true", help="run our engine only")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/linkage-bench"),
                        help="where generated rolls are kept between runs")
    args = parser.parse_args()

    args.cache.mkdir(parents=True, exist_ok=True)
    cached = args.cache / f"rolls-{args.rows}-{args.registry}-{args.seed}.pickle"
    start = time.perf_counter()
    if cached.exists():
        raw_roll, raw_registry = pickle.loads(cached.read_bytes())
    else:
        raw_roll, raw_registry = generate.build(args.rows, args.registry, args.seed)
        cached.write_bytes(pickle.dumps((raw_roll, raw_registry)))
    roll, registry = standardised(raw_roll), standardised(raw_registry)
    print(f"generated and standardised {len(roll):,} roll rows and {len(registry):,} registry "
          f"records in {time.perf_counter() - start:.1f} s", flush=True)
    pids = np.array([r.pid for r in raw_roll] + [r.pid for r in raw_registry], dtype=np.int64)
    truth = truth_count(pids[: len(roll)], {r.pid for r in raw_registry})
    without_curp = sum(1 for r in roll if r.curp is None) / len(roll)
    print(f"true pairs: {truth:,}; roll rows without CURP: {without_curp:.0%}")

    thresholds = Thresholds(link=args.link, review=args.review)
    seconds, linkage = run_engine(roll, registry, thresholds)
    sure = linkage.probability >= args.link
    ours = score("redangel", seconds, linkage.left[sure], linkage.right[sure], pids, len(roll), truth)
    start = time.perf_counter()
    answered = len(linkage.pairs)
    as_pairs = time.perf_counter() - start
    print(f"redangel: {linkage.candidates:,} candidate pairs, {answered:,} pairs from the review "
          f"threshold ({as_pairs:.1f} s more to build them as Pair objects); skipped blocks "
          f"{sum(linkage.skipped_blocks.values())}", flush=True)
    print(f"redangel: F1 {ours.f1:.5f} (precision {ours.precision:.5f}, recall {ours.recall:.5f}), "
          f"false merges {ours.false_per_10k:.2f} per 10,000 rows, {ours.rows / ours.seconds:,.0f} rows/s, "
          f"{ours.seconds:.1f} s", flush=True)
    results = [ours]
    scored = {"redangel": (linkage.left, linkage.right, linkage.probability)}
    if not args.no_splink:
        seconds, left, right, probability = run_splink(roll, registry, args.review)
        sure = probability >= args.link
        results.append(score("splink", seconds, left[sure], right[sure], pids, len(roll), truth))
        scored["splink"] = (left, right, probability)
    print(f"\nlink threshold {args.link}, {len(roll):,} roll rows against {len(registry):,} records")
    header = "".join(f"{f.name:>14}" for f in results)
    print(f"{'':24}{header}" + ("   ours/splink" if len(results) > 1 else ""))
    lines = [("precision", lambda f: f.precision, "{:.5f}"), ("recall", lambda f: f.recall, "{:.5f}"),
             ("F1", lambda f: f.f1, "{:.5f}"),
             ("false merges / 10,000", lambda f: f.false_per_10k, "{:.2f}"),
             ("rows/s", lambda f: f.rows / f.seconds, "{:,.0f}"),
             ("wall time (s)", lambda f: f.seconds, "{:.1f}"),
             ("pairs predicted", lambda f: f.predicted, "{:,}"),
             ("true pairs found", lambda f: f.true_positive, "{:,}")]
    for label, fn, fmt in lines:
        values = [fn(f) for f in results]
        ratio = f"{values[0] / values[1]:>14.3f}" if len(values) > 1 and values[1] else ""
        print(f"{label:24}" + "".join(f"{fmt.format(v):>14}" for v in values) + ratio)
    cells = [f"{name} {review_rows(*scored[name], len(roll), args.link):,}" for name in scored]
    print(f"{'rows to review':24}" + "".join(f"{c.split()[1]:>14}" for c in cells)
          + f"   (in a pair from {args.review} up, linked by none)")
    print("\nat other link thresholds (same pairs, same run): F1 / false merges per 10,000")
    for threshold in (0.999, 0.9999):
        cells = []
        for name, (left, right, probability) in scored.items():
            sure = probability >= threshold
            f = score(name, 1.0, left[sure], right[sure], pids, len(roll), truth)
            cells.append(f"{name} {f.f1:.5f} / {f.false_per_10k:.2f}")
        print(f"  {threshold}: " + "   ".join(cells))


if __name__ == "__main__":
    main()
