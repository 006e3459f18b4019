"""Each YAML case in tests/ is its own pytest item, so a failing case names itself.

`pytest life_events` lists the cases as `life_events/tests/<file>.yaml::<case name>`; run one with
`pytest life_events -k <words of its name>`. A file that the strict reader refuses is a collection
error naming its file and line. The coverage gate over all cases is tests/eligibility's (and
`redangel catalog check`'s): it needs every case, not one.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from redangel.eligibility import Catalog, CatalogError, load_catalog
from redangel.eligibility.testing import Mismatch, check_case, read_cases
from redangel.eligibility.yamlfile import Mapping

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

ROOT = Path(__file__).resolve().parent


@cache
def _catalog() -> Catalog:
    return load_catalog(ROOT)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    """Collect the YAML files of this catalog's tests/ folder as files of cases."""
    if file_path.suffix == ".yaml" and file_path.parent == ROOT / "tests":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    """The expectations of one case that the catalog does not meet."""

    def __init__(self, mismatches: list[Mismatch]) -> None:
        self.mismatches = mismatches
        super().__init__("; ".join(str(m) for m in mismatches))


class CaseFile(pytest.File):
    """One file of cases, read strictly: a malformed file fails to collect, naming file and line."""

    def collect(self) -> Iterator[CaseItem]:
        """One item per case, named after the case."""
        try:
            catalog = _catalog()
            cases = read_cases(self.path, catalog.root)
        except CatalogError as exc:
            raise self.CollectError(f"{ROOT.name}/{exc}") from exc
        for case in cases:
            yield CaseItem.from_parent(self, name=case["name"], catalog=catalog, case=case)


class CaseItem(pytest.Item):
    """One case: its verdicts, failing criteria, missing facts or refused answer."""

    def __init__(self, *, catalog: Catalog, case: Mapping, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.catalog, self.case = catalog, case

    def runtest(self) -> None:
        """Evaluate the case; fail with every expectation it does not meet."""
        mismatches = check_case(self.catalog, self.case)
        if mismatches:
            raise CaseFailed(mismatches)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | TerminalRepr:
        """The case's file, line and name, then expected against actual (no traceback)."""
        head = f"{self.location[0]}:{self.case.line}: case `{self.name}`"
        if isinstance(excinfo.value, CaseFailed):
            return "\n".join([head] + [f"  {m.subject}\n    expected: {m.expected}\n"
                                       f"    actual:   {m.actual}" for m in excinfo.value.mismatches])
        if isinstance(excinfo.value, CatalogError):
            return f"{head}\n  the case is invalid: {ROOT.name}/{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the case is written."""
        return self.path, self.case.line - 1, f"case `{self.name}`"
