"""The catalog's own tests: YAML cases beside the rules, and a coverage gate over them.

A case gives an as-of date, an optional life event and answers, the person's and household's
facts, and the expected verdict per program (optionally the failing criteria and the missing
facts). The gate fails when a criterion of a tested program is never shown both true and false,
or when a comparison against a threshold is never exercised exactly at the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from redangel.eligibility.catalog import Catalog, Criterion
from redangel.eligibility.compile import Comparison, Context
from redangel.eligibility.engine import check_answers, evaluate_program
from redangel.eligibility.errors import CatalogError
from redangel.eligibility.yamlfile import Mapping, read

CASE_KEYS = {"name", "as_of", "person", "expect"}
OPTIONAL_KEYS = {"event", "answers", "household", "failing", "missing", "current_programs"}


@dataclass
class Report:
    """What running the catalog's tests found."""

    cases: int = 0
    failures: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every case passed and the coverage gate holds."""
        return not self.failures and not self.uncovered


def _facts(m: Any) -> dict[str, Any]:
    if not isinstance(m, dict):
        return {}
    return {k: Decimal(str(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for k, v in m.items()}


def _leaves(criteria: list[Criterion]) -> list[Criterion]:
    out = []
    for c in criteria:
        out.extend(_leaves(c.children) if c.children else [c])
    return out


def run_catalog_tests(catalog: Catalog, tests_dir: Path | None = None) -> Report:
    """Run every case under `tests_dir` (default: the catalog's tests/) and the coverage gate."""
    folder = tests_dir or catalog.root / "tests"
    report = Report()
    outcomes: dict[tuple[str, str], set[bool | None]] = {}
    boundaries: dict[tuple[str, int, int], bool] = {}
    for path in sorted(folder.glob("*.yaml")):
        cases = read(path, catalog.root)
        if not isinstance(cases, list):
            raise CatalogError("a test file is a list of cases", file=str(path), line=1)
        for case in cases:
            report.cases += 1
            _run_case(catalog, case, report, outcomes, boundaries)
    for code in sorted({p for p, _ in outcomes}):
        for leaf in _leaves(catalog.programs[code].criteria):
            seen = outcomes.get((code, leaf.id), set())
            if not {True, False} <= seen:
                shown = "never" if not seen else f"only {sorted(map(str, seen))}"
                report.uncovered.append(
                    f"{leaf.file}:{leaf.line}: criterion `{code}.{leaf.id}` is {shown} shown; "
                    "add a case where it is true and one where it is false")
    for key, at_boundary in sorted(boundaries.items()):
        if not at_boundary:
            report.uncovered.append(f"{key[0]}:{key[1]}: a threshold has no case at its boundary")
    untested = sorted(set(catalog.programs) - {p for p, _ in outcomes})
    report.uncovered += [f"program `{p}` has no test case" for p in untested]
    return report


def _run_case(catalog: Catalog, case: Mapping, report: Report,
              outcomes: dict[tuple[str, str], set[bool | None]],
              boundaries: dict[tuple[str, int, int], bool]) -> None:
    case.check_keys(CASE_KEYS, OPTIONAL_KEYS)
    where = f"{case.file}:{case.line} ({case['name']})"
    answers: dict[str, Any] = {}
    if case.get("event"):
        if case["event"] not in catalog.events:
            raise case.fail(f"unknown life event `{case['event']}`", "event")
        answers = check_answers(catalog.events[case["event"]], case.get("answers") or {})
    as_of = case["as_of"]
    if not isinstance(as_of, date):
        raise case.fail("as_of must be a date", "as_of")
    comparisons: list[Comparison] = []
    ctx = Context(person=_facts(case["person"]), members=[_facts(m) for m in case.get("household", [])],
                  answers=answers, as_of=as_of, params=catalog.parameter)
    for code, expected in case["expect"].items():
        if code not in catalog.programs:
            raise case["expect"].fail(f"unknown program `{code}`", code)
        program = catalog.programs[code]
        result = evaluate_program(catalog, program, ctx, case.get("current_programs") or [])
        ctx.comparisons = None
        for leaf_result, leaf in _walk(result.criteria, program.criteria):
            outcomes.setdefault((code, leaf.id), set()).add(leaf_result.result)
        # Re-run each leaf with tracing on for the boundary check.
        for leaf in _leaves(program.criteria):
            ctx.comparisons, ctx.missing = [], set()
            assert leaf.fn is not None
            leaf.fn(ctx)
            comparisons.extend(ctx.comparisons)
        ctx.comparisons = None
        if result.verdict != expected:
            report.failures.append(f"{where}: {code} expected {expected}, got {result.verdict} "
                                   f"({result.reason['en']})")
        failing = (case.get("failing") or {}).get(code)
        if failing is not None:
            got = sorted(r.id for r, _ in _walk(result.criteria, program.criteria)
                         if r.result is False)
            if got != sorted(failing):
                report.failures.append(f"{where}: {code} failing criteria {got}, expected {sorted(failing)}")
        missing = (case.get("missing") or {}).get(code)
        if missing is not None and sorted(result.missing) != sorted(missing):
            report.failures.append(f"{where}: {code} missing {result.missing}, expected {sorted(missing)}")
    for comparison in comparisons:
        if comparison.op in ("<", "<=", ">", ">="):
            hit = comparison.actual is not None and comparison.actual == comparison.threshold
            boundaries[comparison.key] = boundaries.get(comparison.key, False) or hit


def _walk(results: list[Any], criteria: list[Criterion]) -> list[tuple[Any, Criterion]]:
    out = []
    for result, criterion in zip(results, criteria, strict=True):
        if criterion.children:
            out.extend(_walk(result.children, criterion.children))
        else:
            out.append((result, criterion))
    return out
