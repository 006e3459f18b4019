"""A DCI search's query read into what the registry can answer, or the reason it cannot.

Two of the standard's query forms are answered:

- `idtype-value`: `{"type": "CURP", "value": "..."}` — the one identifier the registry holds
  (`UIN`, the standard's name for a unique identification number, is read as the CURP);
- a predicate list: `[{"seq_num": 1, "expression1": {"attribute_name": "YOB", "operator": "ge",
  "attribute_value": 1950}, "condition": "and", "expression2": {...}}, ...]`, every item of the
  list required (`and`), each item one predicate or two joined by `and`, `or` or `not`
  (the first and not the second).

The attributes a predicate may name, and the operators each takes, are in `ATTRIBUTES`; each is
a field of the person, and an agency may only filter (and sort) on fields its allowlist gives it,
or a filter would tell it what it may not see. Names match by words, in any part of the name,
as the registry's own search does. A query language (`{"type": ..., "value": {"expression":
...}}`) is not run: its search is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from redangel.agency.dci_schemas import Predicate, PredicateStep, Sort
from redangel.common import names
from redangel.common.types import BOROUGHS
from redangel.dci.codes import SearchReason
from redangel.person import curp as curp_rules


class Unanswerable(Exception):
    """The search cannot be answered: the standard's reason code and why, in words."""

    def __init__(self, reason: SearchReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Attribute:
    """An attribute a predicate may name: the person field it reads and its operators."""

    field: str
    operators: frozenset[str]


_ORDERED = frozenset({"eq", "gt", "lt", "ge", "le", "in"})
_EQUAL = frozenset({"eq", "in"})
ATTRIBUTES: dict[str, Attribute] = {
    "curp": Attribute("curp", _EQUAL),
    "given_name": Attribute("given_names", frozenset({"eq"})),
    "surname": Attribute("first_surname", frozenset({"eq"})),
    "birth_date": Attribute("birth_date", _ORDERED),
    "yob": Attribute("birth_date", _ORDERED),
    "sex": Attribute("sex", _EQUAL),
    "borough": Attribute("borough", _EQUAL),
    "postal_code": Attribute("postal_code", _EQUAL),
}
"""Attribute names as the standard's examples spell them (case does not matter)."""

ALIASES = {"uin": "curp", "first_name": "given_name", "given_names": "given_name", "last_name": "surname",
           "first_surname": "surname", "second_surname": "surname", "dob": "birth_date",
           "birth_year": "yob", "gender": "sex"}

SORTS: dict[str, str] = {"birth_date": "birth_date", "name": "first_surname",
                         "surname": "first_surname", "registration_date": "id"}
"""Attributes a search may be sorted by, and the allowlisted field each needs."""

_SEX = {"female": "M", "f": "M", "m": "H", "male": "H", "h": "H", "other": "X", "x": "X"}
"""The standard's sex codes to the registry's (CURP's: H hombre, M mujer, X)."""


@dataclass(frozen=True)
class Test:
    """One predicate, its value(s) already in the registry's terms."""

    attribute: str
    operator: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Joined:
    """Two parts joined: `and`, `or`, or `not` (the left and not the right)."""

    condition: str
    left: Query
    right: Query


Query = Test | Joined


@dataclass(frozen=True)
class Order:
    """How to order the records found."""

    attribute: str
    descending: bool


def _invalid(message: str) -> Unanswerable:
    return Unanswerable("rjct.search_criteria.invalid", message)


def _curp(value: object) -> str:
    if not isinstance(value, str):
        raise _invalid("a CURP is written as text")
    curp = curp_rules.normalise(value[:40])
    if curp_rules.problems(curp):
        raise _invalid("the value is not a valid CURP")
    return curp


def _day(value: object) -> date:
    if isinstance(value, str):
        try:
            return (datetime.fromisoformat(value).date() if "T" in value
                    else date.fromisoformat(value))
        except ValueError:
            pass
    raise _invalid("a birth date is written YYYY-MM-DD")


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise _invalid("a year of birth is written as four digits")
    year = int(value)
    if not 1880 <= year <= 2200:
        raise _invalid("a year of birth is written as four digits")
    return year


def _value(attribute: str, value: object) -> Any:
    if attribute == "curp":
        return _curp(value)
    if attribute == "birth_date":
        return _day(value)
    if attribute == "yob":
        return _year(value)
    if attribute == "sex":
        code = _SEX.get(str(value).lower()) if isinstance(value, str) else None
        if code is None:
            raise _invalid("sex is female, male or other")
        return code
    if attribute == "borough":
        if value not in BOROUGHS:
            raise _invalid("the borough is not one of the city's")
        return value
    if attribute == "postal_code":
        if not (isinstance(value, str) and len(value) == 5 and value.isdigit()):
            raise _invalid("a postal code is five digits")
        return value
    if not isinstance(value, str) or not names.terms(value):
        raise _invalid("a name is written in letters")
    return tuple(names.terms(value[:120]))


def _test(predicate: Predicate, allowed: frozenset[str]) -> Test:
    raw = predicate.attribute_name.lower()
    name = ALIASES.get(raw, raw)
    attribute = ATTRIBUTES.get(name)
    if attribute is None or attribute.field not in allowed:
        open_ = sorted(a for a, at in ATTRIBUTES.items() if at.field in allowed)
        raise _invalid(f"the attribute {predicate.attribute_name} cannot be searched; "
                       f"these can: {', '.join(open_)}")
    if predicate.operator not in attribute.operators:
        raise _invalid(f"{predicate.attribute_name} takes the operators "
                       f"{', '.join(sorted(attribute.operators))}")
    given = predicate.attribute_value
    if predicate.operator == "in":
        if not isinstance(given, list) or not 1 <= len(given) <= 100:
            raise _invalid("the operator in takes a list of 1 to 100 values")
        values = tuple(_value(name, v) for v in given)
    else:
        values = (_value(name, given),)
    return Test(name, predicate.operator, values)


def _step(raw: object, allowed: frozenset[str]) -> tuple[float, Query]:
    try:
        step = PredicateStep.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _invalid(f"query.{where}: {first['msg']}") from exc
    left: Query = _test(step.expression1, allowed)
    if step.condition is not None or step.expression2 is not None:
        if step.condition is None or step.expression2 is None:
            raise _invalid("a condition joins expression1 and expression2: give both or neither")
        left = Joined(step.condition, left, _test(step.expression2, allowed))
    return float(step.seq_num or 0), left


def read(query: dict[str, Any] | list[Any], allowed: frozenset[str]) -> Query:
    """The query as tests on person fields, or `Unanswerable` saying why not."""
    if isinstance(query, list):
        if not 1 <= len(query) <= 20:
            raise _invalid("a predicate list has 1 to 20 items")
        steps = sorted((_step(item, allowed) for item in query), key=lambda s: s[0])
        combined = steps[0][1]
        for _, part in steps[1:]:
            combined = Joined("and", combined, part)
        return combined
    kind, value = query.get("type"), query.get("value")
    if isinstance(value, dict):
        raise _invalid("query languages are not run; send idtype-value or a predicate list")
    if not isinstance(kind, str) or kind.strip().upper() not in ("CURP", "UIN"):
        raise _invalid("the registry's identifier is the CURP: query.type must be CURP")
    if "curp" not in allowed:
        raise _invalid("the attribute CURP cannot be searched")
    return Test("curp", "eq", (_curp(value),))


def order(raw: object, allowed: frozenset[str]) -> Order | None:
    """The sort asked (the first of the list), or `Unanswerable` with the sort's code."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list) or len(raw) > 1:
        raise Unanswerable("rjct.sort.invalid", "sort by one attribute")
    try:
        sort = Sort.model_validate(raw[0])
    except ValidationError as exc:
        raise Unanswerable("rjct.sort.invalid", f"sort: {exc.errors()[0]['msg']}") from exc
    name = sort.attribute_name.lower()
    field = SORTS.get(name)
    if field is None or (field != "id" and field not in allowed):
        raise Unanswerable("rjct.sort.invalid",
                           f"sort by one of: {', '.join(sorted(SORTS))}")
    return Order(name, sort.sort_order == "desc")
