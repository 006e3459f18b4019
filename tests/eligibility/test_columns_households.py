"""Columnar outreach agrees with the one-person engine, household aggregates and event facts too."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from redangel.eligibility import evaluate, evaluate_columns, load_catalog
from redangel.eligibility.catalog import Catalog
from redangel.eligibility.columns import Vectoriser, aggregate_key
from redangel.eligibility.columnspec import required_columns
from redangel.eligibility.compile import Context, Scope, compile_expression
from redangel.eligibility.expr import Node, parse

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
AS_OF = date(2026, 2, 28)
CODES = {"not_eligible": 0, "eligible": 1, "needs_information": 2}


def _birth(rng: random.Random) -> date | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.5:  # around a birthday: exactly N years, or a day either side
        years = rng.choice([0, 1, 6, 14, 15, 17, 18, 29, 30, 64, 65, 67, 68, 70])
        return date(AS_OF.year - years, AS_OF.month, AS_OF.day) + timedelta(days=rng.choice([-1, 0, 1]))
    if roll < 0.55:
        return date(rng.choice([1960, 2008, 2012, 2024]), 2, 29)
    return AS_OF - timedelta(days=rng.randint(0, 95 * 365))


def _facts(catalog: Catalog, rng: random.Random) -> dict[str, Any]:
    facts: dict[str, Any] = {"birth_date": _birth(rng)}
    for name, fact in catalog.facts.items():
        if rng.random() < 0.1 or name == "birth_date":
            continue
        if fact.options:
            facts[name] = rng.choice(fact.options)
        elif fact.type == "bool":
            facts[name] = rng.random() < 0.5
        elif fact.type == "money":
            facts[name] = Decimal(rng.choice(["0", "4000", "9450", "18900", "18900.01", "30000"]))
        elif fact.type == "number":
            facts[name] = Decimal(rng.choice(["8.9", "9", "9.5"]))
        elif fact.type == "date":
            facts[name] = AS_OF - timedelta(days=rng.choice([0, 1095, 1096, 1094, 4000]))
    return {k: v for k, v in facts.items() if v is not None}


def _aggregates(catalog: Catalog) -> dict[str, Node]:
    found: dict[str, Node] = {}

    def walk(node: Node) -> None:
        if node.kind == "aggregate":
            found[aggregate_key(node)] = node
        for child in node.children:
            walk(child)

    def criteria(items: list[Any]) -> None:
        for item in items:
            if item.node is not None:
                walk(item.node)
            criteria(item.children)

    for program in catalog.programs.values():
        criteria(program.criteria)
    return found


def _column(values: list[Any], kind: str) -> np.ndarray:
    if kind == "date":
        return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[D]")
    if kind in ("number", "money"):
        return np.array([np.nan if v is None else float(v) for v in values])
    return np.array(values, dtype=object)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def test_whole_catalog_agrees_on_random_households(catalog: Catalog) -> None:
    rng = random.Random(20261122)
    scope = Scope({n: f.type for n, f in catalog.facts.items()}, {}, {}, "test", 0)
    aggregates = {key: compile_expression(node, scope)[0] for key, node in _aggregates(catalog).items()}
    people, homes, answers = [], [], []
    for _ in range(2500):
        people.append(_facts(catalog, rng))
        homes.append([{**_facts(catalog, rng), "relationship": rng.choice(
            ["child", "child", "spouse", "parent", "other"])} for _ in range(rng.randint(0, 3))])
        answers.append({"child_birth_date": AS_OF - timedelta(days=rng.choice([0, 364, 365, 366, 500])),
                        "job_end_date": AS_OF - timedelta(days=rng.choice([0, 181, 184, 400])),
                        "formal_job": rng.random() < 0.5, "provider_died": rng.random() < 0.5,
                        "provider_disabled": rng.choice([True, False, None])})
    spec = required_columns(catalog)
    columns: dict[str, np.ndarray] = {}
    for name, kind in spec.items():
        if name.startswith("household."):
            values = []
            for person, home in zip(people, homes, strict=True):
                ctx = Context(person=person, members=home, answers={}, as_of=AS_OF,
                              params=catalog.parameter)
                values.append(aggregates[name](ctx))
            columns[name] = _column(values, kind)
        elif name.startswith("event."):
            columns[name] = _column([a.get(name[6:]) for a in answers], kind)
        else:
            columns[name] = _column([p.get(name) for p in people], kind)
    for code in catalog.programs:
        vector = evaluate_columns(catalog, program_code=code, columns=columns, as_of=AS_OF)
        needed = {n[6:] for n in required_columns(catalog, code) if n.startswith("event.")}
        event_code = next((e.code for e in catalog.events.values() if code in e.programs and needed
                           <= {q.name for q in e.questions}), None) if needed else None
        for i, (person, home) in enumerate(zip(people, homes, strict=True)):
            given = {}
            if event_code is not None:
                questions = {q.name for q in catalog.events[event_code].questions}
                given = {k: v for k, v in answers[i].items() if k in questions and v is not None}
            (result,) = evaluate(catalog, event_code=event_code, person=person, household=home,
                                 answers=given, as_of=AS_OF, programs=[code]).results
            assert CODES[result.verdict] == vector[i], (code, person, home, given, result.reason)


def test_required_columns_name_facts_events_and_aggregates(catalog: Catalog) -> None:
    spec = required_columns(catalog, "bebe_seguro")
    assert spec["event.child_birth_date"] == "date"
    assert spec["monthly_income"] == "money"
    assert sum(1 for name in spec if name.startswith("household.")) == 2
    assert set(required_columns(catalog, "pension_adultos_mayores")) == {"birth_date", "resident_since"}


def test_date_shifts_clamp_to_the_end_of_the_month(catalog: Catalog) -> None:
    scope = Scope({n: f.type for n, f in catalog.facts.items()}, {}, {}, "test", 0)
    for text in ("person.resident_since + 1 months <= today", "person.resident_since + 2 years > today",
                 "today - 13 months >= person.resident_since"):
        _check_shift(catalog, scope, text)


def _check_shift(catalog: Catalog, scope: Scope, text: str) -> None:
    node = parse(text, file="test", line=1)
    fn, _ = compile_expression(node, scope)
    days = [date(2026, 1, 31), date(2026, 1, 28), date(2025, 12, 31), date(2024, 1, 29),
            date(2024, 2, 29), date(2024, 2, 28), date(2025, 1, 31), date(2025, 1, 28)]
    for as_of in (date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 2, 1)):
        vec = Vectoriser({"resident_since": np.array(days, dtype="datetime64[D]")}, len(days), as_of,
                         catalog)
        values, known = vec.run(node)
        for i, day in enumerate(days):
            ctx = Context(person={"resident_since": day}, members=[], answers={}, as_of=as_of,
                          params=catalog.parameter)
            assert bool(values[i] and known[i]) == fn(ctx), (text, day, as_of)
