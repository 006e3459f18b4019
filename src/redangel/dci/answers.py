"""The answers a DCI receiver sends back: the acknowledgement (`Response`), the transport
error (`HttpErrorResponse`) and the `rjct` envelope that names the standard's reason code."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from redangel.dci.codes import TRANSPORT_STATUS, HeaderReason, TransportError


def ack(*, correlation_id: str, at: datetime, status: str = "ACK") -> dict[str, Any]:
    """The standard's acknowledgement: the message was valid and taken."""
    return {"message": {"ack_status": status, "timestamp": at.isoformat(timespec="milliseconds"),
                        "correlation_id": correlation_id}}


def transport_error(code: TransportError, message: str) -> tuple[int, dict[str, Any]]:
    """A message that cannot be read or whose integrity fails: HTTP status and body."""
    return TRANSPORT_STATUS[code], {"errors": [{"code": code, "message": message[:999]}]}


def rjct(*, action: str, reason: HeaderReason, message: str, at: datetime,
         sender_id: str, receiver_id: str | None, message_id: str | None = None,
         total_count: int = 0) -> dict[str, Any]:
    """The `rjct` envelope: a callback header saying why the whole message was refused."""
    header: dict[str, Any] = {
        "version": "1.0.0",
        "message_id": message_id or str(uuid.uuid4()),
        "message_ts": at.isoformat(timespec="milliseconds"),
        "action": action,
        "status": "rjct",
        "status_reason_code": reason,
        "status_reason_message": message[:999],
        "total_count": total_count,
        "completed_count": 0,
        "sender_id": sender_id,
        "is_msg_encrypted": False,
    }
    if receiver_id:
        header["receiver_id"] = receiver_id
    return {"header": header, "message": {}}
