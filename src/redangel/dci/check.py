"""Reading a received header: which of the standard's reason codes a bad field earns.

A field with its own code (`version`, `message_ts`, `action`, `total_count`) answers the `rjct`
envelope with that code; any other unreadable part of the envelope is a bad request
(`err.request.bad`), since the standard names no code for it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from redangel.dci.codes import SUPPORTED_VERSION, HeaderReason
from redangel.dci.envelope import Header

H = TypeVar("H", bound=Header)

_FIELD_REASON: dict[str, HeaderReason] = {
    "version": "rjct.version.invalid",
    "message_ts": "rjct.message_ts.invalid",
    "action": "rjct.action.invalid",
    "total_count": "rjct.total_count.invalid",
    "completed_count": "rjct.total_count.invalid",
}


class Refused(Exception):
    """The envelope is refused: a header reason code, or none (a bad request)."""

    def __init__(self, reason: HeaderReason | None, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def read_header(raw: dict[str, Any], model: type[H], *, action: str) -> H:
    """The header parsed, of the expected action and version, or `Refused` with its code."""
    try:
        header = model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        raise Refused(_FIELD_REASON.get(name), f"header.{name}: {first['msg']}") from exc
    if header.version != SUPPORTED_VERSION:
        raise Refused("rjct.version.invalid", f"header.version: only {SUPPORTED_VERSION}")
    if header.action != action:
        raise Refused("rjct.action.invalid", f"header.action: this endpoint takes {action}")
    return header
