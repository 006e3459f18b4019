"""Errors of the life-event engine: a catalog that cannot load, or answers that do not fit."""

from __future__ import annotations


class EligibilityError(Exception):
    """Base of every error the engine raises."""


class CatalogError(EligibilityError):
    """The catalog is invalid; names the file and line so that an author can fix it."""

    def __init__(self, message: str, *, file: str = "", line: int = 0) -> None:
        self.file, self.line, self.message = file, line, message
        where = f"{file}:{line}: " if file else ""
        super().__init__(f"{where}{message}")


class AnswerError(EligibilityError):
    """An answer to a life event's question is missing or of the wrong kind."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class UnknownCode(EligibilityError):
    """A life event, program or parameter the catalog does not have."""

    def __init__(self, kind: str, code: str) -> None:
        self.field = {"life event": "event_code", "program": "programs"}.get(kind, kind)
        self.code = code
        super().__init__(f"no {kind} `{code}` in the catalog")


class FactError(EligibilityError):
    """A person's or household member's fact is not of the type the schema declares."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
