"""Families, namesakes and mistyped CURPs: the pairs that look alike but are two persons go to a
person's look, never straight to a merge."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from redangel.matching import assign, blocking, compare, table
from redangel.matching.engine import Record, Thresholds, link
from tests.matching.test_engine import _corrupt, _people


def _row(key: str, given: str, first: str, second: str | None, born: date | None, curp: str | None,
         sex: str = "M", borough: str | None = "IZTAPALAPA", postal: str | None = "09138") -> Record:
    return Record(key, given, first, second, born, sex, curp, borough, postal)


def _levels(left: Record, right: Record) -> dict[str, str]:
    built = table.build([left], [right])
    levels = compare.compare(built, np.array([0]), np.array([1]))[0]
    names = ("missing", "different", "close", "exact")
    return {field: names[level] for field, level in zip(compare.FIELDS, levels.tolist(), strict=True)}


@pytest.mark.parametrize(("one", "other", "level"), [
    ("JUAN CARLOS", "JUAN PABLO", "different"),  # brothers named alike at the start
    ("MARIA", "MARIA JOSE", "different"),
    ("JUAN CARLOS", "JUAN CRALOS", "close"),  # a typo
    ("MARIA GUADALUPE", "GUADALUPE", "close"),  # going by her second name
])
def test_given_names_alike_only_at_the_start_are_different(one, other, level):
    born = date(1980, 1, 2)
    left, right = _row("a", one, "PEREZ", "RUIZ", born, None), _row("b", other, "PEREZ", "RUIZ", born, None)
    assert _levels(left, right)["given_names"] == level


def test_close_curps_that_each_rows_birth_date_bears_out_are_two_persons():
    born_23, born_20 = date(1951, 11, 23), date(1951, 11, 20)
    one = _row("a", "JOSE", "HERNANDEZ", "HERNANDEZ", born_23, "HEHJ511123HDFRRS53", sex="H")
    other = _row("b", "JOSE", "HERNANDEZ", "HERNANDEZ", born_20, "HEHJ511120HDFRRS53", sex="H")
    assert _levels(one, other)["curp"] == "different"
    mistyped = replace(other, birth_date=born_23)  # same birth date: one CURP was typed wrong
    assert _levels(one, mistyped)["curp"] == "close"


def test_a_row_without_birth_date_is_compared_by_the_date_its_curp_says():
    curp_only = _row("a", "ALEJANDRO", "VIRREREZ", "LOPEZ", None, "VILA260317HDFRPL85", sex="H")
    younger = _row("b", "ALEJANDRO", "LOPEZ", "VIRREREZ", date(1966, 1, 28), None, sex="H")
    assert _levels(curp_only, younger)["birth_date"] == "different"
    same = replace(younger, birth_date=date(1926, 3, 17))
    assert _levels(curp_only, same)["birth_date"] == "exact"


@pytest.mark.parametrize(("curp", "said"), [
    ("VILA260317HDFRPL85", 19260317), ("GAHG031005MDFRRDD4", 20031005), ("XXXX99AB01HDFRRR01", -1),
    ("GAHG031345MDFRRD04", -1),
])
def test_the_birth_date_a_curp_says(curp, said):
    assert table.curp_birth(curp) == said


def test_surnames_swapped_and_a_given_name_mistyped_are_still_compared():
    one = _row("a", "CLATDIA", "PENA", "HERNANDEZ", date(1971, 1, 10), None, postal=None)
    other = _row("b", "CLAUDIA", "HERNANDEZ", "PENA", date(1971, 1, 10), "HEPC710110MDFRNL22",
                 postal=None)
    (left, right), _ = blocking.candidates(table.build([one], [other]))
    assert (left.tolist(), right.tolist()) == ([0], [1])


def _consistent(pairs: list[tuple[int, int, float]], incoming: int) -> list[bool]:
    a, b, logit = (np.array(column) for column in zip(*pairs, strict=True))
    kept = assign.consistent(a.astype(np.int64), b.astype(np.int64), logit.astype(np.float64),
                             np.ones(len(pairs), dtype=bool), incoming)
    return [bool(k) for k in kept]


def test_a_row_is_one_registry_person_only_when_one_clearly_wins():
    # row 0 against registry records 2 and 3
    assert _consistent([(0, 2, 30.0), (0, 3, 25.0)], incoming=2) == [False, False]
    assert _consistent([(0, 2, 40.0), (0, 3, 25.0)], incoming=2) == [True, False]


def test_two_rows_of_two_registry_persons_are_not_joined():
    pairs = [(0, 2, 40.0), (1, 3, 40.0), (0, 1, 20.0)]
    assert _consistent(pairs, incoming=2) == [True, True, False]


def test_a_row_left_between_two_persons_is_not_joined_to_either_through_a_third_row():
    pairs = [(0, 2, 30.0), (0, 3, 29.0), (1, 3, 40.0), (0, 1, 20.0)]
    assert _consistent(pairs, incoming=2) == [False, False, True, False]


def test_two_rows_claiming_one_person_are_left_as_the_same_person_twice():
    assert _consistent([(0, 2, 30.0), (1, 2, 31.0)], incoming=2) == [True, True]


@pytest.fixture(scope="module")
def families() -> tuple[list[Record], list[Record]]:
    """A registry with a few families beside strangers, and a roll that repeats them as rows."""
    rng = random.Random(21)
    registry = _people(600, rng)
    incoming = [_corrupt(person, f"row-{i}", rng) for i, person in enumerate(rng.sample(registry, 250))]
    twin = _row("twin", "MARIA", "RALLALES", "RAXOZA", date(1937, 2, 7), "RARM370207MDFLXR04")
    father = _row("father", "JOSE LUIS", "QUIBOREZ", "SALAZAR", date(1950, 5, 6), None, sex="H",
                  postal="12346")
    namesake_1 = _row("namesake-1", "GABRIELA", "TLATELPA", "CUAUTLE", date(1958, 11, 1), None,
                      borough=None, postal=None)
    namesake_2 = replace(namesake_1, key="namesake-2")
    registry += [twin, father, namesake_1, namesake_2]
    incoming += [
        _row("twin-sister", "ROSA MARIA", "RALLALES", None, date(1937, 2, 7), None),
        _row("son", "JOSE LUIS", "QUIBOREZ", "SALAZAR", date(1983, 11, 18), None, sex="H", postal="12346"),
        replace(namesake_1, key="namesake-row"),
    ]
    return incoming, registry


@pytest.mark.parametrize(("row", "persons"), [
    ("twin-sister", {"twin"}), ("son", {"father"}), ("namesake-row", {"namesake-1", "namesake-2"}),
])
def test_families_and_namesakes_go_to_review_not_to_a_merge(families, row, persons):
    incoming, registry = families
    thresholds = Thresholds()
    pairs = [p for p in link(incoming, registry, thresholds).pairs if p.left == row]
    asked = {p.right for p in pairs}
    assert persons <= asked  # the steward sees them
    assert all(p.probability < thresholds.link for p in pairs), pairs


def test_the_copies_of_a_family_roll_still_link(families):
    incoming, registry = families
    thresholds = Thresholds()
    linked = {p.left for p in link(incoming, registry, thresholds).pairs
              if p.probability >= thresholds.link and p.right.startswith("person-")}
    copies = {r.key for r in incoming if r.key.startswith("row-")}
    assert len(copies - linked) <= 3
