"""The life-event engine: a declarative catalog, a safe rule language, explained verdicts."""

from redangel.eligibility.catalog import Catalog, load_catalog
from redangel.eligibility.columns import evaluate_columns
from redangel.eligibility.columnspec import required_columns
from redangel.eligibility.engine import (
    ELIGIBLE,
    NEEDS_INFORMATION,
    NOT_ELIGIBLE,
    Evaluation,
    ProgramResult,
    evaluate,
)
from redangel.eligibility.errors import (
    AnswerError,
    CatalogError,
    EligibilityError,
    FactError,
    UnknownCode,
)
from redangel.eligibility.testing import Report, run_catalog_tests

__all__ = [
    "ELIGIBLE", "NEEDS_INFORMATION", "NOT_ELIGIBLE", "AnswerError", "Catalog", "CatalogError",
    "EligibilityError", "Evaluation", "FactError", "ProgramResult", "Report", "UnknownCode",
    "evaluate", "evaluate_columns", "load_catalog", "required_columns", "run_catalog_tests",
]
