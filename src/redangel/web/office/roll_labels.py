"""The words the steward's pages say for a roll import's codes: refusals, flags, outcomes,
states, agreement levels and the reasons of a pair's score."""

from __future__ import annotations

from redangel.web.i18n import _

STATES = {
    "preview": _("Preview: nothing written yet"), "reading": _("Reading rows"),
    "read": _("Read, not linked yet"), "linked": _("Linked: ready to review and merge"),
    "stopped": _("Stopped: too many duplicates in the file"),
    "merged": _("Merged into the registry"), "cancelled": _("Cancelled"),
}
REFUSALS = {
    "name_missing": _("No given name or first surname"),
    "birth_date_missing": _("No birth date"),
    "birth_date_ambiguous": _("Birth date could be day/month or month/day"),
    "birth_date_invalid": _("Birth date is not a real date"),
    "birth_date_future": _("Birth date is in the future"),
    "sex_missing": _("Sex not given or not understood"),
}
FLAGS = {
    "mojibake_repaired": _("Garbled accents repaired"),
    "case_changed": _("Capitals corrected"),
    "abbreviation_expanded": _("Abbreviation written out"),
    "initial_kept": _("Initial kept as written"),
    "enye_uncertain": _("Maybe an Ñ written as N"),
    "full_name_split": _("Full name split into parts"),
    "second_surname_missing": _("No second surname"),
    "date_reinterpreted": _("Date read month first"),
    "date_ambiguous": _("Date with day and month in doubt"),
    "date_two_digit_year": _("Two-digit year completed"),
    "date_excel_serial": _("Excel date number converted"),
    "date_invalid": _("Date not readable"),
    "curp_corrected": _("CURP corrected (O and 0)"),
    "curp_invalid": _("CURP not valid, left out"),
    "curp_inconsistent_birth_date": _("CURP does not match the birth date"),
    "curp_inconsistent_sex": _("CURP does not match the sex"),
    "curp_inconsistent_names": _("CURP does not match the name"),
    "borough_from_old_name": _("Borough from its old name"),
    "borough_from_typo": _("Borough from a misspelt name"),
    "borough_from_postal_code": _("Borough from the postal code"),
    "borough_unknown": _("Borough not recognised"),
    "phone_normalised": _("Phone written as ten digits"),
    "phone_invalid": _("Phone not valid, left out"),
    "sex_unknown": _("Sex code not understood"),
    "status_unknown": _("Status not understood, taken as active"),
}
OUTCOMES = {
    "linked": _("Linked to a registered person"), "new": _("New person"),
    "same_as_row": _("Same person as another row"), "review": _("Waiting for review"),
    "held": _("Held back"), "refused": _("Refused"),
}
FIELDS = {
    "curp": _("CURP"), "given_names": _("Given names"), "first_surname": _("First surname"),
    "second_surname": _("Second surname"), "birth_date": _("Birth date"), "sex": _("Sex"),
    "borough": _("Borough"), "postal_code": _("Postal code"),
}
LEVELS = {
    "exact": _("the same"), "close": _("nearly the same"), "different": _("different"),
    "missing": _("missing on one side"),
}
DECISIONS = {"same": _("Same person"), "different": _("Different persons"), "skip": _("Skipped"),
             "undecided": _("Not decided")}
ERRORS = {
    "roll_empty": _("The file is empty."),
    "roll_no_rows": _("The file has a header but no rows."),
    "roll_column_missing": _("A column the mapping names is not in the file's header."),
    "roll_header_repeated": _("The header names a column twice."),
    "roll_too_many_fields": _("A row has more fields than the header."),
    "roll_too_few_fields": _("A row has fewer fields than the header."),
    "roll_too_large": _("The file is larger than the limit."),
    "roll_encoding_unknown": _("The file's encoding could not be told."),
    "roll_csv_invalid": _("The file is not valid CSV."),
    "roll_xlsx_invalid": _("The file is not a valid Excel workbook."),
    "roll_mapping_invalid": _("The mapping is not valid."),
    "roll_file_missing": _("No file was sent."),
}


def reason(field: str, level: str, weight: float) -> str:
    """Why a field moves the score, in words (the weight is a log2 Bayes factor)."""
    if weight > 0:
        return _("points to the same person")
    if weight < 0:
        return _("points to different persons")
    return _("says nothing either way")
