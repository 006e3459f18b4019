"""The shipped catalog loads, its YAML cases pass, and the coverage gate holds (and can fail)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from redangel.eligibility import CatalogError, evaluate, load_catalog
from redangel.eligibility.testing import run_catalog_tests

CATALOG = Path(__file__).resolve().parents[2] / "life_events"


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog(CATALOG)


def test_catalog_has_the_programs_and_events_of_the_city(catalog) -> None:  # type: ignore[no-untyped-def]
    assert len(catalog.programs) >= 15 and len(catalog.events) >= 12
    assert len(catalog.agencies) == 8
    assert {p.agency for p in catalog.programs.values()} == set(catalog.agencies)
    for program in catalog.programs.values():
        assert program.name.es and program.name.en and program.legal_reference


def test_every_criterion_and_threshold_is_covered_by_the_cases(catalog) -> None:  # type: ignore[no-untyped-def]
    # Each case's expectations are its own item (life_events/conftest.py); only the gate is here.
    report = run_catalog_tests(catalog)
    assert report.cases >= 30
    assert report.uncovered == []


def test_version_is_a_content_hash(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    assert load_catalog(copy).version == catalog.version
    params = copy / "parameters.yaml"
    params.write_text(params.read_text().replace("value: 9450.00", "value: 9500.00"))
    assert load_catalog(copy).version != catalog.version


def test_coverage_gate_fails_when_a_criterion_is_only_ever_true(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    work = copy / "tests" / "ageing_and_health.yaml"
    text = work.read_text()
    start = text.index("- name: temporary disability is not enough")
    work.write_text(text[:start])
    report = run_catalog_tests(load_catalog(copy))
    assert any("apoyo_discapacidad.discapacidad_permanente" in line for line in report.uncovered)


def test_coverage_gate_fails_without_a_boundary_case(tmp_path: Path) -> None:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    work = copy / "tests" / "work.yaml"
    work.write_text(work.read_text().replace("birth_date: 1997-03-01, arts_training: true",
                                             "birth_date: 1999-03-01, arts_training: true"))
    report = run_catalog_tests(load_catalog(copy))
    assert any("becas_cultura" in line and "boundary" in line for line in report.uncovered)


def test_a_wrong_expectation_is_reported_with_file_and_line(tmp_path: Path) -> None:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    work = copy / "tests" / "school.yaml"
    work.write_text(work.read_text().replace("expect: {prepa_si: eligible}",
                                             "expect: {prepa_si: not_eligible}"))
    report = run_catalog_tests(load_catalog(copy))
    assert any(line.startswith("tests/school.yaml:") and "prepa_si" in line for line in report.failures)


def test_birth_of_a_child_for_a_single_mother(catalog) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(
        catalog, event_code="birth_of_child",
        person={"birth_date": date(1996, 5, 1), "sex": "M", "marital_status": "single",
                "monthly_income": 6000, "health_coverage": "none", "low_development_area": True},
        household=[{"relationship": "child", "birth_date": date(2026, 11, 1)}],
        answers={"child_birth_date": "2026-11-01"}, as_of=date(2026, 11, 22))
    verdicts = {r.program: r.verdict for r in result.results}
    assert verdicts == {"bebe_seguro": "eligible", "apoyo_madres_solas": "eligible",
                        "servicios_medicos_gratuitos": "eligible", "comedores_comunitarios": "eligible"}
    bebe = next(r for r in result.results if r.program == "bebe_seguro")
    income = next(c for c in bebe.criteria if c.id == "bajo_ingreso")
    assert income.compared[0]["threshold"] == 18900 and income.compared[0]["actual"] == 6000
    assert bebe.documents and bebe.reason["es"].startswith("Cumple")
    assert result.catalog_version == catalog.version


def test_turning_68_with_a_conflicting_current_program(catalog) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(catalog, event_code="job_loss",
                      person={"birth_date": date(2000, 1, 1), "studying": False,
                              "employment_status": "unemployed"},
                      household=[], answers={"job_end_date": "2026-10-01", "formal_job": True},
                      as_of=date(2026, 11, 22), current_programs=["apoyo_jovenes_riesgo"])
    desempleo = next(r for r in result.results if r.program == "seguro_desempleo")
    assert {"program": "apoyo_jovenes_riesgo", "kind": "excluded_by_current"} in desempleo.conflicts
    jovenes = next(r for r in result.results if r.program == "apoyo_jovenes_riesgo")
    assert {"program": "apoyo_jovenes_riesgo", "kind": "already_enrolled"} in jovenes.conflicts
    assert {"program": "apoyo_jovenes_riesgo", "kind": "mutually_exclusive"} in desempleo.conflicts


def test_not_eligible_reason_names_what_failed(catalog) -> None:  # type: ignore[no-untyped-def]
    result = evaluate(catalog, event_code="turning_68", person={"birth_date": date(1970, 1, 1),
                      "resident_since": date(1990, 1, 1)}, household=[], answers={},
                      as_of=date(2026, 3, 1), programs=["pension_adultos_mayores"])
    (pension,) = result.results
    assert pension.verdict == "not_eligible"
    assert pension.reason == {
        "es": "No cumple los requisitos de Pensión alimentaria para adultos mayores. "
              "Tiene 56 años; la pensión es desde los 68 años.",
        "en": "Does not meet the requirements of Food pension for older adults. "
              "Is 56 years old; the pension starts at 68."}
    edad = pension.criteria[0]
    assert edad.compared == [{"actual": 56, "op": ">=", "threshold": 68, "result": False}]


def test_catalog_errors_carry_file_and_line(tmp_path: Path) -> None:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    path = copy / "programs" / "becas_cultura.yaml"
    path.write_text(path.read_text().replace("person.arts_training == true", "person.arts_trainig == true"))
    with pytest.raises(CatalogError) as error:
        load_catalog(copy)
    assert error.value.file == "programs/becas_cultura.yaml" and error.value.line > 1
    assert "arts_trainig" in str(error.value)
