"""The rows linkage reads and the pairs it answers with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

EXACT, CLOSE, DIFFERENT, MISSING = "exact", "close", "different", "missing"
LEVELS = (MISSING, DIFFERENT, CLOSE, EXACT)  # the index of a level in every array of the engine


@dataclass(frozen=True, slots=True)
class Record:
    """One person as a roll row or a registry record gives them (already standardised)."""

    key: str
    given_names: str
    first_surname: str
    second_surname: str | None
    birth_date: date | None
    sex: str | None
    curp: str | None
    borough: str | None
    postal_code: str | None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Match probabilities: from `link` a pair is one person; from `review` a person decides."""

    link: float = 0.99
    review: float = 0.60

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.link <= 1.0:
            raise ValueError("thresholds must satisfy 0 < review <= link <= 1")


@dataclass(frozen=True, slots=True)
class Agreement:
    """How one field of a pair compared, and the evidence it gave (log2 Bayes factor)."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class Pair:
    """Two rows that may be the same person, with the probability and the reasons."""

    left: str
    right: str
    probability: float
    agreements: tuple[Agreement, ...]
