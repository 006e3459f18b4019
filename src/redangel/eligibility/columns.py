"""Whole-registry evaluation over columns (numpy): the same rules, vectorised, for outreach.

Each fact arrives as a column: numbers as float arrays, dates as `datetime64[D]`, booleans as
bool arrays, text as object arrays, with NaN / NaT / None meaning unknown. Household aggregates
are supplied by the caller as precomputed per-person columns named after the aggregate's text
(see `aggregate_key`); event facts are unknown unless given as `event.<name>` columns.
Result per person: 0 not eligible, 1 eligible, 2 needs information.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np

from redangel.eligibility.catalog import Catalog, Criterion
from redangel.eligibility.errors import EligibilityError, UnknownCode
from redangel.eligibility.expr import Node

Column = tuple[np.ndarray, np.ndarray]  # values, known


def aggregate_key(node: Node) -> str:
    """The column name a caller provides for a household aggregate."""
    spec: tuple[str, str | None] = node.value  # type: ignore[assignment]
    function, fact = spec
    return f"household.{function}.{fact or ''}.{_text(node.children[0])}"


def _text(node: Node) -> str:
    if node.children:
        return f"{node.kind}:{node.value}(" + ",".join(_text(c) for c in node.children) + ")"
    return f"{node.kind}:{node.value}"


_KNOWN_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _known(values: np.ndarray) -> np.ndarray:
    """Where a column holds a value (cached by identity: a registry's columns are reused)."""
    cached = _KNOWN_CACHE.get(id(values))
    if cached is not None and cached[0] is values:
        return cached[1]
    known = _known_now(values)
    if len(_KNOWN_CACHE) > 64:
        _KNOWN_CACHE.clear()
    _KNOWN_CACHE[id(values)] = (values, known)
    return known


def _bools(values: np.ndarray) -> np.ndarray:
    return values if values.dtype == np.bool_ else values.astype(bool)


def _known_now(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        known: np.ndarray = ~np.isnan(values)
    elif values.dtype.kind == "M":
        known = ~np.isnat(values)
    elif values.dtype.kind == "O":
        known = np.asarray(values != None, dtype=bool)  # noqa: E711 - elementwise on objects
    else:
        known = np.ones(values.shape, dtype=bool)
    return known


_YMD_CACHE: dict[int, tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day columns of a date column (cached: ages are asked for often)."""
    cached = _YMD_CACHE.get(id(days))
    if cached is not None and cached[0] is days:
        return cached[1]
    parts = _split(days)
    if len(_YMD_CACHE) > 8:
        _YMD_CACHE.clear()
    _YMD_CACHE[id(days)] = (days, parts)
    return parts


def _split(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    safe = np.where(np.isnat(days), np.datetime64("2000-01-01"), days)
    years = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    months = safe.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (safe - safe.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, day


class Vectoriser:
    """Evaluates expression trees over columns of n persons."""

    def __init__(self, columns: Mapping[str, np.ndarray], n: int, as_of: date,
                 catalog: Catalog) -> None:
        self.columns, self.n, self.as_of, self.catalog = columns, n, as_of, catalog

    def unknown(self) -> Column:
        return np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=bool)

    def scalar(self, value: Any) -> Column:
        if isinstance(value, date):
            array = np.full(self.n, np.datetime64(value, "D"))
        elif isinstance(value, (bool, np.bool_)):
            array = np.full(self.n, bool(value))
        elif isinstance(value, str):
            array = np.full(self.n, value, dtype=object)
        elif value is None:
            return self.unknown()
        else:
            array = np.full(self.n, float(value))
        return array, np.ones(self.n, dtype=bool)

    def run(self, node: Node) -> Column:  # noqa: PLR0915 - a branch per node kind
        kind = node.kind
        if kind in ("number", "money", "date", "string", "bool"):
            return self.scalar(node.value)
        if kind == "unknown":
            return self.unknown()
        if kind == "duration":  # read by the date arithmetic around it
            return np.zeros(self.n), np.ones(self.n, dtype=bool)
        if kind == "name":
            name = str(node.value)
            if name == "today":
                return self.scalar(self.as_of)
            key = name.split(".", 1)[1] if name.startswith("person.") else name
            values = self.columns.get(key)
            if values is None:
                return self.unknown()
            return values, _known(values)
        if kind == "call":
            return self.call(node)
        if kind == "aggregate":
            values = self.columns.get(aggregate_key(node))
            return self.unknown() if values is None else (values, _known(values))
        if kind == "not":
            value, known = self.run(node.children[0])
            return ~_bools(value), known
        if kind in ("and", "or"):
            (a, ka), (b, kb) = (self.run(c) for c in node.children)
            a, b = _bools(a), _bools(b)
            if kind == "and":
                false = (ka & ~a) | (kb & ~b)
                return (a & b), false | (ka & kb)
            true = (ka & a) | (kb & b)
            return true, true | (ka & kb)
        if kind == "cmp":
            literal = self.literal_equality(node)
            if literal is not None:
                return literal
            (a, ka), (b, kb) = (self.run(c) for c in node.children)
            ops = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                   ">": np.greater, ">=": np.greater_equal}
            known = ka & kb
            if a.dtype.kind == "O" or b.dtype.kind == "O":
                result = np.zeros(self.n, dtype=bool)
                result[known] = ops[str(node.value)](a[known], b[known])
                return result, known
            with np.errstate(invalid="ignore"):
                return ops[str(node.value)](a, b) & known, known
        if kind == "in":
            value, known = self.run(node.children[0])
            if value.dtype.kind == "O":
                hit = np.zeros(self.n, dtype=bool)
                for option in node.children[1:]:
                    wanted: Any = option.value
                    hit |= np.asarray(np.equal(value, wanted), dtype=np.bool_)
                return hit & known, known
            options = np.array([c.value for c in node.children[1:]])
            return np.isin(value, options) & known, known
        if kind == "arith":
            (a, ka), (b, kb) = (self.run(c) for c in node.children)
            op = str(node.value)
            if a.dtype.kind == "M":
                span: tuple[int, str] = node.children[1].value  # type: ignore[assignment]
                amount, unit = span
                sign = 1 if op == "+" else -1
                step = {"days": "D", "months": "M", "years": "Y"}[unit]
                delta = np.array(sign * amount).astype(f"timedelta64[{step}]")
                if step == "D":
                    return a + delta, ka
                month = a.astype("datetime64[M]")
                target = month + delta.astype("timedelta64[M]")
                last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
                shifted = np.minimum(target.astype("datetime64[D]") + (a - month.astype("datetime64[D]")),
                                     last)
                return shifted, ka
            with np.errstate(divide="ignore", invalid="ignore"):
                result = {"+": np.add, "-": np.subtract, "*": np.multiply,
                          "/": np.divide}[op](a.astype(float), b.astype(float))
            return result, ka & kb & np.isfinite(result)
        if kind == "if":
            (c, kc), (y, ky), (n, kn) = (self.run(child) for child in node.children)
            c = c.astype(bool)
            return np.where(c, y, n), kc & np.where(c, ky, kn)
        raise ValueError(f"cannot vectorise {kind}")

    def literal_equality(self, node: Node) -> Column | None:
        """`fact == "text"` (or true/false) without materialising the literal as a column."""
        left, right = node.children
        if node.value not in ("==", "!=") or right.kind not in ("string", "bool"):
            return None
        values, known = self.run(left)
        literal: Any = right.value
        hit = np.asarray(np.equal(values, literal), dtype=np.bool_)
        return (hit if node.value == "==" else ~hit) & known, known

    def call(self, node: Node) -> Column:
        name = str(node.value)
        if name == "param":
            return self.scalar(self.catalog.parameter(str(node.children[0].value), self.as_of))
        columns = [self.run(c) for c in node.children]
        if name == "is_known":
            return columns[0][1].copy(), np.ones(self.n, dtype=bool)
        if any(values.dtype.kind != "M" for values, _ in columns):  # an unknown date
            return np.zeros(self.n), np.zeros(self.n, dtype=bool)
        ay: Any
        am: Any
        ad: Any
        if name in ("age", "age_months"):
            (born, known) = columns[0]
            ay, am, ad = self.as_of.year, self.as_of.month, self.as_of.day
        elif name in ("age_at", "months_between"):
            (born, kb), (at, ka) = columns
            known = kb & ka
            ay, am, ad = _ymd(at)
        else:
            raise ValueError(f"cannot vectorise {name}")
        by, bm, bd = _ymd(born)
        if name in ("age", "age_at"):
            value = ay - by - ((am < bm) | ((am == bm) & (ad < bd)))
        else:
            value = (ay - by) * 12 + am - bm - (ad < bd)
        return value.astype(float), known


def _criterion(vec: Vectoriser, criterion: Criterion) -> Column:
    if criterion.kind == "leaf":
        assert criterion.node is not None
        value, known = vec.run(criterion.node)
        return value.astype(bool) & known, known
    parts = [_criterion(vec, c) for c in criterion.children]
    if criterion.kind == "all_of":
        false = np.logical_or.reduce([k & ~v for v, k in parts])
        true = np.logical_and.reduce([k & v for v, k in parts])
        return true, true | false
    if criterion.kind == "any_of":
        true = np.logical_or.reduce([k & v for v, k in parts])
        false = np.logical_and.reduce([k & ~v for v, k in parts])
        return true, true | false
    true_any = np.logical_or.reduce([k & v for v, k in parts])
    all_false = np.logical_and.reduce([k & ~v for v, k in parts])
    return all_false, all_false | true_any


def evaluate_columns(catalog: Catalog, *, program_code: str, columns: Mapping[str, np.ndarray],
                     as_of: date) -> np.ndarray:
    """Verdict codes for every person in the columns: 0 not eligible, 1 eligible, 2 unknown."""
    if program_code not in catalog.programs:
        raise UnknownCode("program", program_code)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise EligibilityError("columns must be given, all of the same length")
    n = lengths.pop()
    vec = Vectoriser(columns, n, as_of, catalog)
    program = catalog.programs[program_code]
    any_false = np.zeros(n, dtype=bool)
    all_true = np.ones(n, dtype=bool)
    for criterion in program.criteria:
        value, known = _criterion(vec, criterion)
        any_false |= known & ~value
        all_true &= known & value
    if (program.valid_from and as_of < program.valid_from) or (
        program.valid_to and as_of > program.valid_to
    ):
        any_false[:] = True
    return np.where(any_false, 0, np.where(all_true, 1, 2)).astype(np.int8)
