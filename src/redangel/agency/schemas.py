"""Shapes of the agency API: CURP lookup, the DCI-shaped registry search envelope and its
answer, the lists, the change feed and the person an agency sees.

The answers are the contract partners integrate with (`docs/agency-api.md`): their keys and the
way each value is written are pinned by the agency tests, so a change here is a change to
every agency's integration.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from redangel.common.types import Strict
from redangel.person.schemas import PersonAllowlisted
from redangel.program.schemas import (
    ApplicationOut,
    ApplicationStatus,
    Channel,
    EnrollmentOut,
    EnrollmentStatus,
    ExitReason,
)

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


Moment = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str,
                                             when_used="json")]
"""A UTC moment written as Python's `isoformat` (`+00:00`), as the change feed always has."""


class AgencyApplication(ApplicationOut):
    """An application of the agency's programs, with the person's borough."""

    borough: str | None


class AgencyApplicationPage(BaseModel):
    """One page of the agency's applications and the cursor to the next (`null` on the last)."""

    items: list[AgencyApplication]
    next_cursor: str | None


class AgencyEnrollment(EnrollmentOut):
    """An enrollment on the agency's roll, with the person's borough."""

    borough: str | None


class AgencyEnrollmentPage(BaseModel):
    """One page of the agency's roll and the cursor to the next (`null` on the last)."""

    items: list[AgencyEnrollment]
    next_cursor: str | None


class AgencyPerson(BaseModel):
    """A person of the agency's programs: the allowlisted fields and the agency's own programs."""

    person: PersonAllowlisted
    applications: list[ApplicationOut]
    enrollments: list[EnrollmentOut]


class _Feed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationState(_Feed):
    """An application's state right after a change, as the feed carries it."""

    folio: str
    person_id: uuid.UUID
    program: str
    channel: Channel
    status: ApplicationStatus
    submitted_at: Moment
    expected_decision_on: date
    decision_reason: str | None
    version: int


class EnrollmentState(_Feed):
    """An enrollment's state right after a change, as the feed carries it."""

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    status: EnrollmentStatus
    started_on: date
    ended_on: date | None
    exit_reason: ExitReason | None
    version: int


class DeliveryState(_Feed):
    """A delivery as the feed carries it (the amount in pesos, written as a string)."""

    id: uuid.UUID
    enrollment_id: uuid.UUID
    person_id: uuid.UUID
    program: str
    delivered_on: date
    kind: str
    amount: Decimal | None
    place: str | None


class Change(_Feed):
    """One change of the agency's records, numbered in commit order."""

    seq: int
    at: Moment
    entity: Literal["application", "enrollment", "delivery"]
    id: uuid.UUID
    person_id: uuid.UUID | None
    program: str
    action: Literal["submitted", "in_review", "approved", "rejected", "active", "suspended",
                    "exited", "delivered", "person_merged", "person_unmerged"]
    """`person_merged`: the record moved to the person's surviving record (`person_id`) when two
    records of one person were merged; `person_unmerged`: moved back when the merge was undone."""
    data: ApplicationState | EnrollmentState | DeliveryState


class ChangePage(BaseModel):
    """The changes after a cursor; `next_cursor` resumes after the last, `has_more` says ask again."""

    changes: list[Change]
    next_cursor: str
    has_more: bool


class DciRecords(BaseModel):
    """The records found by one search: the agency's allowlisted person view."""

    version: str
    reg_type: str
    reg_record_type: str
    reg_records: list[PersonAllowlisted]


class DciPagination(BaseModel):
    """Paging of one search's records."""

    page_size: int
    page_number: int
    total_count: int


class DciSearchAnswer(BaseModel):
    """The answer to one search of the batch, under its `reference_id` (a rejection as is)."""

    model_config = ConfigDict(extra="forbid")

    reference_id: str
    timestamp: datetime
    locale: str
    status: Literal["succ", "rjct"]
    status_reason_code: str | None
    status_reason_message: str | None


class DciSearchFound(DciSearchAnswer):
    """A search that was run: its records (maybe none) and their paging."""

    status: Literal["succ"]
    data: DciRecords
    pagination: DciPagination


class DciResponseHeader(BaseModel):
    """The header of the answer envelope."""

    version: str
    message_id: uuid.UUID
    message_ts: datetime
    action: Literal["on-search"]
    status: Literal["succ"]
    status_reason_code: str | None
    status_reason_message: str | None
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str
    is_msg_encrypted: bool


class DciResponseMessage(BaseModel):
    """The answers, one per search, in the order asked."""

    transaction_id: str
    correlation_id: uuid.UUID
    search_response: list[DciSearchFound | DciSearchAnswer]


class DciSearchResponse(BaseModel):
    """The DCI synchronous registry search answer envelope."""

    signature: str | None
    header: DciResponseHeader
    message: DciResponseMessage
