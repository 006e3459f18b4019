"""Person and household facts typed as the schema declares, before any rule reads them.

The registry, a kiosk form or a test may hand over a date as text or an income as a float;
rules must see one type per fact. Values that cannot be read as their type are refused with
the fact's name (a data problem to fix, not a reason to decide), and NaN / None mean unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from redangel.eligibility.errors import FactError
from redangel.eligibility.model import Fact

RELATIONSHIPS = frozenset({"head", "spouse", "child", "parent", "grandparent", "other_relative",
                           "other"})
LIMIT = Decimal(10) ** 12


def _date(field: str, value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FactError(field, "must be a date YYYY-MM-DD")


def _number(field: str, value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise FactError(field, "must be a number")
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise FactError(field, "must be a number") from exc
    if number.is_nan():
        return None
    if not number.is_finite() or abs(number) > LIMIT:
        raise FactError(field, "is out of range")
    return number


def coerce(field: str, fact: Fact, value: Any) -> Any:
    """One fact's value as its schema type; None when it is unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    kind = fact.type
    if kind == "date":
        return _date(field, value)
    if kind in ("number", "money"):
        return _number(field, value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise FactError(field, "must be true or false")
        return value
    if not isinstance(value, str):
        raise FactError(field, "must be text")
    if fact.options and value not in fact.options:
        raise FactError(field, f"must be one of {', '.join(fact.options)}")
    return value


def typed(facts: Mapping[str, Any], schema: Mapping[str, Fact], prefix: str) -> dict[str, Any]:
    """A person's facts, typed; facts outside the schema are kept as given (rules cannot read them)."""
    out: dict[str, Any] = {}
    for name, given in facts.items():
        fact = schema.get(name)
        value = given if fact is None else coerce(f"{prefix}.{name}", fact, given)
        if fact is None and name == "relationship" and value is not None and value not in RELATIONSHIPS:
            raise FactError(f"{prefix}.relationship", f"must be one of {', '.join(sorted(RELATIONSHIPS))}")
        if value is not None:
            out[name] = value
    return out
