"""Real catalog scenarios read as a clerk would, dated parameters, and the gate's reach."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from redangel.eligibility import evaluate, load_catalog
from redangel.eligibility.catalog import Catalog
from redangel.eligibility.testing import run_catalog_tests

CATALOG = Path(__file__).resolve().parents[2] / "life_events"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CATALOG)


def test_job_loss_with_a_conflicting_current_program(catalog: Catalog) -> None:
    person = {"birth_date": date(1990, 1, 10), "studying": False, "employment_status": "unemployed"}
    result = evaluate(catalog, event_code="job_loss", person=person, household=[],
                      answers={"job_end_date": "2025-12-01", "formal_job": True},
                      as_of=date(2026, 3, 1), current_programs=["apoyo_jovenes_riesgo"])
    by_code = {r.program: r for r in result.results}
    insurance = by_code["seguro_desempleo"]
    assert insurance.verdict == "eligible" and insurance.reason["es"].startswith("Cumple")
    recent = next(c for c in insurance.criteria if c.id == "perdida_reciente")
    assert recent.compared == [{"actual": 3, "op": "<=", "threshold": 6, "result": True}]
    assert {"program": "apoyo_jovenes_riesgo", "kind": "excluded_by_current"} in insurance.conflicts
    youth = by_code["apoyo_jovenes_riesgo"]
    assert youth.verdict == "not_eligible"
    assert "Tiene 36 años; este programa es hasta los 29 años." in youth.reason["es"]
    assert "Is 36 years old; this program is for people up to 29." in youth.reason["en"]
    assert {"program": "apoyo_jovenes_riesgo", "kind": "already_enrolled"} in youth.conflicts
    assert insurance.documents and all(d["es"] and d["en"] for d in insurance.documents)


def test_programs_of_one_bundle_that_exclude_each_other_are_flagged(catalog: Catalog) -> None:
    person = {"birth_date": date(2001, 5, 5), "studying": False, "employment_status": "unemployed"}
    result = evaluate(catalog, event_code="job_loss", person=person, household=[],
                      answers={"job_end_date": "2026-01-15", "formal_job": True}, as_of=date(2026, 3, 1))
    by_code = {r.program: r for r in result.results}
    assert by_code["seguro_desempleo"].verdict == by_code["apoyo_jovenes_riesgo"].verdict == "eligible"
    assert {"program": "apoyo_jovenes_riesgo", "kind": "mutually_exclusive"} in \
        by_code["seguro_desempleo"].conflicts
    assert {"program": "seguro_desempleo", "kind": "mutually_exclusive"} in \
        by_code["apoyo_jovenes_riesgo"].conflicts


def test_a_new_minimum_wage_is_a_new_dated_value(catalog: Catalog) -> None:
    assert catalog.parameter("salario_minimo_mensual", date(2024, 12, 31)) == 7508
    assert catalog.parameter("salario_minimo_mensual", date(2025, 1, 1)) == 8364
    mother = {"birth_date": date(1995, 1, 1), "sex": "M", "marital_status": "single",
              "monthly_income": 17000}
    child = [{"relationship": "child", "birth_date": date(2020, 1, 1)}]
    verdicts = [evaluate(catalog, event_code=None, person=mother, household=child, answers={},
                         as_of=day, programs=["apoyo_madres_solas"]).results[0].verdict
                for day in (date(2025, 6, 1), date(2026, 6, 1))]
    assert verdicts == ["not_eligible", "eligible"]  # 17,000 > 2 x 8,364 but <= 2 x 9,450


def test_json_form_is_plain(catalog: Catalog) -> None:
    result = evaluate(catalog, event_code="birth_of_child", person={"monthly_income": 5000.5},
                      household=[], answers={"child_birth_date": date(2026, 2, 1)}, as_of=date(2026, 3, 1))
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    assert catalog.version in text and "needs_information" in text


def _copy(tmp_path: Path, file: str, old: str, new: str) -> Catalog:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    path = copy / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    return load_catalog(copy)


def test_gate_sees_thresholds_inside_household_aggregates(tmp_path: Path) -> None:
    moved = _copy(tmp_path, "programs/apoyo_madres_solas.yaml", "age(member.birth_date) < 15",
                  "age(member.birth_date) < 13")  # no case has a child of exactly 13
    report = run_catalog_tests(moved)
    assert any("apoyo_madres_solas" in line and "boundary" in line for line in report.uncovered), \
        report.uncovered


def test_gate_sees_thresholds_written_on_the_left(tmp_path: Path) -> None:
    flipped = _copy(tmp_path, "programs/seguro_desempleo.yaml", "age(person.birth_date) >= 18",
                    "19 <= age(person.birth_date)")
    report = run_catalog_tests(flipped)
    assert any("mayor_de_edad" in line and "boundary" in line for line in report.uncovered), \
        report.uncovered


def test_expected_errors_in_cases_are_checked(tmp_path: Path) -> None:
    wrong = _copy(tmp_path, "tests/work.yaml", "error: job_end_date", "error: formal_job")
    report = run_catalog_tests(wrong)
    assert any("refused naming `formal_job`" in line and "refused naming `job_end_date`" in line
               for line in report.failures), report.failures


def test_values_are_said_as_people_say_them(catalog: Catalog) -> None:
    person = {"birth_date": date(1990, 1, 10), "health_coverage": "imss"}
    result = evaluate(catalog, event_code="job_loss", person=person, household=[],
                      answers={"job_end_date": "2026-02-01", "formal_job": True},
                      as_of=date(2026, 3, 1),
                      programs=["seguro_desempleo", "servicios_medicos_gratuitos"])
    insurance, medical = result.results
    recent = next(c for c in insurance.criteria if c.id == "perdida_reciente")
    assert recent.text == {
        "es": "Perdió el empleo el 1 de febrero de 2026, hace 1 mes; el seguro se pide dentro de "
              "los 6 meses siguientes.",
        "en": "Lost the job on 1 February 2026, 1 month ago; the insurance must be asked for "
              "within 6 months."}
    assert medical.reason == {
        "es": "No cumple los requisitos de Servicios médicos y medicamentos gratuitos. Tiene "
              "seguridad social del IMSS; este programa es para quien no la tiene.",
        "en": "Does not meet the requirements of Free medical services and medicines. Has health "
              "coverage from the IMSS; this program is for people without it."}
