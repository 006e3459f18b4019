"""Calendar arithmetic and value handling shared by the interpreter: ages, months, shifts.

Kept apart from the compiler so that the rules about dates (a birthday on 29 February, a month
without a 31st) live in one small place both the one-person engine and its tests read.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

Value = Any


def months_between(a: date, b: date) -> int:
    """Whole months from a to b (negative when b is earlier)."""
    months = (b.year - a.year) * 12 + b.month - a.month
    if b.day < a.day:
        months -= 1
    return months


def years_between(a: date, b: date) -> int:
    """Whole years from a to b: an age."""
    return (b.year - a.year) - ((b.month, b.day) < (a.month, a.day))


def shift(day: date, amount: int, unit: str) -> date:
    if unit == "days":
        return date.fromordinal(day.toordinal() + amount)
    months = day.month - 1 + amount * (12 if unit == "years" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError("unreachable")


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}


def holds(op: str, a: Value, b: Value) -> bool:
    """Whether `a op b` holds (both known)."""
    return bool(OPERATORS[op](a, b))


def num(value: Value) -> Value:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return value
