"""Random conditions give the same three-valued answer in the one-person and columnar interpreters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from redangel.eligibility import load_catalog
from redangel.eligibility.columns import Vectoriser
from redangel.eligibility.compile import Context, Scope, compile_expression
from redangel.eligibility.expr import parse

CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "life_events")
SCOPE = Scope({n: f.type for n, f in CATALOG.facts.items()}, {}, {"salario_minimo_mensual": "money"},
              "test", 0)
AS_OF = date(2026, 3, 1)
ATOMS = ["person.studying == true", "person.pregnant != false", "age(person.birth_date) >= 18",
         "person.monthly_income <= $9450", "person.monthly_income * 2 > param(\"salario_minimo_mensual\")",
         'person.sex in ["M", "X"]', "unknown", "true", "months_between(person.resident_since, today) < 36"]

conditions = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"not ({x})"),
        st.tuples(inner, inner, inner).map(lambda t: f"(if {t[0]} then {t[1]} else {t[2]})"),
    ),
    max_leaves=8,
)
people = st.fixed_dictionaries({}, optional={
    "studying": st.booleans(), "pregnant": st.booleans(), "sex": st.sampled_from(["H", "M", "X"]),
    "birth_date": st.dates(date(1940, 1, 1), AS_OF),
    "resident_since": st.dates(date(2020, 1, 1), AS_OF),
    "monthly_income": st.sampled_from([Decimal(0), Decimal(4725), Decimal("9450"), Decimal(20000)]),
})


def _columns(persons: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for name in ("studying", "pregnant", "sex"):
        cols[name] = np.array([p.get(name) for p in persons], dtype=object)
    for name in ("birth_date", "resident_since"):
        cols[name] = np.array([p.get(name, "NaT") for p in persons], dtype="datetime64[D]")
    cols["monthly_income"] = np.array([float(p.get("monthly_income", np.nan)) for p in persons])
    return cols


@settings(max_examples=150, deadline=None)
@given(conditions, st.lists(people, min_size=1, max_size=25))
def test_columns_and_closures_agree(text: str, persons: list[dict[str, Any]]) -> None:
    node = parse(text, file="test", line=1)
    fn, _ = compile_expression(node, SCOPE, want="bool")
    values, known = Vectoriser(_columns(persons), len(persons), AS_OF, CATALOG).run(node)
    values, known = np.broadcast_to(values, len(persons)), np.broadcast_to(known, len(persons))
    for i, person in enumerate(persons):
        expected = fn(Context(person=person, members=[], answers={}, as_of=AS_OF,
                              params=CATALOG.parameter))
        got = bool(values[i]) if known[i] else None
        assert got == expected, (text, person)
