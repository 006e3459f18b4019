"""The standard's enumerations: request statuses, the header's status reason codes, the
per-request reason codes of search, subscribe and unsubscribe, and the transport error codes.

Copied from `registry_core_api_v1.0.0.yaml` and `social_api_v1.0.0.yaml` (see `standard/`); a
code that is not here is not the standard's and is never sent.
"""

from __future__ import annotations

from typing import Literal

RequestStatus = Literal["rcvd", "pdng", "succ", "rjct"]

HeaderReason = Literal[
    "rjct.version.invalid",
    "rjct.message_id.duplicate",
    "rjct.message_ts.invalid",
    "rjct.action.invalid",
    "rjct.action.not_supported",
    "rjct.total_count.invalid",
    "rjct.total_count.limit_exceeded",
    "rjct.errors.too_many",
]
"""MsgHeaderStatusReasonCode: what is wrong with the envelope as a whole."""

SearchReason = Literal[
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.search_criteria.invalid",
    "rjct.filter.invalid",
    "rjct.sort.invalid",
    "rjct.pagination.invalid",
    "rjct.search.too_many_records_found",
]
"""SearchStatusReasonCode: what is wrong with one search of a batch."""

SubscribeReason = Literal[
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.notify_types.invalid",
    "rjct.notify_details.invalid",
    "rjct.person_id.invalid",
    "rjct.event.already_subscribed",
]
"""SubscribeStatusReasonCode."""

UnsubscribeReason = Literal[
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.subscription_code.invalid",
    "rjct.requester.invalid",
    "rjct.event.already_unsubscribed",
]
"""UnSubscribeStatusReasonCode."""

TransportError = Literal[
    "err.request.bad",
    "err.request.unauthorized",
    "err.request.forbidden",
    "err.request.not_found",
    "err.request.timeout",
    "err.version.not_supported",
    "err.request.too_many_requests",
    "err.sender_id.invalid",
    "err.sender_uri.invalid",
    "err.receiver_id.invalid",
    "err.signature.missing",
    "err.signature.invalid",
    "err.encryption.invalid",
    "err.service.unavailable",
]
"""The `Error` object's codes: a message that cannot be parsed or whose integrity fails."""

TRANSPORT_STATUS: dict[str, int] = {
    "err.request.bad": 400,
    "err.request.unauthorized": 401,
    "err.request.forbidden": 403,
    "err.request.not_found": 404,
    "err.request.timeout": 408,
    "err.version.not_supported": 400,
    "err.request.too_many_requests": 429,
    "err.sender_id.invalid": 403,
    "err.sender_uri.invalid": 400,
    "err.receiver_id.invalid": 400,
    "err.signature.missing": 401,
    "err.signature.invalid": 401,
    "err.encryption.invalid": 400,
    "err.service.unavailable": 503,
}
"""The HTTP status each transport error answers with (the standard's 401/403/500 responses)."""

SUPPORTED_VERSION = "1.0.0"
