"""Linking an agency's roll to the registry: which rows are which persons, with reasons.

`link` compares every incoming row with the registry and with the other incoming rows (the
same person twice in one roll), through blocking (`blocking`), comparison levels (`compare`)
and a Fellegi–Sunter model learned from the same data (`model`). It answers every pair whose
probability reaches the review threshold; at or above the link threshold a pair is the same
person. Pairs a person has declared different (`blocked`) are never answered. Pure: rows in,
pairs out.

Rules stand beside the score (`_needs_look`): pairs that may be two members of one family
(given names or sexes plainly different, twins, a father and son of one name born years apart)
or that say too little about the person (no birth date or CURP agreeing, and a name not the same)
are never linked without a person's look unless their CURPs agree (at most just under the link
threshold, so they go to review). Siblings and twins share surnames, home and sometimes the
birth date, and the score, which weighs fields as if independent, would otherwise join them.
Links that contradict one record per person (a row linked to two registry persons, say) go to
review unless one clearly wins (`assign`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from redangel.matching import assign, blocking, compare, model, table
from redangel.matching.compare import FIELDS
from redangel.matching.records import LEVELS, Agreement, Pair, Record, Thresholds

__all__ = ["Agreement", "Linkage", "Pair", "Record", "Thresholds", "link"]

RANDOM_PAIRS = 300_000  # random pairs that measure u (how often strangers agree)
TERM_FREQUENCY_FIELDS = (0, 1, 2)  # given names, first and second surnames
SEED = 20260101


@dataclass
class Linkage:
    """The pairs found, as arrays (rows of `keys`) and as `Pair`s; the model and how blocking went."""

    keys: list[str]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    probability: npt.NDArray[np.float64]
    levels: npt.NDArray[np.int8]
    weights: npt.NDArray[np.float64]
    model: model.Model
    candidates: int
    skipped_blocks: dict[str, int] = field(default_factory=dict)

    @cached_property
    def pairs(self) -> list[Pair]:
        """Every pair answered, highest probability first."""
        names = compare.FIELDS
        keys = self.keys
        made: dict[tuple[int, int, float], Agreement] = {}  # most agreements repeat: make each once

        def agreement(field: int, level: int, weight: float) -> Agreement:
            found = made.get((field, level, weight))
            if found is None:
                found = made[(field, level, weight)] = Agreement(names[field], LEVELS[level], weight)
            return found

        fields = range(len(names))
        return [
            Pair(keys[i], keys[j], p, tuple(map(agreement, fields, lv, wt)))
            for i, j, p, lv, wt in zip(self.left.tolist(), self.right.tolist(), self.probability.tolist(),
                                       self.levels.tolist(), self.weights.round(4).tolist(), strict=True)
        ]


def _random_pairs(incoming: int, size: int, rng: np.random.Generator) -> tuple[npt.NDArray[np.int64], ...]:
    registry = size - incoming
    others = registry if registry > 0 else incoming
    total = incoming * others
    count = min(RANDOM_PAIRS, total)
    if total <= RANDOM_PAIRS:
        flat = np.arange(total, dtype=np.int64)
    else:
        flat = rng.integers(0, total, size=count, dtype=np.int64)
    a, b = np.divmod(flat, others)
    b = b + (incoming if registry > 0 else 0)
    keep = a != b
    return a[keep], b[keep]


def _blocked_codes(table_: table.Table, blocked: Collection[frozenset[str]]) -> npt.NDArray[np.int64]:
    if not blocked:
        return np.empty(0, np.int64)
    index = {key: i for i, key in enumerate(table_.keys)}
    codes = []
    for pair in blocked:
        ends = [index.get(k) for k in pair]
        if len(ends) == 2 and ends[0] is not None and ends[1] is not None:
            low, high = min(ends[0], ends[1]), max(ends[0], ends[1])
            codes.append(low * table_.size + high)
    return np.array(codes, dtype=np.int64)


def _pair_weights(table_: table.Table, fitted: model.Model, levels: npt.NDArray[np.int8],
                  a: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    base = fitted.weights()
    weights = base[np.arange(len(compare.FIELDS)), levels]
    columns = (table_.given, table_.first, table_.second)
    for f, column in zip(TERM_FREQUENCY_FIELDS, columns, strict=True):
        exact = np.flatnonzero(levels[:, f] == compare.EXACT)
        codes = column.codes[a[exact]]
        floor = 1.0 / max(table_.size, 1)
        m_exact = fitted.m[f, compare.EXACT]
        weights[exact, f] = model.term_frequency_weight(m_exact, column.frequency[codes], floor)
    # a postal code lies in one borough: beside it, the borough would count one fact twice
    postal, borough = FIELDS.index("postal_code"), FIELDS.index("borough")
    weights[levels[:, postal] != compare.MISSING, borough] = 0.0
    return weights


def _needs_look(table_: table.Table, levels: npt.NDArray[np.int8], a: npt.NDArray[np.int64],
                b: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Pairs never linked without a person's look unless their CURPs agree. Two members of one
    family: given names plainly different; sexes different; given names not the same and CURPs
    different (twins "DANIEL" and "DANIELA"); one given name the last word of the other (twins
    "ROSA MARIA" and "MARIA", or one person going by her second name); birth dates plainly
    different (a father and his son of the same name). Or too little said about the person
    themself: neither the birth date nor the CURP agrees, and a name is not the same."""
    level = {name: levels[:, FIELDS.index(name)] for name in FIELDS}
    given, sex, curp, birth = level["given_names"], level["sex"], level["curp"], level["birth_date"]
    column = table_.given
    ca, cb = column.codes[a], column.codes[b]
    part_of = (given == compare.CLOSE) & (column.words[ca] != column.words[cb]) & (
        column.last[ca] == column.last[cb])
    family = (given == compare.DIFFERENT) | (sex == compare.DIFFERENT) | part_of | (
        (given != compare.EXACT) & (curp == compare.DIFFERENT)) | (birth == compare.DIFFERENT)
    agreeing = (compare.CLOSE, compare.EXACT)
    second = level["second_surname"]
    names_same = (given == compare.EXACT) & (level["first_surname"] == compare.EXACT) & (
        (second == compare.EXACT) | (second == compare.MISSING))
    thin = ~np.isin(birth, agreeing) & ~np.isin(curp, agreeing) & ~names_same
    needs: npt.NDArray[np.bool_] = (family | thin) & (curp != compare.EXACT)
    return needs


