"""Every text the engine gives a clerk reads aloud in one language, without operators or codes.

The walk runs the catalog's own cases (which show every criterion both met and not met: the
coverage gate insists) and one evaluation with no facts at all (every criterion that can be
unknown is), over every program, and reads each verdict and each criterion's sentence in Spanish
and in English.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from redangel.eligibility import evaluate, load_catalog
from redangel.eligibility.catalog import Catalog
from redangel.eligibility.engine import CriterionResult
from redangel.eligibility.testing import read_cases

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
OPERATORS = ("==", "<=", ">=", "!=", "<", ">")
SNAKE = re.compile(r"\b[A-Za-z]+_[A-Za-z_]+\b")
WORD = re.compile(r"[^\W\d_]+")
# Words of one language that have no place in a sentence of the other.
FOREIGN = {
    "es": {"yes", "none", "true", "false", "unknown", "the", "of", "and", "is", "has", "value",
           "required", "from", "not", "or", "years", "months"},
    "en": {"sí", "ninguno", "ninguna", "verdadero", "falso", "dato", "requiere", "años", "meses",
           "tiene", "es", "del", "de", "la", "el", "y", "que", "para", "falta", "cumple", "vive"},
}
# Codes that are also ordinary words of a language (`formal`, the criterion `mujer`).
CODES_THAT_ARE_WORDS = {
    "es": {"formal", "informal", "mujer", "estudia", "joven", "promedio", "edad", "residencia",
           "violencia", "bachillerato"},
    "en": {"sex", "borough", "studying", "disability", "pregnant", "none", "public", "private",
           "formal", "informal", "unemployed", "student", "retired", "homemaker", "other",
           "single", "married", "divorced", "widowed", "separated", "temporary", "permanent",
           "preschool", "primary", "secondary", "higher", "head", "spouse", "child", "parent",
           "grandparent"},
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def _codes(catalog: Catalog) -> set[str]:
    codes = set(catalog.facts) | set(catalog.parameters) | set(catalog.programs)
    codes |= {"head", "spouse", "child", "parent", "grandparent", "other_relative", "other"}
    for fact in catalog.facts.values():
        codes |= set(fact.options)
    for event in catalog.events.values():
        codes |= {q.name for q in event.questions} | {event.code}
    for program in catalog.programs.values():
        stack = list(program.criteria)
        while stack:
            criterion = stack.pop()
            codes.add(criterion.id)
            stack.extend(criterion.children)
    return codes


def problems(text: str, lang: str, catalog: Catalog) -> list[str]:
    """What in a text could not be read aloud by a clerk in `lang`."""
    found = [f"operator `{op}`" for op in OPERATORS if op in text]
    for program in catalog.programs.values():  # a name is a name (Prepa Sí) in both languages
        text = text.replace(program.name.es, "").replace(program.name.en, "")
    found += [f"code `{c}`" for c in SNAKE.findall(text)]
    allowed = CODES_THAT_ARE_WORDS[lang]
    for word in WORD.findall(text):
        if word in _codes(catalog) and word not in allowed:
            found.append(f"code `{word}`")
        if word.lower() in FOREIGN[lang]:
            found.append(f"word `{word}` of the other language")
    return found


def _walk(results: list[CriterionResult], program: str,
          out: dict[tuple[str, str], dict[Any, CriterionResult]]) -> None:
    for result in results:
        out.setdefault((program, result.id), {})[result.result] = result
        _walk(result.children, program, out)


def _texts(catalog: Catalog) -> tuple[list[tuple[str, dict[str, str]]],
                                      dict[tuple[str, str], dict[Any, CriterionResult]]]:
    """Every verdict's reason and every criterion's result over the cases and a blank person."""
    reasons: list[tuple[str, dict[str, str]]] = []
    criteria: dict[tuple[str, str], dict[Any, CriterionResult]] = {}
    runs: list[dict[str, Any]] = [{"event_code": None, "person": {}, "household": [],
                                   "answers": {}, "as_of": date(2026, 3, 1), "programs": None}]
    for path in sorted((CATALOG / "tests").glob("*.yaml")):
        for case in read_cases(path, CATALOG):
            if "error" in case:
                continue
            runs.append({"event_code": case.get("event"), "person": dict(case["person"]),
                         "household": [dict(m) for m in case.get("household") or []],
                         "answers": dict(case.get("answers") or {}), "as_of": case["as_of"],
                         "programs": list(case["expect"]),
                         "current_programs": list(case.get("current_programs") or [])})
    for run in runs:
        for result in evaluate(catalog, **run).results:
            reasons.append((f"{result.program} {result.verdict}", result.reason))
            _walk(result.criteria, result.program, criteria)
    return reasons, criteria


def test_the_walk_reaches_every_criterion_met_and_not_met(catalog: Catalog) -> None:
    _, criteria = _texts(catalog)
    for program in catalog.programs.values():
        stack = list(program.criteria)
        while stack:
            criterion = stack.pop()
            seen = criteria.get((program.code, criterion.id), {})
            assert True in seen and False in seen, (program.code, criterion.id, set(seen))
            for lang in ("es", "en"):  # not met, it says what is, not the requirement again
                label = getattr(criterion.label, lang).rstrip(".")
                assert seen[False].text[lang].rstrip(".") != label, (program.code, criterion.id)
            stack.extend(criterion.children)
    assert sum(None in seen for seen in criteria.values()) >= len(catalog.programs)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_text_reads_aloud_in_one_language(catalog: Catalog, lang: str) -> None:
    reasons, criteria = _texts(catalog)
    bad = []
    for where, reason in reasons:
        bad += [f"{where}: {reason[lang]!r}: {p}" for p in problems(reason[lang], lang, catalog)]
    for (program, cid), outcomes in sorted(criteria.items()):
        for outcome, result in outcomes.items():
            text = result.text[lang]
            bad += [f"{program}.{cid} ({outcome}): {text!r}: {p}"
                    for p in problems(text, lang, catalog)]
    assert not bad, f"{len(bad)} texts cannot be read aloud:\n" + "\n".join(sorted(set(bad)))


def test_the_checker_catches_what_it_is_for(catalog: Catalog) -> None:
    assert problems("No tiene seguridad social (dato: imss; se requiere == none)", "es", catalog)
    assert problems("Vive en una zona de bajo desarrollo (dato: no; se requiere == sí / yes)",
                    "es", catalog)
    assert problems("Falta saber: health_coverage.", "es", catalog)
    assert problems("Has coverage del IMSS.", "en", catalog)
    assert not problems("Tiene seguridad social del IMSS; este programa es para quien no la tiene.",
                        "es", catalog)
    assert not problems("Has social-security coverage from the IMSS; this program is for people "
                        "without it.", "en", catalog)
