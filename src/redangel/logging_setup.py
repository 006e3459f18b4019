"""Logging that never carries a person's data: CURPs, phone numbers and emails are masked.

Lines are JSON objects (time, level, logger, message, the request's id, the masked traceback)
so that a log store can search them; `REDANGEL_LOG_FORMAT=text` keeps plain lines.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str] = ContextVar("redangel_request_id", default="-")

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


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (`-` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, from a record the masking filter has already cleaned."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
        }
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def install(log_format: str = "json") -> None:
    """Attach the masking and request-id filters (and the JSON format, unless `text`) to every
    handler of the root and uvicorn loggers."""
    logging.basicConfig(level=logging.INFO)
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
                handler.addFilter(PiiMaskingFilter())
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
            # A test runner's capture handlers keep their own format.
            if log_format == "json" and not type(handler).__module__.startswith("_pytest"):
                handler.setFormatter(JsonFormatter())
