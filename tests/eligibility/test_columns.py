"""Whole-registry evaluation over columns agrees with the one-person engine."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from redangel.eligibility import evaluate, evaluate_columns, load_catalog

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
FACTS = {
    "sex": ["H", "M"], "schooling_level": ["none", "primary", "secondary", "upper_secondary"],
    "school_sector": ["public", "private"], "studying": [True, False],
    "employment_status": ["formal", "informal", "unemployed", "other"],
    "marital_status": ["single", "married", "divorced"], "low_development_area": [True, False],
    "disability": ["none", "permanent"], "health_coverage": ["none", "imss"],
    "family_violence": [True, False], "arts_training": [True, False],
}


def random_person(rng: random.Random, as_of: date) -> dict:
    person: dict = {"birth_date": as_of - timedelta(days=rng.randint(0, 95 * 365))}
    for fact, options in FACTS.items():
        if rng.random() < 0.9:
            person[fact] = rng.choice(options)
    if rng.random() < 0.9:
        person["monthly_income"] = Decimal(rng.choice([0, 5000, 18900, 25000]))
    if rng.random() < 0.9:
        person["grade_average"] = Decimal(rng.choice(["8.5", "9", "9.5"]))
    if rng.random() < 0.8:
        person["resident_since"] = as_of - timedelta(days=rng.randint(0, 3000))
    return person


def to_columns(people: list[dict]) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    columns["birth_date"] = np.array([p["birth_date"] for p in people], dtype="datetime64[D]")
    columns["resident_since"] = np.array(
        [p.get("resident_since", "NaT") for p in people], dtype="datetime64[D]")
    for fact in ("monthly_income", "grade_average"):
        columns[fact] = np.array([float(p[fact]) if fact in p else np.nan for p in people])
    for fact, options in FACTS.items():
        dtype = bool if isinstance(options[0], bool) else object
        if dtype is bool:
            columns[fact] = np.array([p.get(fact) for p in people], dtype=object)
        else:
            columns[fact] = np.array([p.get(fact) for p in people], dtype=object)
    return columns


@pytest.mark.parametrize("seed", [1, 2])
def test_columns_agree_with_the_engine_for_person_level_programs(seed: int) -> None:
    catalog = load_catalog(CATALOG)
    as_of = date(2026, 3, 1)
    rng = random.Random(seed)
    people = [random_person(rng, as_of) for _ in range(1500)]
    columns = to_columns(people)
    codes = {"not_eligible": 0, "eligible": 1, "needs_information": 2}
    # Programs whose rules read only the person's own facts (no household, no event answers).
    person_level = ["pension_adultos_mayores", "utiles_escolares", "prepa_si", "apoyo_discapacidad",
                    "ninos_talento", "seguro_violencia_familiar", "servicios_medicos_gratuitos",
                    "comedores_comunitarios", "apoyo_jovenes_riesgo", "becas_cultura"]
    for code in person_level:
        vector = evaluate_columns(catalog, program_code=code, columns=columns, as_of=as_of)
        for index, person in enumerate(people):
            (result,) = evaluate(catalog, event_code=None, person=person, household=[], answers={},
                                 as_of=as_of, programs=[code]).results
            assert codes[result.verdict] == vector[index], (code, person)
