"""A roll or mapping that cannot be read: the error names the file, the line and the column.

The problem texts of roll imports (English ids, Spanish in `rolls.po`) join the API's message
table here, so every surface that can raise them has them.
"""

from __future__ import annotations

from redangel.common.catalogs import _
from redangel.errors import FieldError, InvalidInput
from redangel.i18n import MESSAGES


class RollFileError(InvalidInput):
    """A file (roll or mapping) refused as a whole; nothing of it is written."""

    def __init__(self, code: str, *, file: str, line: int = 0, column: str = "",
                 detail: str = "") -> None:
        where = {"file": file, "line": line, "column": column}
        super().__init__("roll_file_refused", fields=[FieldError("file", code, where)],
                         extra={"file": file, "line": line, "column": column, "reason": code},
                         reason=code, **where)
        self.reason = code
        self.file, self.line, self.column, self.detail = file, line, column, detail

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.reason}{': ' + self.detail if self.detail else ''}"


MESSAGES.update({
    "roll_file_refused": _("The roll was refused (file {file}, line {line}, column {column})."),
    "roll_empty": _("the file is empty"),
    "roll_no_rows": _("the file has a header but no rows"),
    "roll_column_missing": _("a column the mapping names is not in the header"),
    "roll_header_repeated": _("the header names a column twice"),
    "roll_too_many_fields": _("a row has more fields than the header"),
    "roll_too_few_fields": _("a row has fewer fields than the header"),
    "roll_too_large": _("the file is larger than the limit"),
    "roll_encoding_unknown": _("the file's encoding could not be told"),
    "roll_csv_invalid": _("the file is not valid CSV"),
    "roll_xlsx_invalid": _("the file is not a valid Excel workbook"),
    "roll_mapping_invalid": _("the mapping is not valid"),
    "roll_file_missing": _("no file was sent"),
    "roll_file_base64": _("the file is not valid base64"),
    "roll_program_unknown": _("the agency has no program {program}"),
    "roll_thresholds": _("the review threshold must not pass the link threshold"),
    "roll_wrong_state": _("The import cannot do that in its current state ({state})."),
    "roll_not_resumable": _("The import's file is no longer kept; it cannot be resumed."),
})
