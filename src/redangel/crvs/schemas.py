"""The civil registry's messages as redangel reads them (the standard's `NotifyEventRequest`,
its person record as the DCI examples write it), and the read models of events and offers.

A record's JSON-LD annotations and the fields redangel does not use (phones, places, marital
status) are let through unread; every field redangel does use is checked, so an event that
cannot be read is refused whole, with the field named.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from redangel.common.types import BOROUGHS
from redangel.dci.envelope import Id, Locale, Timestamp

EVENT_TYPES: dict[str, str] = {
    "BIRTH_REGISTERED": "birth", "live_birth": "birth",
    "DEATH_REGISTERED": "death", "death": "death",
    "DEATH_REVERSAL": "death_reversal",
    "DATA_MODIFICATION": "data_modification",
}
"""The event types read: MOSIP's `EventType` (with its death reversal and data modification)
and the DCI vital events `live_birth` and `death`."""

SEXES = {"male": "H", "female": "M", "other": "X"}
"""The DCI sex codes as the CURP writes sex (H hombre, M mujer, X no binario)."""


def _day(value: Any) -> Any:
    """A date, or the date part of a timestamp (the examples write `1995-09-21T11:20:00`)."""
    if isinstance(value, str) and len(value) > 10 and value[10] == "T":
        return value[:10]
    return value


Day = Annotated[date, BeforeValidator(_day)]
NamePart = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Identifier(_Read):
    """One identifier: `UIN` is the CURP, `BRN` the birth and `DRN` the death registration."""

    identifier_type: Literal["UIN", "BRN", "MRN", "DRN"]
    identifier_value: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Name(_Read):
    """A name: `surname` holds both surnames separated by `/` (the standard's separator)."""

    given_name: NamePart
    surname: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=201)]

    @property
    def surnames(self) -> tuple[str, str | None]:
        """First and second surname."""
        first, _, second = self.surname.partition("/")
        return first.strip(), (second.strip() or None)


class Address(_Read):
    """Where the person lives: `sub_region_code` is the city's borough."""

    sub_region_code: Annotated[str, StringConstraints(max_length=40)] | None = None

    @property
    def borough(self) -> str | None:
        """The borough code, when it is one of the city's."""
        return self.sub_region_code if self.sub_region_code in BOROUGHS else None


class Parent(_Read):
    """A parent named in a birth record (the `parents` of the DCI person)."""

    identifier: list[Identifier] = Field(default_factory=list, max_length=5)
    name: Name | None = None
    birth_date: Day | None = None
    address: list[Address] = Field(default_factory=list, max_length=3)


class ParentIdentifier(_Read):
    """`parent1_identifier` / `parent2_identifier` of the DCI person record."""

    identifier_type: Literal["UIN", "BRN", "MRN", "DRN"]
    identifier_value: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    identifier: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None

    @property
    def value(self) -> str | None:
        """The value, under either of the standard's two spellings."""
        return self.identifier_value or self.identifier


class PersonRecord(_Read):
    """The person a vital event is about."""

    identifier: list[Identifier] = Field(min_length=1, max_length=5)
    name: Name | None = None
    sex: Literal["male", "female", "other", "unknown"] | None = None
    birth_date: Day | None = None
    death_date: Day | None = None
    address: list[Address] = Field(default_factory=list, max_length=3)
    parent1_identifier: ParentIdentifier | None = None
    parent2_identifier: ParentIdentifier | None = None
    parents: list[Parent] = Field(default_factory=list, max_length=2)

    def id_of(self, kind: str) -> str | None:
        """The first identifier of a type."""
        return next((i.identifier_value for i in self.identifier if i.identifier_type == kind), None)


class EventData(_Read):
    """What an event carries: its type, the record type and the record."""

    version: Annotated[str, StringConstraints(max_length=20)] = "1.0.0"
    reg_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    reg_event_type: Literal["BIRTH_REGISTERED", "DEATH_REGISTERED", "DEATH_REVERSAL",
                            "DATA_MODIFICATION", "live_birth", "death"]
    reg_record_type: Annotated[str, StringConstraints(max_length=100)]
    reg_records: PersonRecord


class NotifyEvent(_Read):
    """One event of a notification."""

    reference_id: Id
    timestamp: Timestamp
    data: EventData
    locale: Locale | None = None


class NotifyMessage(_Read):
    """`NotifyEventRequest`: a transaction of up to 100 events."""

    transaction_id: Id
    notify_event: list[NotifyEvent] = Field(min_length=1, max_length=100)


