"""Opaque keyset cursors: stable under inserts, no OFFSET scans on large tables."""

from __future__ import annotations

import base64
import json
from typing import Any

from redangel.errors import FieldError, InvalidInput


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor for the position after a row."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The position a cursor names; a malformed cursor is a field error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")])
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")])
    return values
