"""Evaluating a life event for one person and household: verdicts with reasons a clerk can read.

Pure: facts and a date in, per program a verdict (eligible / not_eligible / needs_information),
every criterion's result with the values it compared, documents, conflicts. No database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from redangel.common.bounds import FIRST_DAY, LAST_DAY, day_in_range
from redangel.eligibility.catalog import Catalog, Criterion, Event, Program, Question
from redangel.eligibility.compile import Comparison, Context
from redangel.eligibility.errors import AnswerError, UnknownCode
from redangel.eligibility.facts import typed
from redangel.eligibility.sentences import (
    UNKNOWN_LEAD,
    Phrase,
    fact_words,
    listed,
    one,
    sides,
)

ELIGIBLE, NOT_ELIGIBLE, NEEDS_INFORMATION = "eligible", "not_eligible", "needs_information"
NO_SIDES: dict[str, dict[str, str]] = {"es": {}, "en": {}}


@dataclass
class CriterionResult:
    """What one criterion gave, and the values behind it."""

    id: str
    label: dict[str, str]
    result: bool | None
    compared: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    children: list[CriterionResult] = field(default_factory=list)
    text: dict[str, str] = field(default_factory=dict)  # what is, read aloud (met or not)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"id": self.id, "label": self.label, "result": self.result,
                               "text": self.text, "compared": self.compared,
                               "missing": self.missing}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


@dataclass
class ProgramResult:
    """One program's verdict for this person, explained."""

    program: str
    agency: str
    name: dict[str, str]
    verdict: str
    reason: dict[str, str]
    legal_reference: str
    criteria: list[CriterionResult]
    missing: list[str]
    documents: list[dict[str, str]]
    manual_conditions: list[dict[str, str]]
    conflicts: list[dict[str, Any]]
    expected_days_to_decision: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"program": self.program, "agency": self.agency, "name": self.name,
                "verdict": self.verdict, "reason": self.reason,
                "legal_reference": self.legal_reference,
                "criteria": [c.to_dict() for c in self.criteria], "missing": self.missing,
                "documents": self.documents, "manual_conditions": self.manual_conditions,
                "conflicts": self.conflicts,
                "expected_days_to_decision": self.expected_days_to_decision}


@dataclass
class Evaluation:
    """The verdicts for a bundle, under one catalog version and date."""

    catalog_version: str
    event_code: str | None
    as_of: date
    results: list[ProgramResult]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"catalog_version": self.catalog_version, "event_code": self.event_code,
                "as_of": self.as_of.isoformat(), "results": [r.to_dict() for r in self.results]}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return f"{value[0]} {value[1]}"
    return value


def _coerce(question: Question, value: Any) -> Any:
    kind = question.type
    if kind == "date":
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError as exc:
            raise AnswerError(question.name, "must be a date YYYY-MM-DD") from exc
        if not day_in_range(day):
            raise AnswerError(question.name,
                              f"must be a date between {FIRST_DAY} and {LAST_DAY}")
        return day
    if kind == "boolean":
        if not isinstance(value, bool):
            raise AnswerError(question.name, "must be true or false")
        return value
    if kind in ("money", "number", "integer"):
        if isinstance(value, bool):
            raise AnswerError(question.name, "must be a number")
        try:
            number = Decimal(str(value))
        except ArithmeticError as exc:
            raise AnswerError(question.name, "must be a number") from exc
        if not number.is_finite() or abs(number) > 10**9:
            raise AnswerError(question.name, "is out of range")
        return number
    if kind == "enum":
        if str(value) not in question.options:
            raise AnswerError(question.name, f"must be one of {', '.join(question.options)}")
        return str(value)
    return str(value)[:200]


def check_answers(event: Event, answers: Mapping[str, Any], *,
                  require: bool = True) -> dict[str, Any]:
    """Answers typed as the event's questions declare; unknown names, wrong types and (with
    `require`) unanswered required questions refused."""
    questions = {q.name: q for q in event.questions}
    for name in answers:
        if name not in questions:
            raise AnswerError(name, "is not a question of this life event")
    checked = {}
    for name, question in questions.items():
        value = answers.get(name)
        if value is not None:
            checked[name] = _coerce(question, value)
        elif require and question.required:
            raise AnswerError(name, "is required for this life event")
    return checked


