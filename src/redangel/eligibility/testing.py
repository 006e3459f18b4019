"""The catalog's own tests: YAML cases beside the rules, and a coverage gate over them.

A case gives an as-of date, an optional life event and answers, the person's and household's
facts, and the expected verdict per program (optionally the failing criteria and the missing
facts, or the answer that must be refused). The gate fails when a criterion of the catalog is
never shown both true and false, or when a comparison against a threshold (a parameter or a
literal, also inside household aggregates) is never exercised exactly at the threshold.

`read_cases` and `check_case` serve one case at a time: the pytest collector in
life_events/conftest.py makes each case its own test item, so a failing case names itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from redangel.eligibility.compile import Comparison, Context
from redangel.eligibility.engine import CriterionResult, check_answers, evaluate_program
from redangel.eligibility.errors import AnswerError, CatalogError, EligibilityError
from redangel.eligibility.facts import typed
from redangel.eligibility.model import Catalog, Criterion
from redangel.eligibility.yamlfile import Mapping, read

CASE_KEYS = {"name", "as_of", "person"}
OPTIONAL_KEYS = {"event", "answers", "household", "failing", "missing", "current_programs",
                 "expect", "error"}
ORDERING = ("<", "<=", ">", ">=")


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


@dataclass(frozen=True)
class Mismatch:
    """One expectation of a case that the catalog does not meet."""

    subject: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.subject}: expected {self.expected}, got {self.actual}"


@dataclass
class _Seen:
    outcomes: dict[tuple[str, str], set[bool | None]] = field(default_factory=dict)
    boundaries: dict[tuple[str, int, int], bool] = field(default_factory=dict)
    sources: dict[tuple[str, int, int], Criterion] = field(default_factory=dict)


def leaves(criteria: list[Criterion]) -> list[Criterion]:
    """The criteria that carry an expression, in order."""
    out = []
    for c in criteria:
        out.extend(leaves(c.children) if c.children else [c])
    return out


def run_catalog_tests(catalog: Catalog, tests_dir: Path | None = None) -> Report:
    """Run every case under `tests_dir` (default: the catalog's tests/) and the coverage gate."""
    folder = tests_dir or catalog.root / "tests"
    report, seen = Report(), _Seen()
    for path in sorted(folder.glob("*.yaml")):
        for case in read_cases(path, catalog.root):
            report.cases += 1
            where = f"{case.file}:{case.line} ({case['name']})"
            report.failures.extend(f"{where}: {m}" for m in check_case(catalog, case, seen))
    report.uncovered = _gaps(catalog, seen)
    return report


def read_cases(path: Path, root: Path) -> list[Mapping]:
    """The cases of one test file, each with known keys and a name of its own in the file."""
    cases = read(path, root)
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if not isinstance(cases, list):
        raise CatalogError("a test file is a list of cases", file=name, line=1)
    lines: dict[str, int] = {}
    for case in cases:
        if not isinstance(case, Mapping):
            raise CatalogError("each test case must be a mapping", file=name, line=1)
        case.check_keys(CASE_KEYS, OPTIONAL_KEYS)
        title = case.text("name")
        if title in lines:
            raise case.fail(f"the name `{title}` is already used by the case at line "
                            f"{lines[title]}; each case needs its own", "name")
        lines[title] = case.line
    return cases


def _gaps(catalog: Catalog, seen: _Seen) -> list[str]:
    """What the cases seen never showed: a program, a criterion both ways, a threshold."""
    uncovered: list[str] = []
    for code, program in sorted(catalog.programs.items()):
        if not any(p == code for p, _ in seen.outcomes):
            uncovered.append(f"{program.file}:1: program `{code}` has no test case")
            continue
        for leaf in leaves(program.criteria):
            shown = seen.outcomes.get((code, leaf.id), set())
            if not {True, False} <= shown:
                what = "never" if not shown else "only " + " and ".join(
                    {True: "true", False: "false", None: "unknown"}[v] for v in
                    sorted(shown, key=str))
                uncovered.append(
                    f"{leaf.file}:{leaf.line}: criterion `{code}.{leaf.id}` is shown {what}; "
                    "add a case where it is true and one where it is false")
    for key, at_boundary in sorted(seen.boundaries.items()):
        if not at_boundary:
            leaf = seen.sources[key]
            snippet = leaf.source[key[2]:][:40]
            uncovered.append(
                f"{key[0]}:{key[1]}: criterion `{leaf.id}` has no boundary case: no case puts a "
                f"value exactly at the threshold of `…{snippet}`")
    return uncovered


def _date(case: Mapping, key: str) -> date:
    value = case.get(key)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise case.fail(f"`{key}` must be a date YYYY-MM-DD", key)
    return value


def _context(catalog: Catalog, case: Mapping, answers: dict[str, Any]) -> Context:
    person = case["person"]
    household = case.get("household") or []
    if not isinstance(person, dict) or not isinstance(household, list) or not all(
        isinstance(m, dict) for m in household
    ):
        raise case.fail("`person` is a mapping of facts and `household` a list of them")
    try:
        members = [typed(m, catalog.facts, f"household.{i}") for i, m in enumerate(household)]
        return Context(person=typed(person, catalog.facts, "person"), members=list(members),
                       answers=answers, as_of=_date(case, "as_of"), params=catalog.parameter)
    except EligibilityError as exc:
        raise case.fail(f"bad fact in this case: {exc}", "person") from exc


def _listed(items: list[str]) -> str:
    return ", ".join(items) if items else "none"


def check_case(catalog: Catalog, case: Mapping, seen: _Seen | None = None) -> list[Mismatch]:
    """Run one case read by `read_cases`: what it expects and the catalog does not give."""
    seen = _Seen() if seen is None else seen
    out: list[Mismatch] = []
    answers: dict[str, Any] = {}
    if case.get("event") is not None:
        if case["event"] not in catalog.events:
            raise case.fail(f"unknown life event `{case['event']}`", "event")
        try:
            answers = check_answers(catalog.events[case["event"]], case.get("answers") or {})
        except AnswerError as exc:
            if case.get("error") != exc.field:
                wanted = f"refused naming `{case['error']}`" if "error" in case else "accepted"
                out.append(Mismatch("answers", wanted, f"refused naming `{exc.field}` ({exc})"))
            return out
    if "error" in case:
        out.append(Mismatch("answers", f"refused naming `{case['error']}`", "accepted"))
        return out
    if not isinstance(case.get("expect"), Mapping):
        raise case.fail("a case needs `expect: {program: verdict}` (or `error:`)")
    ctx = _context(catalog, case, answers)
    current = case.get("current_programs") or []
    for code, expected in case["expect"].items():
        if code not in catalog.programs:
            raise case["expect"].fail(f"unknown program `{code}`", code)
        program = catalog.programs[code]
        result = evaluate_program(catalog, program, ctx, current)
        walked = _walk(result.criteria, program.criteria)
        for leaf_result, leaf in walked:
            seen.outcomes.setdefault((code, leaf.id), set()).add(leaf_result.result)
        _trace(program.criteria, ctx, seen)
        if result.verdict != expected:
            out.append(Mismatch(f"{code} verdict", str(expected),
                                f"{result.verdict} ({result.reason['en']})"))
        failing = (case.get("failing") or {}).get(code)
        if failing is not None:
            got = sorted(r.id for r, _ in walked if r.result is False)
            if got != sorted(failing):
                out.append(Mismatch(f"{code} failing criteria", _listed(sorted(failing)),
                                    _listed(got)))
        missing = (case.get("missing") or {}).get(code)
        if missing is not None and sorted(result.missing) != sorted(missing):
            out.append(Mismatch(f"{code} missing facts", _listed(sorted(missing)),
                                _listed(sorted(result.missing))))
    return out


def _trace(criteria: list[Criterion], ctx: Context, seen: _Seen) -> None:
    """Run each leaf with tracing on, and note which thresholds were met exactly."""
    for leaf in leaves(criteria):
        comparisons: list[Comparison] = []
        ctx.comparisons, ctx.missing = comparisons, set()
        assert leaf.fn is not None
        leaf.fn(ctx)
        ctx.comparisons = None
        for comparison in comparisons:
            if comparison.op in ORDERING:
                hit = comparison.actual is not None and comparison.actual == comparison.threshold
                seen.boundaries[comparison.key] = seen.boundaries.get(comparison.key, False) or hit
                seen.sources[comparison.key] = leaf


def _walk(results: list[CriterionResult], criteria: list[Criterion]
          ) -> list[tuple[CriterionResult, Criterion]]:
    out = []
    for result, criterion in zip(results, criteria, strict=True):
        if criterion.children:
            out.extend(_walk(result.children, criterion.children))
        else:
            out.append((result, criterion))
    return out
