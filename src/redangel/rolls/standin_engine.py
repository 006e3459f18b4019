"""A small deterministic linker with the probabilistic engine's interface (`Record`,
`Thresholds`, `Pair`, `Agreement`, `link`), used by the import until the Fellegi–Sunter
engine of `redangel.matching.engine` takes its place (one import line in `linking.py`).

Blocking on CURP, on birth date, and on first surname with the given name's initial; each
field's agreement level carries a fixed log2 Bayes factor; the probability is the logistic of
their sum over a prior.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from redangel.common.names import fold, within_one_edit


@dataclass(frozen=True)
class Record:
    """One record to compare (an incoming row or a registered person)."""

    key: str
    given_names: str
    first_surname: str
    second_surname: str | None
    birth_date: date | None
    sex: str | None
    curp: str | None
    borough: str | None
    postal_code: str | None


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities: at or above `link` the records are one; from `review` a person looks."""

    link: float = 0.99
    review: float = 0.60


@dataclass(frozen=True)
class Agreement:
    """How one field compares, and its weight (log2 Bayes factor)."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True)
class Pair:
    """Two records that may be one person."""

    left: str
    right: str
    probability: float
    agreements: tuple[Agreement, ...]


@dataclass
class Linkage:
    """Every pair at or above the review threshold."""

    pairs: list[Pair] = field(default_factory=list)


_WEIGHTS = {
    "curp": {"exact": 14.0, "close": 6.0, "different": -8.0},
    "given_names": {"exact": 5.0, "close": 2.5, "different": -4.0},
    "first_surname": {"exact": 5.0, "close": 2.5, "different": -5.0},
    "second_surname": {"exact": 4.0, "close": 2.0, "different": -3.0},
    "birth_date": {"exact": 7.0, "close": 2.0, "different": -7.0},
    "sex": {"exact": 0.5, "different": -4.0},
    "borough": {"exact": 1.0, "different": -0.5},
}
_PRIOR = -14.0


def _text_level(a: str | None, b: str | None) -> str:
    if not a or not b:
        return "missing"
    fa, fb = fold(a), fold(b)
    if fa == fb:
        return "exact"
    if within_one_edit(fa.replace(" ", ""), fb.replace(" ", "")) or set(fa.split()) & set(fb.split()):
        return "close"
    return "different"


def _date_level(a: date | None, b: date | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "exact"
    if (a.year == b.year and (a.month, a.day) == (b.day, b.month)) or sum(
            x != y for x, y in ((a.year, b.year), (a.month, b.month), (a.day, b.day))) == 1:
        return "close"
    return "different"


def _curp_level(a: str | None, b: str | None) -> str:
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    return "close" if sum(x != y for x, y in zip(a, b, strict=False)) <= 1 else "different"


def compare(a: Record, b: Record) -> Pair:
    """Field-by-field agreement of two records and the match probability."""
    levels = {
        "curp": _curp_level(a.curp, b.curp),
        "given_names": _text_level(a.given_names, b.given_names),
        "first_surname": _text_level(a.first_surname, b.first_surname),
        "second_surname": _text_level(a.second_surname, b.second_surname),
        "birth_date": _date_level(a.birth_date, b.birth_date),
        "sex": "missing" if not a.sex or not b.sex else "exact" if a.sex == b.sex else "different",
        "borough": "missing" if not a.borough or not b.borough
        else "exact" if a.borough == b.borough else "different",
    }
    agreements = tuple(Agreement(f, lvl, _WEIGHTS[f].get(lvl, 0.0)) for f, lvl in levels.items())
    score = _PRIOR + sum(x.weight for x in agreements)
    probability = 1.0 / (1.0 + math.pow(2.0, -score))
    left, right = sorted((a.key, b.key))
    return Pair(left, right, probability, agreements)


def _blocks(record: Record) -> list[str]:
    keys = []
    if record.curp:
        keys.append("c:" + record.curp[:16])
    if record.birth_date:
        keys.append("d:" + record.birth_date.isoformat())
    surname = fold(record.first_surname)
    given = fold(record.given_names)
    if surname and given:
        keys.append(f"n:{surname}:{given[:1]}")
    return keys


def link(incoming: Sequence[Record], registry: Sequence[Record], thresholds: Thresholds,
         *, blocked: Collection[frozenset[str]] = ()) -> Linkage:
    """Pairs of incoming-vs-registry and incoming-vs-incoming records at or above review."""
    buckets: dict[str, list[Record]] = defaultdict(list)
    incoming_keys = {r.key for r in incoming}
    for record in list(incoming) + list(registry):
        for key in _blocks(record):
            buckets[key].append(record)
    seen: set[frozenset[str]] = set()
    result = Linkage()
    for members in buckets.values():
        if len(members) > 500:
            continue
        for a, b in combinations(members, 2):
            pair_key = frozenset((a.key, b.key))
            if pair_key in seen or (a.key not in incoming_keys and b.key not in incoming_keys):
                continue
            seen.add(pair_key)
            if pair_key in blocked:
                continue
            pair = compare(a, b)
            if pair.probability >= thresholds.review:
                result.pairs.append(pair)
    return result
