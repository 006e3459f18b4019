"""Logging that never carries a person's data: CURPs, phone numbers and emails are masked."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_PATTERNS = (
    re.compile(r"\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b", re.IGNORECASE),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"(?<!\d)(\+?\d[\d -]{8,14}\d)(?!\d)"),
    # PostgreSQL names the clashing values of a constraint: "Key (curp_index)=(3f9a...)"
    re.compile(r"Key \([^)]*\)=\([^)]*\)"),
)


def mask(text: str) -> str:
    """Replace every CURP, email and phone number in a text."""
    for pattern in _PATTERNS:
        text = pattern.sub("[masked]", text)
    return text


class PiiMaskingFilter(logging.Filter):
    """Masks personal identifiers in every record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Mask the template and each argument, never the formatted line: handlers such as
        # uvicorn's access log format the arguments themselves and need them to stay there.
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def _masked(value: object) -> object:
    """A log argument with identifiers masked: strings masked, other values kept as they are."""
    return mask(value) if isinstance(value, str) else value


def install() -> None:
    """Attach the masking filter to every handler of the root and uvicorn loggers."""
    logging.basicConfig(level=logging.INFO)
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
                handler.addFilter(PiiMaskingFilter())
