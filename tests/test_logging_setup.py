"""The masking filter keeps log records formattable: uvicorn's access log formats its own
arguments, so each argument is masked and none is dropped."""

from __future__ import annotations

import logging
import sys

from uvicorn.logging import AccessFormatter

from redangel.logging_setup import PiiMaskingFilter

CURP = "HEGG560427MVZRRL04"


def _access_record(path: str) -> logging.LogRecord:
    """A record as uvicorn's access logger makes it."""
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                             '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:50000", "GET", path, "1.1", 200), None)


def test_an_access_line_with_a_uuid_and_a_curp_formats_masked() -> None:
    record = _access_record(f"/api/v1/persons/12345678-1234-4321-8765-123456789012?q={CURP}")
    assert PiiMaskingFilter().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s',
                           use_colors=False).format(record)
    assert CURP not in line and "[masked]" in line
    assert line.startswith('127.0.0.1:50000 - "GET /api/v1/persons/') and line.endswith(" 200 OK")
    assert record.args is not None and record.args[4] == 200  # non-strings are kept


def test_a_traceback_is_masked_too() -> None:
    try:
        raise ValueError(f"no person {CURP}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert PiiMaskingFilter().filter(record)
    assert CURP not in logging.Formatter().format(record)
