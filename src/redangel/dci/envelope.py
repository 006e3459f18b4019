"""The DCI envelope: `signature`, `header`, `message`, with the standard's constraints.

`MsgHeader_V1.0.0` (a request: sender and count required) and `MsgCallbackHeader_V1.0.0` (a
callback or notification: status required) share their fields; both refuse timestamps without
a zone, counts written as text, over-long reason messages and unknown fields. The message is
kept as the sender wrote it (`dict`): each action parses its own, and the signature covers
exactly what was sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from redangel.dci.codes import HeaderReason, RequestStatus

Text = Annotated[str, StringConstraints(max_length=999)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=99, pattern=r"^[\x21-\x7e]+$")]
"""An identifier of the envelope (message, transaction, reference, sender): printable ASCII
without spaces, at most 99 characters (the standard's `TransactionId` bound, used for all)."""

Timestamp = Annotated[
    AwareDatetime,
    PlainSerializer(lambda v: v.isoformat(timespec="milliseconds"), return_type=str, when_used="json"),
]
"""ISO 8601 with its zone (`DateTime`: "including timezone")."""

Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]
"""ISO 639-3, three lowercase letters (`LanguageCode`)."""

Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Header(_Shape):
    """The fields both header kinds may carry."""

    version: Annotated[str, StringConstraints(max_length=20)] = "1.0.0"
    message_id: Id
    message_ts: Timestamp
    action: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    status: RequestStatus | None = None
    status_reason_code: HeaderReason | None = None
    status_reason_message: Text | None = None
    total_count: Count | None = None
    completed_count: Count | None = None
    sender_id: Id | None = None
    sender_uri: Annotated[str, StringConstraints(max_length=500)] | None = None
    receiver_id: Id | None = None
    is_msg_encrypted: StrictBool = False
    meta: dict[str, Any] | None = None


class RequestHeader(Header):
    """`MsgHeader_V1.0.0`: a request names its sender and how many requests it carries."""

    sender_id: Id
    total_count: Count


class CallbackHeader(Header):
    """`MsgCallbackHeader_V1.0.0`: a callback or notification carries its status."""

    status: RequestStatus


class Envelope(_Shape):
    """A whole DCI message as received: the signature, the header and the raw message."""

    signature: Annotated[str, StringConstraints(max_length=2000)] | None = None
    header: dict[str, Any]
    message: dict[str, Any] | None = None


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as the wire carries it: JSON types, absent fields left out (never `null`)."""
    return model.model_dump(mode="json", exclude_none=True)