def _said(phrase: Phrase, lang: str, catalog: Catalog, ctx: Context,
          compared: Mapping[str, str]) -> str:
    """A criterion's phrase with the values it names said in `lang` (`compared`: the words of
    its comparison's sides)."""
    pieces = phrase.pieces
    if len(pieces) == 1:
        return pieces[0]
    words = list(pieces)
    for i in range(1, len(words), 2):
        name = words[i]
        words[i] = compared[name] if name in compared else fact_words(
            name, ctx.person, ctx.answers, catalog.facts, catalog.answer_types, lang)
    return "".join(one(words) if "1" in words else words)


def _text(criterion: Criterion, result: bool | None, missing: list[str], catalog: Catalog,
          ctx: Context, compared: Sequence[Comparison]) -> dict[str, str]:
    """What a criterion's outcome says: the fact as it is, or what is still to be known."""
    if result is None:
        return {lang: UNKNOWN_LEAD[lang] + listed([catalog.fact_label(m, lang) for m in missing])
                for lang in ("es", "en")}
    sentence = criterion.not_met if result is False else criterion.met
    assert sentence is not None  # the loader gives every criterion both
    if sentence.fixed is not None:
        return sentence.fixed  # shared by every result: read, never changed
    words = NO_SIDES
    if sentence.sides:  # the criterion's own comparison, not one inside a household aggregate
        shown = None
        for comparison in compared:
            if not comparison.in_member:
                if comparison.result is result:
                    shown = comparison
                    break
                shown = shown or comparison
        words = sides(shown, sentence.sides)
    return {"es": _said(sentence.es, "es", catalog, ctx, words["es"]),
            "en": _said(sentence.en, "en", catalog, ctx, words["en"])}


def _run(criterion: Criterion, ctx: Context, catalog: Catalog) -> CriterionResult:
    label = criterion.words  # shared by every result: read, never changed
    if criterion.kind == "leaf":
        assert criterion.fn is not None
        ctx.missing, ctx.comparisons = set(), []
        value = criterion.fn(ctx)
        comparisons: list[Comparison] = ctx.comparisons
        outcome = value if isinstance(value, bool) else None
        missing = sorted(ctx.missing) if value is None else []
        return CriterionResult(
            criterion.id, label, outcome,
            [{"actual": _plain(c.actual), "op": c.op, "threshold": _plain(c.threshold),
              "result": c.result} for c in comparisons if not c.in_member],
            missing, [], _text(criterion, outcome, missing, catalog, ctx, comparisons))
    children = [_run(child, ctx, catalog) for child in criterion.children]
    results = [c.result for c in children]
    if criterion.kind == "all_of":
        value = False if False in results else (None if None in results else True)
    elif criterion.kind == "any_of":
        value = True if True in results else (None if None in results else False)
    else:
        value = False if True in results else (None if None in results else True)
    missing = sorted({m for c in children for m in c.missing}) if value is None else []
    return CriterionResult(criterion.id, label, value, [], missing, children,
                           _text(criterion, value, missing, catalog, ctx, []))


def _causes(results: Sequence[CriterionResult], criteria: Sequence[Criterion]
            ) -> list[CriterionResult]:
    """The criteria that made a program not eligible, as deep as their sentences go: the failed
    leaves of a failed `all_of` / `any_of`, a failed `none_of` itself (its members held)."""
    out: list[CriterionResult] = []
    for result, criterion in zip(results, criteria, strict=True):
        if result.result is not False:
            continue
        deeper = (_causes(result.children, criterion.children)
                  if criterion.kind in ("all_of", "any_of") else [])
        out.extend(deeper or [result])
    return out


