"""The chain of command file is read strictly: a cycle, an unknown role, hours that do not grow
or an unknown program are refused naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from redangel.eligibility.errors import CatalogError
from redangel.program import escalation_rules

GOOD = """\
start: office_supervisor
restart_days: 5
levels:
  office_supervisor:
    after_hours: 0
    escalates_to: program_lead
  program_lead:
    after_hours: 48
    escalates_to: coordinator
  coordinator:
    after_hours: 120
"""


def load(tmp_path: Path, text: str, programs: set[str] | None = None) -> escalation_rules.Chain:
    (tmp_path / "escalation.yaml").write_text(text, encoding="utf-8")
    return escalation_rules.load(tmp_path, programs=programs)


def refused(tmp_path: Path, text: str, programs: set[str] | None = None) -> CatalogError:
    with pytest.raises(CatalogError) as caught:
        load(tmp_path, text, programs)
    return caught.value


class TestChainFile:
    def test_the_catalogs_chain_loads_in_order(self, tmp_path: Path) -> None:
        chain = load(tmp_path, GOOD + "programs:\n  bebe_seguro:\n    after_hours:\n"
                     "      program_lead: 8\n", {"bebe_seguro"})
        assert [(lv.number, lv.role, lv.after_hours) for lv in chain.levels] == [
            (1, "office_supervisor", 0), (2, "program_lead", 48), (3, "coordinator", 120)]
        assert [lv.after_hours for lv in chain.for_program("bebe_seguro")] == [0, 8, 120]

    def test_a_cycle_is_refused_naming_file_and_line(self, tmp_path: Path) -> None:
        error = refused(tmp_path, GOOD.replace("    after_hours: 120\n",
                                               "    after_hours: 120\n"
                                               "    escalates_to: office_supervisor\n"))
        assert "cycle" in error.message and error.file == "escalation.yaml"
        assert error.line == 4  # the level the chain comes back to

    def test_an_unknown_role_is_refused(self, tmp_path: Path) -> None:
        error = refused(tmp_path, GOOD.replace("escalates_to: coordinator",
                                               "escalates_to: mayor"))
        assert "unknown role `mayor`" in error.message and error.line == 9

    def test_hours_must_grow_along_the_chain(self, tmp_path: Path) -> None:
        error = refused(tmp_path, GOOD.replace("after_hours: 120", "after_hours: 24"))
        assert "must be more than" in error.message and error.line == 11

    def test_an_unknown_program_or_key_is_refused(self, tmp_path: Path) -> None:
        error = refused(tmp_path, GOOD + "programs:\n  nope:\n    after_hours: {}\n", {"bebe_seguro"})
        assert "unknown program `nope`" in error.message and error.line == 13
        error = refused(tmp_path, GOOD + "speed: 3\n")
        assert "unknown key `speed`" in error.message and error.line == 12
