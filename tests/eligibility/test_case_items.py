"""Each catalog case is one pytest item that names itself; a malformed case file is refused."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redangel.eligibility import CatalogError, load_catalog
from redangel.eligibility.testing import read_cases, run_catalog_tests

CATALOG = Path(__file__).resolve().parents[2] / "life_events"
SCHOOL = "tests/school.yaml"
CASE = "public high-school student"


def copied(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """The shipped catalog (with its conftest.py) copied to tmp_path/catalog, each edit applied once."""
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root, ignore=shutil.ignore_patterns("__pycache__"))
    for file, (old, new) in (edits or {}).items():
        text = (root / file).read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        (root / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return root


def run_pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a real pytest over the copied catalog, as an author would."""
    env = {**os.environ, "PYTEST_ADDOPTS": "", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "catalog", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


def line_of(root: Path, file: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle`."""
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_each_case_is_one_item_and_a_failing_one_names_itself(tmp_path: Path) -> None:
    root = copied(tmp_path, {
        SCHOOL: ("expect: {prepa_si: eligible}", "expect: {prepa_si: not_eligible}"),
        "tests/work.yaml": ("expect: {seguro_desempleo: not_eligible}",
                            "expect: {seguro_desempleo_x: eligible}"),
    })
    result = run_pytest(tmp_path, "-v")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    items = re.findall(r"^(catalog/\S+::.+) (?:PASSED|FAILED) +\[", out, re.MULTILINE)
    assert len(items) == len(set(items)) == run_catalog_tests(load_catalog(CATALOG)).cases
    assert f"catalog/{SCHOOL}::{CASE}" in items and "2 failed" in out and "Traceback" not in out
    assert f"FAILED catalog/{SCHOOL}::{CASE}" in out
    line = line_of(root, SCHOOL, f"- name: {CASE}")
    assert f"catalog/{SCHOOL}:{line}: case `{CASE}`\n  prepa_si verdict\n    expected: not_eligible\n" \
           "    actual:   eligible (" in out
    assert "FAILED catalog/tests/work.yaml::67 years old, informal job" in out
    wrong = line_of(root, "tests/work.yaml", "seguro_desempleo_x")
    assert f"the case is invalid: catalog/tests/work.yaml:{wrong}: unknown program `seguro_desempleo_x`" \
        in out


def test_one_case_runs_by_the_words_of_its_name(tmp_path: Path) -> None:
    copied(tmp_path, {SCHOOL: ("expect: {prepa_si: eligible}", "expect: {prepa_si: not_eligible}")})
    only = run_pytest(tmp_path, "-q", "-k", "high-school and student and not private")
    assert only.returncode == 1 and "1 failed, " in only.stdout and "deselected" in only.stdout, only.stdout
    assert f"FAILED catalog/{SCHOOL}::{CASE}" in only.stdout


def test_a_malformed_case_file_fails_to_collect_naming_file_and_line(tmp_path: Path) -> None:
    root = copied(tmp_path, {SCHOOL: ("  expect: {prepa_si: eligible}", "  expects: {prepa_si: eligible}")})
    result = run_pytest(tmp_path, "-q")
    assert result.returncode != 0
    line = line_of(root, SCHOOL, "expects:")
    assert f"catalog/{SCHOOL}:{line}: unknown key `expects`" in result.stdout, result.stdout


MALFORMED = [  # (case, old, new, the line the error names (its last occurrence), message)
    ("unknown key", "  expect: {prepa_si: eligible}", "  expects: {prepa_si: eligible}", "expects:",
     "unknown key `expects`"),
    ("duplicate key", "  expect: {prepa_si: eligible}", "  expect: {prepa_si: eligible}\n  as_of: 2026-03-02",
     "as_of: 2026-03-02", "duplicate key `as_of`"),
    ("missing name", f"- name: {CASE}\n  as_of", "- as_of", "- as_of", "missing key `name`"),
    ("name not text", f"- name: {CASE}\n", "- name: 7\n", "- name: 7", "`name` must be non-empty text"),
    ("same name twice", "- name: private high-school dropout",
     "- name: primary school pupil at a public school", "- name: primary school pupil at a public school",
     "already used by the case at line 1"),
    ("not a list", "- name: primary school pupil", "cases:\n- name: primary school pupil", "cases:",
     "a test file is a list of cases"),
    ("not valid YAML", "  expect: {prepa_si: eligible}", "  expect: {prepa_si: eligible}}", "eligible}}",
     "not valid YAML"),
]


@pytest.mark.parametrize(("case", "old", "new", "where", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_the_strict_reader_refuses_a_malformed_case_file(tmp_path: Path, case: str, old: str, new: str,
                                                         where: str, message: str) -> None:
    path = tmp_path / SCHOOL
    path.parent.mkdir()
    text = (CATALOG / SCHOOL).read_text(encoding="utf-8")
    assert old in text, case
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        read_cases(path, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = max(i for i, text in enumerate(lines, 1) if where in text)
    assert (caught.value.file, caught.value.line) == (SCHOOL, line), (case, str(caught.value))
    assert message in caught.value.message, caught.value.message
