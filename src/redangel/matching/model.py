"""Fellegi–Sunter: how much each field's agreement says, learned from the data itself.

For every field and level, m is the chance a true pair shows that level and u the chance a
pair of strangers does; the evidence of a level is log2(m/u) (its weight, in bits), and a
pair's probability adds its fields' weights to the prior odds that two rows are one person.
As Splink does: u is counted on random pairs of an incoming row and a registry record (nearly
all strangers); m and the share of true pairs among the candidates are learned by
expectation–maximisation over the candidate pairs, with u held fixed; the prior is that share
spread over every possible pair. A missing value says nothing (weight 0). An exact name is
weighed by how common the name is (term frequency): two rows both called HERNANDEZ say less
than two rows both called XICOHTENCATL — the weight is log2(m / frequency of the name).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from redangel.matching.compare import CLOSE, DIFFERENT, EXACT, FIELDS, MISSING, Levels

Floats = npt.NDArray[np.float64]
LEVEL_COUNT = 4
EM_ROUNDS = 40
SESSION_PAIRS = 200  # pairs a training session needs to learn from
SAME_PERSON_FIELDS = ("given_names", "first_surname", "second_surname", "birth_date")
SMOOTHING = 0.5  # pseudo-count, so a level never seen among random pairs is rare, not impossible
DIFFERENT_AT_MOST = {"given_names": 0.02, "first_surname": 0.05, "second_surname": 0.05, "sex": 0.01,
                     "birth_date": 0.02, "curp": 0.01}
"""How often at most a true pair shows a plainly different value (typos are `close`). Families
share surnames, home and, for twins, the birth date, and in a large registry strangers share a
given name and a birth date: left alone, EM counts such pairs as true ones and learns that a
different CURP, given name or surname says little. These bounds keep them telling."""
DIFFERENT_AT_LEAST = 0.001
"""A true pair shows a plainly different value at least this often, whatever the data taught:
one field's disagreement (a sex mistyped, a date from another document) is never proof alone."""


@dataclass(frozen=True)
class Model:
    """m and u per field (rows) and level (columns, `compare` order), and the prior of a true pair."""

    m: Floats
    u: Floats
    prior: float
    candidate_share: float

    def weights(self) -> Floats:
        """log2(m/u) per field and level; 0 for a missing value."""
        w = np.log2(self.m / self.u)
        w[:, MISSING] = 0.0
        return w


def estimate_u(levels: Levels) -> Floats:
    """Share of each level among random pairs, per field (missing values left out)."""
    u = np.ones((len(FIELDS), LEVEL_COUNT))
    for f in range(len(FIELDS)):
        counts = np.bincount(levels[:, f], minlength=LEVEL_COUNT).astype(np.float64)[1:] + SMOOTHING
        u[f, 1:] = counts / counts.sum()
    return u


def _initial_m() -> Floats:
    m = np.ones((len(FIELDS), LEVEL_COUNT))
    m[:, DIFFERENT], m[:, CLOSE], m[:, EXACT] = 0.05, 0.10, 0.85
    return m


def _em(levels: Levels, u: Floats, m: Floats, share: float,
        free: tuple[int, ...]) -> tuple[Floats, float, float]:
    """EM over pairs' levels with u fixed, estimating m of the `free` fields and the share of true
    pairs; answers m, the share and how many pairs were read."""
    n_fields = len(FIELDS)
    radix = LEVEL_COUNT ** np.arange(n_fields, dtype=np.int64)
    patterns, counts = np.unique(levels.astype(np.int64) @ radix, return_counts=True)
    pattern_levels = (patterns[:, None] // radix) % LEVEL_COUNT
    weights = counts.astype(np.float64)
    m = m.copy()
    rows = np.arange(n_fields)
    log_u = np.log(u)[rows, pattern_levels].sum(axis=1)
    for _ in range(EM_ROUNDS):
        log_m = np.log(m)[rows, pattern_levels].sum(axis=1)
        logit = np.log(share) - np.log1p(-share) + log_m - log_u
        posterior = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        expected = weights * posterior
        share = float(np.clip(expected.sum() / weights.sum(), 1e-9, 1 - 1e-9))
        for f in free:
            seen = np.bincount(pattern_levels[:, f], weights=expected, minlength=LEVEL_COUNT)[1:] + 1e-6
            m[f, 1:] = seen / seen.sum()
            bound = DIFFERENT_AT_MOST.get(FIELDS[f])
            if bound is not None and m[f, DIFFERENT] > bound:
                agreeing = m[f, CLOSE] + m[f, EXACT]
                m[f, CLOSE:] *= (1.0 - bound) / agreeing
                m[f, DIFFERENT] = bound
            if m[f, DIFFERENT] < DIFFERENT_AT_LEAST:
                m[f, CLOSE:] *= (1.0 - DIFFERENT_AT_LEAST) / (m[f, CLOSE] + m[f, EXACT])
                m[f, DIFFERENT] = DIFFERENT_AT_LEAST
    return m, share, float(weights.sum())


def estimate(levels: Levels, u: Floats, possible_pairs: float) -> Model:
    """m and the share of true pairs by EM over the candidates' levels (u fixed).

    As Splink trains, in sessions: the m of every other field is learned from the pairs whose
    CURPs are the same (nearly all one person, so what they show is how one person's rows
    differ), and the CURP's m from the pairs whose names and birth dates are all the same. Left
    to one EM over every candidate, families (siblings share surnames and home) pass for true
    pairs and teach that a different birth date or address says little. With too few pairs for
    a session (a small roll without CURPs), one EM over every candidate learns everything."""
    n_fields = len(FIELDS)
    everything = tuple(range(n_fields))
    curp, named = FIELDS.index("curp"), [FIELDS.index(f) for f in SAME_PERSON_FIELDS]
    m = _initial_m()
    same_curp = levels[:, curp] == EXACT
    same_person = np.all(levels[:, named] == EXACT, axis=1)
    if same_curp.sum() >= SESSION_PAIRS and same_person.sum() >= SESSION_PAIRS:
        m, _, _ = _em(levels[same_curp], u, m, 0.9, tuple(f for f in everything if f != curp))
        m, _, _ = _em(levels[same_person], u, m, 0.9, (curp,))
        m, share, total = _em(levels, u, m, 0.3, ())
    else:
        m, share, total = _em(levels, u, m, 0.3, everything)
    true_pairs = share * total
    prior = float(np.clip(true_pairs / max(possible_pairs, 1.0), 1e-12, 0.5))
    return Model(m=m, u=u, prior=prior, candidate_share=share)


def term_frequency_weight(m_exact: float, frequency: Floats, floor: float) -> Floats:
    """log2(m / frequency of the value) for an exact agreement on each value."""
    return np.log2(m_exact / np.maximum(frequency, floor))
