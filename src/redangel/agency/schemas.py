"""Request shapes of the agency API: CURP lookup and the DCI-shaped registry search envelope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from redangel.common.types import Strict

Curp = Annotated[str, StringConstraints(min_length=1, max_length=18)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=100,
                                         pattern=r"^[A-Za-z0-9._:\-]+$")]
Free = Annotated[str, StringConstraints(max_length=200)]


class PersonLookup(Strict):
    """Find a person connected to the agency's programs by CURP (in the body, never the URL)."""

    curp: Curp


class DciHeader(Strict):
    """The DCI message header (only what a synchronous search needs is required)."""

    version: Free = "1.0.0"
    message_id: Token
    message_ts: datetime
    action: Literal["search"]
    sender_id: Token
    sender_uri: Free | None = None
    receiver_id: Token | None = None
    total_count: int = Field(ge=0, le=100)
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class DciQuery(Strict):
    """An identifier query: `{"type": "CURP", "value": "..."}`."""

    type: Annotated[str, StringConstraints(max_length=20)]
    value: Annotated[str, StringConstraints(max_length=40)]


class DciSearchCriteria(Strict):
    """What to search: only `idtype-value` on CURP is answered; anything else is rejected per item."""

    version: Free = "1.0.0"
    reg_type: Free | None = None
    reg_sub_type: Free | None = None
    query_type: Annotated[str, StringConstraints(max_length=30)]
    query: DciQuery | dict[str, Any]
    sort: list[dict[str, Any]] | None = Field(default=None, max_length=5)
    pagination: dict[str, Any] | None = None
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class DciSearchItem(Strict):
    """One search of the batch, answered under the same `reference_id`."""

    reference_id: Token
    timestamp: datetime
    search_criteria: DciSearchCriteria
    locale: Annotated[str, StringConstraints(max_length=10)] = "es"


class DciMessage(Strict):
    """The message: a transaction with up to 100 searches."""

    transaction_id: Token
    search_request: list[DciSearchItem] = Field(min_length=1, max_length=100)


class DciSearchRequest(Strict):
    """The DCI synchronous registry search envelope."""

    signature: Annotated[str, StringConstraints(max_length=2000)] | None = None
    header: DciHeader
    message: DciMessage
