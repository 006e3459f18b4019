"""The DCI social-registry search as the standard writes it (`social_api_v1.0.0.yaml`).

Requests are read in two steps so that a bad part earns the standard's answer, not a generic
error: the message (`SearchMessage`) first, then each search of the batch on its own
(`SearchItem`, `SearchCriteria`), whose faults become that item's `rjct` with its reason code.
The standard's schemas are open (unknown members are allowed), so unknown members are ignored;
the members it defines are held to its types, lengths and enumerations.

Answers are typed: a found person is a `Member` (`member_identifier`, `demographic_info` with
`identifier[]`, `name`, `sex`, `birth_date`), as the standard's examples write one; a member
absent from the agency's allowlist is absent from the answer, never `null`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from redangel.dci.codes import RequestStatus, SearchReason
from redangel.dci.envelope import Id, Locale, Text, Timestamp

Name = Annotated[str, StringConstraints(min_length=1, max_length=60)]
PAGE_SIZE_LIMIT = 100


class _Open(BaseModel):
    """A part of the standard's message: its own members checked, others ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class SearchMessage(_Open):
    """`SearchRequest`: the transaction and its batch of searches (each read on its own)."""

    transaction_id: Id
    search_request: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class SearchItem(_Open):
    """One search of the batch, answered under its `reference_id`."""

    reference_id: Id
    timestamp: Timestamp
    search_criteria: dict[str, Any]
    locale: Locale | None = None


class Sort(_Open):
    """Order of the records found: one of the attributes the registry sorts by."""

    attribute_name: Name
    sort_order: Literal["asc", "desc"] = "asc"


class Pagination(_Open):
    """Which page of the records found; counts start at 1."""

    page_size: Annotated[StrictInt, Field(ge=1, le=PAGE_SIZE_LIMIT)]
    page_number: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = 1


class SearchCriteria(_Open):
    """What one search asks: `sort` and `pagination` are read apart, for their own codes."""

    version: Literal["1.0.0"] = "1.0.0"
    reg_event_type: Literal["REGISTER", "NewHouseHoldMember"] | None = None
    reg_type: Annotated[str, StringConstraints(max_length=99)] | None = None
    reg_sub_type: Annotated[str, StringConstraints(max_length=99)] | None = None
    query_type: Literal["idtype-value", "expression", "predicate"]
    response_entity: Literal["Group", "Member"] | None = None
    query: dict[str, Any] | list[Any]
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class Predicate(_Open):
    """`expression1` / `expression2`: an attribute, an operator and a value."""

    attribute_name: Name
    operator: Literal["gt", "lt", "eq", "ge", "le", "in"]
    attribute_value: str | int | float | bool | list[str | int] | dict[str, Any]


class PredicateStep(_Open):
    """One item of a predicate list: a predicate, or two joined by `and`, `or` or `not`."""

    seq_num: StrictInt | float | None = None
    expression1: Predicate
    condition: Literal["and", "or", "not"] | None = None
    expression2: Predicate | None = None


# Answers -----------------------------------------------------------------------------------

class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Identifier(_Out):
    """An identifier of a person: its type and value."""

    type_: Literal["Identifier"] = Field("Identifier", alias="@type")
    identifier_type: str
    identifier_value: str


class PersonName(_Out):
    """The person's name: given names and surnames as registered."""

    type_: Literal["Name"] = Field("Name", alias="@type")
    given_name: str | None = None
    surname: str | None = None


class Address(_Out):
    """Where the person lives, as far as the agency may know."""

    type_: Literal["Address"] = Field("Address", alias="@type")
    address_line1: str | None = None
    locality: str | None = None
    sub_region_code: str | None = None
    postal_code: str | None = None
    country_code: Literal["MX"] = "MX"


class Attribute(_Out):
    """A registry fact the standard has no member for, by name."""

    name: str
    value: str | int | float | bool | None


class Demographics(_Out):
    """`SRPerson`: identifiers, name, sex, birth date and contact the agency may see."""

    type_: Literal["SRPerson"] = Field("SRPerson", alias="@type")
    identifier: list[Identifier]
    name: PersonName | None = None
    sex: Literal["female", "male", "other"] | None = None
    birth_date: date | None = None
    address: list[Address] | None = None
    phone_number: list[str] | None = None
    email: list[str] | None = None


class Member(_Out):
    """A person found, as the standard's `Member`."""

    type_: Literal["Member"] = Field("Member", alias="@type")
    id_: str = Field(alias="@id")
    member_identifier: list[Identifier]
    demographic_info: Demographics
    additional_attributes: list[Attribute]


class Records(_Out):
    """The records one search found, on the page asked."""

    version: Literal["1.0.0"] = "1.0.0"
    reg_records: list[Member]


class PageOut(_Out):
    """The page given and how many records the search found in all."""

    page_size: int
    page_number: int
    total_count: int


class SearchAnswer(_Out):
    """The answer to one search: its records, or its `rjct` with the standard's reason."""

    reference_id: str
    timestamp: Timestamp
    status: RequestStatus
    status_reason_code: SearchReason | None = None
    status_reason_message: Text | None = None
    data: Records | None = None
    pagination: PageOut | None = None
    locale: str | None = None


class AnswerMessage(_Out):
    """The answers, one per search, in the order asked."""

    transaction_id: str
    correlation_id: str
    search_response: list[SearchAnswer]


class AnswerHeader(_Out):
    """`MsgCallbackHeader_V1.0.0` of an `on-search`."""

    version: Literal["1.0.0"] = "1.0.0"
    message_id: str
    message_ts: Timestamp
    action: Literal["on-search"] = "on-search"
    status: RequestStatus
    status_reason_code: str | None = None
    status_reason_message: Text | None = None
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str | None = None
    is_msg_encrypted: bool = False


class SearchEnvelope(_Out):
    """The whole `on-search` answer: signed by the registry."""

    signature: str
    header: AnswerHeader
    message: AnswerMessage | None = None


class TransportError(_Out):
    """One `Error` of an `HttpErrorResponse`."""

    code: str
    message: str


class TransportErrors(_Out):
    """`HttpErrorResponse`: a message the registry could not read or trust."""

    errors: list[TransportError]


REASON_BY_FIELD: dict[str, SearchReason] = {
    "reference_id": "rjct.reference_id.invalid",
    "timestamp": "rjct.timestamp.invalid",
    "sort": "rjct.sort.invalid",
    "pagination": "rjct.pagination.invalid",
}
"""The reason code a fault in a part of one search earns (any other: `search_criteria`)."""