class SubscriptionOut(BaseModel):
    """One event type asked of a civil registry, and what it answered."""

    reg_event_type: str
    state: str
    code: str | None
    reason: str | None
    requested_at: datetime
    answered_at: datetime | None


class SourceOut(BaseModel):
    """A registered civil registry."""

    sender_id: str
    name: str
    receiver_id: str
    active: bool
    created_at: datetime


class EventOut(BaseModel):
    """One notified event as admins and data stewards see it: no personal data, its state and
    outcome (what it changed, or why it waits)."""

    id: uuid.UUID
    sender_id: str
    transaction_id: str
    reference_id: str
    kind: Literal["birth", "death", "death_reversal", "data_modification"]
    state: Literal["received", "processed", "waiting", "needs_review", "rejected"]
    reason: str | None
    registered_on: date | None
    person_id: uuid.UUID | None
    outcome: dict[str, Any]
    attempts: int
    received_at: datetime
    processed_at: datetime | None


class EventPage(BaseModel):
    """Events, newest first."""

    items: list[EventOut]


class OfferOut(BaseModel):
    """A proactive offer: the program, why it was offered and what became of it."""

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    program_name: dict[str, str]
    life_event: str
    state: Literal["offered", "accepted", "declined"]
    offered_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decided_where: str | None
    folio: str | None


class OfferDecision(BaseModel):
    """Accepting or declining an offer, as the person said."""

    model_config = ConfigDict(extra="forbid")

    accept: bool


class DciAckMessage(BaseModel):
    """The acknowledgement's message (the standard's `Response`)."""

    ack_status: Literal["ACK", "NACK", "ERR"]
    timestamp: str
    correlation_id: str


class DciAck(BaseModel):
    """The standard's acknowledgement of a message taken."""

    message: DciAckMessage


class TxnEventStatus(BaseModel):
    """One notified event's state, as a `SubscribeResponse` item."""

    reference_id: str
    timestamp: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    status_reason_code: str | None = None
    status_reason_message: str | None = None


class TxnStatusBody(BaseModel):
    """The `SubscribeResponse` carried as `txn_status`."""

    transaction_id: str
    correlation_id: str
    subscribe_response: list[TxnEventStatus]


class TxnStatusResponse(BaseModel):
    """`txnstatus_response`."""

    txn_type: Literal["on-subscribe"]
    txn_status: TxnStatusBody


class TxnOnStatusMessage(BaseModel):
    """The standard's `TxnStatusResponse`."""

    transaction_id: str
    correlation_id: str
    txnstatus_response: TxnStatusResponse


class DciCallbackHeader(BaseModel):
    """The callback header redangel signs (`MsgCallbackHeader_V1.0.0`)."""

    version: str
    message_id: str
    message_ts: str
    action: str
    status: Literal["rcvd", "pdng", "succ", "rjct"]
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str
    is_msg_encrypted: bool


class TxnOnStatus(BaseModel):
    """The signed `txn-on-status` envelope answering a `txn-status`."""

    signature: str
    header: DciCallbackHeader
    message: TxnOnStatusMessage


class FlaggedDelivery(BaseModel):
    """A delivery dated after the person's registered death: the agency checks it."""

    delivery_id: uuid.UUID
    person_id: uuid.UUID
    program: str
    delivered_on: date
    died_on: date
    flagged_at: datetime


class ReviewItem(BaseModel):
    """An event a data steward reviews: what kind, on which day, and why (no personal data)."""

    id: uuid.UUID
    kind: str
    state: str
    reason: str | None
    registered_on: date | None
    received_at: datetime
    attempts: int


class ReviewPerson(BaseModel):
    """The facts a data steward compares to tell persons apart (the review's field policy:
    names, birth date, sex, CURP and borough; never contact or sensitive data)."""

    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    curp: str | None = None
    borough: str | None = None


class FieldAgreement(BaseModel):
    """How one field of the event's person and a registered person compare."""

    field: str
    level: Literal["exact", "close", "different", "missing"]


class ReviewCandidate(BaseModel):
    """A registered person the event may be about, compared field by field."""

    person_id: uuid.UUID
    person: ReviewPerson
    deceased_on: date | None
    agreements: list[FieldAgreement]
    searched: bool = False


class EventReview(BaseModel):
    """An event waiting for a steward: its facts, the person sought and the candidates."""

    item: ReviewItem
    sought: Literal["mother", "person"]
    facts: ReviewPerson
    from_curp: bool
    """The sought person's birth date and sex were read from the CURP (the event gave no more)."""
    child: ReviewPerson | None
    death_date: date | None
    candidates: list[ReviewCandidate]
    searched: list[ReviewCandidate]
    pending: bool
    outcome: dict[str, Any]
