"""A bad catalog fails at load, naming file and line; bad facts and answers fail naming the field."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from redangel.eligibility import AnswerError, CatalogError, EligibilityError, evaluate, load_catalog
from redangel.eligibility.errors import FactError, UnknownCode

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
UNEMPLOYMENT = "programs/seguro_desempleo.yaml"


def edited(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the shipped catalog with one textual edit."""
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    target = copy / file
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def line_of(root: Path, file: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle`."""
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


BAD = [
    ("misspelt fact", UNEMPLOYMENT, "age(person.birth_date) >= 18", "age(person.birth_dat) >= 18",
     "person.birth_dat", "unknown fact"),
    ("date against money", UNEMPLOYMENT, "age(person.birth_date) >= 18",
     "person.birth_date >= $18", "person.birth_date >= $18", "cannot compare a date with a money"),
    ("unknown key", UNEMPLOYMENT, "agency: styfe", "agency: styfe\nbudget: 3", "budget:", "unknown key"),
    ("duplicate key", UNEMPLOYMENT, "agency: styfe", "agency: styfe\nagency: dif", "agency: dif",
     "duplicate key"),
    ("missing agency", UNEMPLOYMENT, "agency: styfe", "agency: nasa", "agency: nasa",
     "unknown agency"),
    ("unknown parameter", UNEMPLOYMENT, 'param("meses_desempleo_maximo")', 'param("meses")',
     'param("meses")', "unknown parameter"),
    ("days as text", UNEMPLOYMENT, "expected_days_to_decision: 20", "expected_days_to_decision: pronto",
     "expected_days_to_decision", "whole number"),
    ("misspelt enum value", "programs/apoyo_madres_solas.yaml", 'person.sex == "M"',
     'person.sex == "F"', 'person.sex == "F"', "not an option of `person.sex`"),
    ("misspelt relationship", "programs/apoyo_madres_solas.yaml", 'member.relationship == "child"',
     'member.relationship == "son"', 'member.relationship == "son"', "not an option"),
    ("proactive as text", "events/job_loss.yaml", "proactive: false", 'proactive: "no"',
     "proactive:", "true or false"),
    ("event lists a missing program", "events/job_loss.yaml", "- seguro_desempleo",
     "- seguro_desempleo_x", "programs:", "unknown program"),
    ("event confirms an unknown fact", "events/pregnancy.yaml", "- monthly_income",
     "- monthly_incom", "confirm:", "unknown person fact `monthly_incom`"),
    ("event confirms a fact twice", "events/pregnancy.yaml", "- monthly_income",
     "- monthly_income\n- monthly_income", "confirm:", "lists a code twice"),
    ("question list of text", "events/job_loss.yaml", "questions:\n", "questions:\n- fecha\n",
     "questions:", "must be a mapping"),
    ("parameter value as text", "parameters.yaml", "{from: 2010-01-01, value: 6}",
     "{from: 2010-01-01, value: seis}", "value: seis", "must be a number"),
    ("parameter dates out of order", "parameters.yaml", "{from: 2025-01-01, value: 8364.00}",
     "{from: 2023-01-01, value: 8364.00}", "from: 2023-01-01", "increasing order"),
    ("deeply nested expression", UNEMPLOYMENT, "age(person.birth_date) >= 18",
     "(" * 60 + "age(person.birth_date) >= 18" + ")" * 60, "((((", "nested"),
    ("criterion without its not-met sentence", UNEMPLOYMENT,
     "  not_met_es: 'Tiene {value} años; este seguro es desde los 18 años.'\n", "", "id: mayor_de_edad",
     "missing key `not_met_es`"),
    ("sentence naming an unknown value", UNEMPLOYMENT, "Tiene {value} años; este seguro es desde",
     "Tiene {person.edad} años; este seguro es desde", "{person.edad}", "not a value it can say"),
    ("value of a criterion that compares nothing", "programs/apoyo_madres_solas.yaml",
     "Vive en pareja (estado civil:", "Vive en pareja ({value}, estado civil:",
     "Vive en pareja ({value}", "one comparison with a fixed side"),
    ("sentence without its full stop", UNEMPLOYMENT, "desde los 18 años.'", "desde los 18 años'",
     "desde los 18 años'", "end it with a full stop"),
    ("enum option without its words", "schema.yaml", "      imss: {es: del IMSS, en: from the IMSS}",
     "      imss: IMSS", "imss: IMSS", "option `imss` needs its words"),
    ("enum options as a bare list", "schema.yaml",
     "    options:\n      public: {es: pública, en: public}\n      private: {es: privada, en: private}",
     "    options: [public, private]", "options: [public, private]", "with their words"),
    ("sensitive as text", "programs/seguro_violencia_familiar.yaml", "sensitive: true",
     'sensitive: "sí"', "sensitive:", "true or false"),
    ("validity inverted", UNEMPLOYMENT, "expected_days_to_decision: 20",
     "expected_days_to_decision: 20\nvalid_from: 2026-01-01\nvalid_to: 2025-01-01", "valid_to",
     "before"),
]


@pytest.mark.parametrize(("case", "file", "old", "new", "where", "message"), BAD,
                         ids=[b[0] for b in BAD])
def test_bad_catalogs_fail_with_file_and_line(tmp_path: Path, case: str, file: str, old: str,
                                              new: str, where: str, message: str) -> None:
    root = edited(tmp_path, file, old, new)
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert caught.value.file == file, case
    assert caught.value.line == line_of(root, file, where), case
    assert message in caught.value.message, caught.value.message


def test_one_way_exclusion_is_refused(tmp_path: Path) -> None:
    root = edited(tmp_path, UNEMPLOYMENT, "excludes:\n- apoyo_jovenes_riesgo\n", "")
    with pytest.raises(CatalogError, match="does not exclude") as caught:
        load_catalog(root)
    assert caught.value.file == "programs/apoyo_jovenes_riesgo.yaml"


def test_duplicate_program_code_is_refused(tmp_path: Path) -> None:
    root = edited(tmp_path, UNEMPLOYMENT, "code: seguro_desempleo", "code: seguro_desempleo")
    shutil.copy(root / UNEMPLOYMENT, root / "programs" / "zz_copy.yaml")
    with pytest.raises(CatalogError, match="duplicate program") as caught:
        load_catalog(root)
    assert (caught.value.file, caught.value.line) == ("programs/zz_copy.yaml", 1)


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    root = edited(tmp_path, UNEMPLOYMENT, "code:", "code:")
    (root / UNEMPLOYMENT).write_text("- just\n- a list\n")
    with pytest.raises(CatalogError, match="mapping"):
        load_catalog(root)


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog(CATALOG)


def test_required_answers_unknown_events_and_programs_are_named(catalog) -> None:  # type: ignore[no-untyped-def]
    common = {"person": {}, "household": [], "as_of": date(2026, 3, 1)}
    with pytest.raises(AnswerError) as caught:
        evaluate(catalog, event_code="job_loss", answers={"formal_job": True}, **common)
    assert caught.value.field == "job_end_date"
    with pytest.raises(AnswerError) as caught:
        evaluate(catalog, event_code="job_loss", answers={"formal_job": "sí",
                                                          "job_end_date": "2026-01-01"}, **common)
    assert caught.value.field == "formal_job"
    with pytest.raises(UnknownCode) as unknown:
        evaluate(catalog, event_code="wedding", answers={}, **common)
    assert unknown.value.field == "event_code"
    with pytest.raises(EligibilityError):
        evaluate(catalog, event_code=None, answers={}, programs=["lottery"], **common)


def test_person_facts_are_typed_before_rules_read_them(catalog) -> None:  # type: ignore[no-untyped-def]
    as_of = date(2026, 3, 1)
    text_dates = {"birth_date": "1950-01-01", "resident_since": "1990-01-01"}
    (pension,) = evaluate(catalog, event_code=None, person=text_dates, household=[], answers={},
                          as_of=as_of, programs=["pension_adultos_mayores"]).results
    assert pension.verdict == "eligible"
    with pytest.raises(FactError) as caught:
        evaluate(catalog, event_code=None, person={"monthly_income": "mucho"}, household=[],
                 answers={}, as_of=as_of)
    assert caught.value.field == "person.monthly_income"
    with pytest.raises(FactError) as caught:
        evaluate(catalog, event_code=None, person={}, household=[{"borough": "Tlalpan"}],
                 answers={}, as_of=as_of)
    assert caught.value.field == "household.0.borough"
    nan_income = {"birth_date": date(1990, 1, 1), "sex": "M", "marital_status": "single",
                  "monthly_income": float("nan")}
    child = [{"relationship": "child", "birth_date": date(2020, 1, 1)}]
    (single,) = evaluate(catalog, event_code=None, person=nan_income, household=child, answers={},
                         as_of=as_of, programs=["apoyo_madres_solas"]).results
    assert single.verdict == "needs_information" and single.missing == ["person.monthly_income"]


def test_a_member_fact_that_is_missing_is_named(catalog) -> None:  # type: ignore[no-untyped-def]
    mother = {"birth_date": date(1990, 1, 1), "sex": "M", "marital_status": "single",
              "monthly_income": 4000}
    (result,) = evaluate(catalog, event_code=None, person=mother, household=[{"relationship": "child"}],
                         answers={}, as_of=date(2026, 3, 1), programs=["apoyo_madres_solas"]).results
    assert result.verdict == "needs_information"
    assert result.missing == ["member.birth_date"]
    assert "integrante del hogar" in result.reason["es"] and "household member" in result.reason["en"]


def test_a_sum_names_the_member_fact_it_lacks(tmp_path: Path) -> None:
    root = edited(tmp_path, "programs/apoyo_madres_solas.yaml",
                  "sum(members.monthly_income where is_known(member.monthly_income))",
                  'sum(members.monthly_income where member.relationship == "child")')
    mother = {"birth_date": date(1990, 1, 1), "sex": "M", "marital_status": "single",
              "monthly_income": 4000}
    child = {"relationship": "child", "birth_date": date(2015, 1, 1)}  # her income unknown
    (result,) = evaluate(load_catalog(root), event_code=None, person=mother, household=[child],
                         answers={}, as_of=date(2026, 3, 1),
                         programs=["apoyo_madres_solas"]).results
    assert result.verdict == "needs_information"
    assert result.missing == ["member.monthly_income"]
    assert "integrante del hogar" in result.reason["es"] and "household member" in result.reason["en"]
