"""Logging that never carries a person's data: CURPs, phone numbers and emails are masked."""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    re.compile(r"\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b", re.IGNORECASE),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"(?<!\d)(\+?\d[\d -]{8,14}\d)(?!\d)"),
)


def mask(text: str) -> str:
    """Replace every CURP, email and phone number in a text."""
    for pattern in _PATTERNS:
        text = pattern.sub("[masked]", text)
    return text


class PiiMaskingFilter(logging.Filter):
    """Masks personal identifiers in every record that passes through a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def install() -> None:
    """Attach the masking filter to every handler of the root and uvicorn loggers."""
    logging.basicConfig(level=logging.INFO)
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
                handler.addFilter(PiiMaskingFilter())
