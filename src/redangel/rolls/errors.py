"""A roll or mapping that cannot be read: the error names the file, the line and the column."""

from __future__ import annotations

from redangel.errors import InvalidInput


class RollFileError(InvalidInput):
    """A file (roll or mapping) refused as a whole; nothing of it is written."""

    def __init__(self, code: str, *, file: str, line: int = 0, column: str = "",
                 detail: str = "") -> None:
        super().__init__(code, file=file, line=line, column=column, detail=detail)
        self.file, self.line, self.column, self.detail = file, line, column, detail

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.code}{': ' + self.detail if self.detail else ''}"