def link(incoming: Sequence[Record], registry: Sequence[Record], thresholds: Thresholds,
         *, blocked: Collection[frozenset[str]] = ()) -> Linkage:
    """Pairs of an incoming row with a registry record or another incoming row, from `review` up."""
    table_ = table.build(incoming, registry)
    if len(set(table_.keys)) != table_.size:
        raise ValueError("every record needs its own key, across both sequences")
    rng = np.random.default_rng(SEED)
    (a, b), skipped = blocking.candidates(table_)
    blocked_codes = _blocked_codes(table_, blocked)
    if blocked_codes.size:
        keep = ~np.isin(a * table_.size + b, blocked_codes)
        a, b = a[keep], b[keep]
    ra, rb = _random_pairs(table_.incoming, table_.size, rng)
    u = model.estimate_u(compare.compare(table_, ra, rb))
    levels = compare.compare(table_, a, b)
    n_in, n_reg = table_.incoming, table_.size - table_.incoming
    possible = n_in * n_reg + n_in * (n_in - 1) / 2
    fitted = model.estimate(levels, u, possible) if a.size else model.Model(u.copy(), u, 1e-9, 0.0)
    weights = _pair_weights(table_, fitted, levels, a)
    logit = np.log2(fitted.prior / (1 - fitted.prior)) + weights.sum(axis=1)
    probability = 1.0 / (1.0 + np.exp2(-logit))
    family = _needs_look(table_, levels, a, b)
    under_link = np.nextafter(thresholds.link, 0.0)
    probability[family] = np.minimum(probability[family], under_link)
    sure = probability >= thresholds.link
    contradicted = sure & ~assign.consistent(a, b, logit, sure, table_.incoming)
    probability[contradicted] = np.minimum(probability[contradicted], under_link)
    answered = np.flatnonzero(probability >= thresholds.review)
    answered = answered[np.argsort(-probability[answered], kind="stable")]
    return Linkage(
        keys=table_.keys, left=a[answered], right=b[answered], probability=probability[answered],
        levels=levels[answered], weights=weights[answered], model=fitted,
        candidates=int(a.size), skipped_blocks=skipped,
    )