def _reason(verdict: str, program: Program, results: list[CriterionResult], missing: list[str],
            catalog: Catalog, in_force: bool) -> dict[str, str]:
    name = program.name
    if verdict == ELIGIBLE:
        checks = {"es": "", "en": ""}
        if program.manual:
            checks = {"es": " Falta que el personal verifique: "
                            + "; ".join(m.es.rstrip(".") for m in program.manual) + ".",
                      "en": " Staff must still check: "
                            + "; ".join(m.en.rstrip(".") for m in program.manual) + "."}
        return {"es": f"Cumple los requisitos de {name.es}.{checks['es']}",
                "en": f"Meets the requirements of {name.en}.{checks['en']}"}
    if verdict == NOT_ELIGIBLE:
        if not in_force:
            return {"es": f"{name.es} no está vigente en esta fecha.",
                    "en": f"{name.en} is not in force on this date."}
        failed = _causes(results, program.criteria)
        return {"es": f"No cumple los requisitos de {name.es}. "
                      + " ".join(r.text["es"] for r in failed),
                "en": f"Does not meet the requirements of {name.en}. "
                      + " ".join(r.text["en"] for r in failed)}
    return {"es": f"Para decidir sobre {name.es} falta saber: "
                  + listed([catalog.fact_label(m, "es") for m in missing]),
            "en": f"To decide on {name.en} we need to know: "
                  + listed([catalog.fact_label(m, "en") for m in missing])}


def evaluate_program(catalog: Catalog, program: Program, ctx: Context,
                     current: Collection[str]) -> ProgramResult:
    """One program's verdict in a prepared context."""
    results = [_run(c, ctx, catalog) for c in program.criteria]
    values = [r.result for r in results]
    in_force = not ((program.valid_from and ctx.as_of < program.valid_from) or (
        program.valid_to and ctx.as_of > program.valid_to))
    if not in_force:
        values.append(False)
    verdict = NOT_ELIGIBLE if False in values else (NEEDS_INFORMATION if None in values else ELIGIBLE)
    missing = sorted({m for r in results for m in r.missing}) if verdict == NEEDS_INFORMATION else []
    conflicts = []
    if program.code in current:
        conflicts.append({"program": program.code, "kind": "already_enrolled"})
    for other in program.excludes:
        if other in current:
            conflicts.append({"program": other, "kind": "excluded_by_current"})
    return ProgramResult(
        program=program.code, agency=program.agency, name=program.name.to_dict(), verdict=verdict,
        reason=_reason(verdict, program, results, missing, catalog, in_force),
        legal_reference=program.legal_reference, criteria=results, missing=missing,
        documents=[d.to_dict() for d in program.documents],
        manual_conditions=[d.to_dict() for d in program.manual], conflicts=conflicts,
        expected_days_to_decision=program.expected_days,
    )


def evaluate(catalog: Catalog, *, event_code: str | None, person: Mapping[str, Any],
             household: Sequence[Mapping[str, Any]], answers: Mapping[str, Any], as_of: date,
             current_programs: Collection[str] = (),
             programs: Collection[str] | None = None) -> Evaluation:
    """Evaluate a life event's bundle (or the given programs, or all) for one person."""
    checked: dict[str, Any] = {}
    if event_code is not None:
        if event_code not in catalog.events:
            raise UnknownCode("life event", event_code)
        event = catalog.events[event_code]
        checked = check_answers(event, answers)
        codes = list(programs) if programs is not None else event.programs
    else:
        if answers:
            raise AnswerError("answers", "answers need a life event")
        codes = list(programs) if programs is not None else list(catalog.programs)
    for code in codes:
        if code not in catalog.programs:
            raise UnknownCode("program", code)
    members: list[Mapping[str, Any]] = [typed(m, catalog.facts, f"household.{i}")
                                        for i, m in enumerate(household)]
    ctx = Context(person=typed(person, catalog.facts, "person"), members=members,
                  answers=checked, as_of=as_of, params=catalog.parameter)
    results = [evaluate_program(catalog, catalog.programs[c], ctx, current_programs)
               for c in codes]
    eligible = {r.program for r in results if r.verdict == ELIGIBLE}
    for result in results:
        for other in catalog.programs[result.program].excludes:
            if other in eligible and result.program in eligible:
                result.conflicts.append({"program": other, "kind": "mutually_exclusive"})
    return Evaluation(catalog.version, event_code, as_of, results)
