"""The rule language: parsing, type checking at load time, three-valued logic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from redangel.eligibility.compile import Context, Scope, compile_expression, months_between
from redangel.eligibility.errors import CatalogError
from redangel.eligibility.expr import parse
from redangel.eligibility.yamlfile import read

SCOPE = Scope(person={"birth_date": "date", "monthly_income": "money", "sex": "string",
                      "studying": "bool", "grade_average": "number"},
              event={"job_end_date": "date"}, params={"salario": "money"}, file="f.yaml", line=7)


def run(text: str, person: dict | None = None, members: list | None = None,
        answers: dict | None = None) -> object:
    fn, _ = compile_expression(parse(text, file="f.yaml", line=7), SCOPE)
    ctx = Context(person or {}, members or [], answers or {}, date(2026, 3, 1),
                  lambda name, day: Decimal("9450"))
    return fn(ctx)


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3 == 7", True),
    ("(1 + 2) * 3 == 9", True),
    ("$100.50 > 100", True),
    ("2026-03-01 - 6 months == 2025-09-01", True),
    ("2024-01-31 + 1 month == 2024-02-29", True),
    ('(if 1 < 2 then "a" else "b") == "a"', True),
    ('"H" in ["H", "M"]', True),
    ("not (1 > 2)", True),
    ("age(2008-03-01) == 18", True),
    ("age(2008-03-02) == 17", True),
    ("age_months(2025-03-01) == 12", True),
    ('param("salario") * 2 == 18900', True),
])
def test_expressions(text: str, expected: object) -> None:
    assert run(text) == expected


def test_three_valued_logic() -> None:
    assert run("person.studying == true") is None
    assert run("person.studying == true and 1 > 2") is False
    assert run("person.studying == true or 1 < 2") is True
    assert run("not (person.studying == true)") is None
    assert run("is_known(person.studying)") is False


def test_aggregates_over_members() -> None:
    members = [{"monthly_income": Decimal(1000), "sex": "M", "birth_date": date(2020, 1, 1)},
               {"monthly_income": Decimal(2500), "sex": "H", "birth_date": date(1980, 1, 1)}]
    assert run('count(members where age(member.birth_date) < 15) == 1', members=members) is True
    assert run("sum(members.monthly_income where member.sex == \"H\") == 2500", members=members)
    assert run('any(members where member.sex == "M")', members=members) is True
    assert run('all(members where member.sex == "M")', members=members) is False


@pytest.mark.parametrize(("text", "message"), [
    ("person.birth_date > $100", "cannot compare a date with a money"),
    ("person.brith_date > 2000-01-01", "unknown fact `person.brith_date`"),
    ('param("nope") > 1', "unknown parameter"),
    ("person.sex > 1", "cannot compare"),
    ("member.sex == \"M\"", "unknown fact `member.sex`"),
    ("age(1)", "unknown function"),
    ("1 +", "unexpected"),
    ("__import__('os')", "unexpected character"),
    ("person.studying == true; drop", "unexpected character"),
])
def test_errors_at_load_name_file_and_line(text: str, message: str) -> None:
    with pytest.raises(CatalogError) as error:
        compile_expression(parse(text, file="f.yaml", line=7), SCOPE, want="bool")
    assert message in str(error.value)
    assert str(error.value).startswith("f.yaml:7:")


def test_a_criterion_must_be_a_condition() -> None:
    with pytest.raises(CatalogError, match="must be a condition"):
        compile_expression(parse("1 + 1", file="f.yaml", line=7), SCOPE, want="bool")


def test_strict_yaml_refuses_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("code: a\nname: b\ncode: c\n")
    with pytest.raises(CatalogError) as error:
        read(path, tmp_path)
    assert error.value.line == 3 and "duplicate key" in str(error.value)


def test_months_between() -> None:
    assert months_between(date(2025, 9, 1), date(2026, 3, 1)) == 6
    assert months_between(date(2025, 9, 2), date(2026, 3, 1)) == 5
