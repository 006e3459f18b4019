"""The demo population: deterministic, realistic, with CURPs built by the real rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

from redangel.demo.generate import REFERENCE_DATE, PopulationGenerator
from redangel.person import curp


def population(seed: int, persons: int = 5000) -> list:  # type: ignore[type-arg]
    return [p for h in PopulationGenerator(seed).persons(persons) for p in h.members]


def test_same_seed_same_people_other_seed_other_people() -> None:
    first, again, other = population(7), population(7), population(8)
    assert [(p.id, p.curp, p.given_names) for p in first] == [(p.id, p.curp, p.given_names) for p in again]
    assert [p.id for p in first] != [p.id for p in other]
    assert len(first) == 5000


def test_every_curp_is_valid_and_consistent_and_unique() -> None:
    people = population(11)
    curps = [p.curp for p in people if p.curp]
    assert len(set(curps)) == len(curps)
    for p in people:
        if p.curp:
            assert curp.problems(p.curp, birth_date=p.birth_date, sex=p.sex, birth_state=p.birth_state,
                                 given_names=p.given_names, first_surname=p.first_surname,
                                 second_surname=p.second_surname) == []


def test_about_two_percent_have_no_curp() -> None:
    share = sum(1 for p in population(3, 20_000) if p.curp is None) / 20_000
    assert 0.01 <= share <= 0.03


def test_households_include_children_elderly_and_single_mothers() -> None:
    households = list(PopulationGenerator(5).persons(5000))
    ages = [(REFERENCE_DATE - p.birth_date).days // 365 for h in households for p in h.members]
    assert any(a < 1 for a in ages) and any(a >= 68 for a in ages)
    single_mothers = [h for h in households if h.members[0].sex == "M"
                      and h.members[0].relationship == "head"
                      and all(m.relationship == "child" for m in h.members[1:]) and len(h.members) > 1]
    assert single_mothers
    names = Counter(p.given_names for h in households for p in h.members)
    assert any(" " in n for n in names) and any("á" in n or "é" in n or "í" in n or "ó" in n for n in names)
    assert {h.borough for h in households} >= {"iztapalapa", "milpa_alta", "cuauhtemoc"}
    assert all(h.postal_code.isdigit() and len(h.postal_code) == 5 for h in households)
    assert all(p.birth_date < date(2026, 1, 1) for h in households for p in h.members)
