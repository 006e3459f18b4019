"""What standardising did to a row: each change keeps the value as the agency wrote it.

A `Change` names the field and a code saying what was done (or flagged); its values are
personal and travel only inside the row's sealed blob, never in a clear column or a log.
"""

from __future__ import annotations

from dataclasses import dataclass

FLAG_CODES = (
    "mojibake_repaired", "case_changed", "abbreviation_expanded", "initial_kept", "enye_uncertain",
    "full_name_split", "second_surname_missing", "date_reinterpreted", "date_ambiguous",
    "date_two_digit_year", "date_excel_serial", "date_invalid", "curp_corrected", "curp_invalid",
    "curp_inconsistent_birth_date", "curp_inconsistent_sex", "curp_inconsistent_names",
    "borough_from_old_name", "borough_from_typo", "borough_from_postal_code", "borough_unknown",
    "phone_normalised", "phone_invalid", "sex_unknown", "status_unknown",
)
"""Every code a change may carry (the report counts them, the pages name them in words)."""


@dataclass(frozen=True)
class Change:
    """One standardisation applied to one field, with the original beside the result."""

    field: str
    code: str
    original: str
    result: str | None

    def as_dict(self) -> dict[str, str | None]:
        """The change as sealed JSON."""
        return {"field": self.field, "code": self.code, "original": self.original,
                "result": self.result}
