"""Which routes show a person, which of the person's fields each principal may receive there,
and whom each answer shows (for the audit-completeness test).

Every row of the authorization matrix (tests/security/matrix.py) is classified here, once:

- FIELD_POLICY: the route shows persons. It names, per principal that reaches it, the person
  fields allowed in the answer, and how to tell from the answer whom it showed;
- ID_ONLY: the answer names a person by opaque id alone, to the one principal entitled to that
  id, with the reason it is not audited per call;
- NO_PERSON_DATA: the answer carries nothing of a person.

tests/security/test_person_data.py fails, naming the route, when a route is unclassified, when
an answer shows side A's person on a route without a field policy, when a key of an answer is
a person field the principal may not receive, and when a request leaves no audit event for a
person it showed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from redangel.household.schemas import HouseholdRead, MemberOut
from redangel.person.fields import allowed
from redangel.person.schemas import (
    Address,
    Attributes,
    MembershipBrief,
    PersonAllowlisted,
    PersonBrief,
    PersonRead,
    Sensitive,
)
from tests.security.matrix import Side

API = "/api/v1"
# Identifiers and bookkeeping of a record, not facts about a person ("since" also opens the
# period an outreach list covers).
NOT_FIELDS = frozenset({"id", "version", "created_at", "updated_at", "person_id",
                        "membership_id", "match", "since"})
# Every key that names a fact about a person, from the person schemas themselves: a field added
# to them is a person field at once, and must be allowed explicitly below to reach anyone.
PERSON_FIELDS = frozenset().union(
    *(m.model_fields for m in (PersonRead, Address, Attributes, Sensitive, MembershipBrief,
                                PersonAllowlisted, PersonBrief, MemberOut, HouseholdRead)),
    {"name", "household_id", "members_elsewhere"},
) - NOT_FIELDS - {"members"}  # "members" holds persons whose own keys are checked
# Program facts inside an answer (names of programs and agencies, checklists, verdicts): their
# keys are not a person's fields ("name" of a document is not the person's name).
PROGRAM_SUBTREES = frozenset({"program_name", "agency", "documents", "transitions", "results"})
ADDRESS_PARTS = frozenset(Address.model_fields)

Shown = Callable[[Any, Side, Mapping[str, Any]], set[str]]
"""Whom an answer showed: (parsed answer, side, request body) -> person ids."""


def agency_fields(agency_code: str) -> frozenset[str]:
    """The person fields an agency may receive: its allowlist (an address with its parts)."""
    fields = allowed(agency_code) - {"id"}
    return fields | ADDRESS_PARTS if "address" in fields else fields


@dataclass(frozen=True)
class Policy:
    """A route that shows persons: who it shows, and the fields per principal ("agency" is
    resolved from the agency's allowlist; every other principal gets the named set)."""

    shown: Shown
    fields: Mapping[str, frozenset[str] | str] = field(default_factory=dict)
    # The person fields an answer carries, when it names them otherwise than the registry does
    # (the DCI standard's records); by default, the keys of the answer.
    fields_of: Callable[[Any], set[str]] | None = None

    def allowed(self, role: str, agency_code: str) -> frozenset[str]:
        """The person fields this role may receive here."""
        value = self.fields.get(role, frozenset())
        return agency_fields(agency_code) if value == "allowlist" else frozenset(value)


WHOLE = PERSON_FIELDS  # the whole record: the front desk in scope, the card holder their own
DESK = {"clerk": WHOLE, "supervisor": WHOLE}
DESK_CITIZEN = {**DESK, "citizen": WHOLE}
PROGRAM_FACTS: frozenset[str] = frozenset()  # program objects name their person by id only


def _one(key: str) -> Shown:
    return lambda body, side, sent: {str(body[key])}


def _each(key: str, inner: str = "person_id") -> Shown:
    return lambda body, side, sent: {str(item[inner]) for item in body[key]}


def _path_person(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {side.person_id}


def _sent_person(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(sent["person_id"])}


def _members(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(m["person_id"]) for m in body["members"]}


def _overview(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    members = (body.get("household") or {}).get("members", [])
    return {str(body["person"]["id"])} | {str(m["person_id"]) for m in members}


def _programs(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {side.person_id}


def _roll(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(line["person"]["id"]) for line in body}


def _agency_person(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(body["person"]["id"])}


def _dci_records(body: Any) -> Iterator[dict[str, Any]]:
    for answer in body["message"]["search_response"]:
        yield from (answer.get("data") or {}).get("reg_records", [])


def _dci(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {i["identifier_value"] for record in _dci_records(body)
            for i in record["member_identifier"] if i["identifier_type"] == "redangel:person_id"}


def _nobody(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return set()


def _event_fields(body: Any) -> set[str]:
    """The person fields of civil-registry events, their cascades' bookkeeping left aside."""
    items = body.get("items", [body]) if isinstance(body, dict) else []
    return person_fields_in([{k: v for k, v in item.items() if k != "outcome"} for item in items])


_DCI_ADDRESS = {"address_line1": "street", "locality": "colonia", "sub_region_code": "borough",
                "postal_code": "postal_code"}
_DCI_PERSON = {"sex": "sex", "birth_date": "birth_date", "phone_number": "phone", "email": "email"}


def _dci_fields(body: Any) -> set[str]:
    """The registry's names of the person fields the DCI records carry."""
    found: set[str] = set()
    for record in _dci_records(body):
        info = record["demographic_info"]
        found |= {"curp" for i in info["identifier"] if i["identifier_type"] == "CURP"}
        found |= {"given_names"} if "given_name" in info.get("name", {}) else set()
        found |= {"first_surname"} if "surname" in info.get("name", {}) else set()
        found |= {ours for theirs, ours in _DCI_PERSON.items() if theirs in info}
        for place in info.get("address", []):
            found |= {ours for theirs, ours in _DCI_ADDRESS.items() if theirs in place}
        found |= {a["name"] for a in record["additional_attributes"]}
    return found


def _outreach(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(p["id"]) for p in body["persons"]}


def _evaluated(body: Any, side: Side, sent: Mapping[str, Any]) -> set[str]:
    return {str(sent["person_id"])}


P = f"{API}/persons"
FIELD_POLICY: dict[tuple[str, str], Policy] = {
    ("POST", P): Policy(_one("id"), DESK),
    ("GET", f"{P}/{{person_id}}"): Policy(_one("id"), {**DESK_CITIZEN, "agency": "allowlist"}),
    ("PATCH", f"{P}/{{person_id}}"): Policy(_one("id"), DESK),
    ("POST", f"{P}/search"): Policy(_each("items", "id"), DESK),
    ("GET", f"{P}/{{person_id}}/accesses"): Policy(_path_person, {**DESK_CITIZEN}),
    ("GET", f"{P}/{{person_id}}/cards"): Policy(_path_person, DESK),
    ("GET", f"{P}/{{person_id}}/programs"): Policy(
        _programs, {**DESK_CITIZEN, "agency": PROGRAM_FACTS}),
    ("GET", f"{P}/{{person_id}}/overview"): Policy(_overview, DESK_CITIZEN),
    ("POST", f"{API}/households"): Policy(_members, DESK),
    ("GET", f"{API}/households/{{household_id}}"): Policy(_members, DESK),
    ("POST", f"{API}/households/{{household_id}}/members"): Policy(_members, DESK),
    ("POST", f"{API}/households/{{household_id}}/members/{{membership_id}}/end"): Policy(
        _members, DESK),
    ("POST", f"{API}/cards/issuances"): Policy(_sent_person, DESK),
    ("POST", f"{API}/kiosk/sessions"): Policy(_one("person_id"), {"device": PROGRAM_FACTS}),
    ("POST", f"{API}/applications"): Policy(_one("person_id"), DESK),
    ("GET", f"{API}/applications/{{folio}}"): Policy(
        _one("person_id"), {**DESK_CITIZEN, "agency": PROGRAM_FACTS}),
    ("POST", f"{API}/applications/{{folio}}/transitions"): Policy(
        _one("person_id"), {**DESK, "agency": PROGRAM_FACTS}),
    ("POST", f"{API}/applications/{{folio}}/documents"): Policy(_one("person_id"), DESK),
    ("GET", f"{API}/enrollments/{{enrollment_id}}"): Policy(
        _one("person_id"), {**DESK, "agency": PROGRAM_FACTS}),
    ("POST", f"{API}/enrollments/{{enrollment_id}}/transitions"): Policy(
        _one("person_id"), {**DESK, "agency": PROGRAM_FACTS}),
    ("POST", f"{API}/enrollments/{{enrollment_id}}/deliveries"): Policy(
        _one("person_id"), {"agency": PROGRAM_FACTS}),
    ("GET", f"{API}/offices/current/overdue"): Policy(
        lambda body, side, sent: {str(r["person_id"]) for r in body},
        {"supervisor": WHOLE}),
    ("POST", f"{API}/life-events/{{event_code}}/evaluations"): Policy(_evaluated, DESK),
    ("POST", f"{API}/life-events/{{event_code}}/applications"): Policy(_path_person, DESK),
    ("POST", f"{API}/outreach"): Policy(_outreach, {"supervisor": WHOLE,
                                                    "analyst": frozenset()}),
    ("GET", f"{API}/agency/applications"): Policy(
        _each("items"), {"agency": frozenset({"borough"})}),
    ("GET", f"{API}/agency/enrollments"): Policy(
        _each("items"), {"agency": frozenset({"borough"})}),
    ("GET", f"{API}/agency/changes"): Policy(_each("changes"), {"agency": PROGRAM_FACTS}),
    ("GET", f"{API}/agency/roll.ndjson"): Policy(_roll, {"agency": "allowlist"}),
    ("GET", f"{API}/agency/persons/{{person_id}}"): Policy(
        _agency_person, {"agency": "allowlist"}),
    ("POST", f"{API}/agency/persons/lookup"): Policy(_agency_person, {"agency": "allowlist"}),
    ("POST", f"{API}/agency/dci/registry/sync/search"): Policy(
        _dci, {"agency": "allowlist"}, fields_of=_dci_fields),
    # Admins and data stewards follow the civil registry's events by state; the person matched
    # appears by id, and each event's `outcome` is its cascade's bookkeeping (ids of persons and
    # households, a child's place, flags), kept for a reversal: no field of a person otherwise.
    ("GET", f"{API}/crvs/events"): Policy(_nobody, {"admin": frozenset()}, fields_of=_event_fields),
    ("POST", f"{API}/crvs/events/{{event_id}}/retry"): Policy(
        _nobody, {"admin": frozenset()}, fields_of=_event_fields),
}

ID_ONLY: dict[tuple[str, str], str] = {
    ("GET", f"{API}/kiosk/sessions/current"):
        "the kiosk holding the card learns the id of the session it opened (audited as "
        "kiosk.session_open); its agent polls this every few seconds",
    ("GET", f"{API}/crvs/deliveries-after-death"):
        "an agency learns which deliveries of its own programs fall after a registered death, "
        "the person by id, to check them; the flag was recorded with the death's cascade",
    ("GET", f"{API}/crvs/offers"):
        "the proactive offers of the office's persons (or the card holder's own): program names "
        "and states, the person by id; the person's page that shows them is audited",
    ("POST", f"{API}/crvs/offers/{{offer_id}}/decision"):
        "accepting or declining an offer answers the offer, the person by id; the decision is "
        "recorded with who, when and where",
}

NO_PERSON_DATA = frozenset({
    ("POST", f"{API}/auth/login"), ("POST", f"{API}/auth/token"),
    ("POST", f"{API}/auth/logout"), ("GET", f"{API}/auth/me"),
    ("POST", f"{API}/cards/issuances/{{issuance_id}}/confirm"),
    ("POST", f"{API}/cards/{{serial}}/confirm"), ("POST", f"{API}/cards/{{serial}}/report"),
    ("GET", f"{API}/cards/issuer-keys"), ("GET", f"{API}/cards/revocations"),
    ("POST", f"{API}/kiosk/challenges"),
    ("POST", f"{API}/kiosk/sessions/current/pin-proof"),
    ("DELETE", f"{API}/kiosk/sessions/device-current"),
    ("DELETE", f"{API}/kiosk/sessions/current"),
    ("GET", f"{API}/life-events"), ("POST", f"{API}/screening"),
    # an agency's escalated requests: folio, program, level and dates, never the person
    ("GET", f"{API}/agency/escalations"),
    # the civil registry's door: acknowledgements and states of its own messages
    ("POST", f"{API}/crvs/registry/notify"), ("POST", f"{API}/crvs/registry/on-subscribe"),
    ("POST", f"{API}/crvs/registry/on-unsubscribe"), ("POST", f"{API}/crvs/registry/txn/status"),
    # a request's status by folio and birth date: status in words and dates, nothing personal
    ("POST", f"{API}/requests/status"),
    # an agency roll's import: counts, codes and line numbers, never a row's or a person's values
    # a merge of two records: which record each field came from, the persons by id (stewards)
    ("POST", f"{API}/merges"), ("GET", f"{API}/merges/{{merge_id}}"),
    ("POST", f"{API}/merges/{{merge_id}}/unmerge"),
    ("POST", f"{API}/rolls"), ("GET", f"{API}/rolls/{{roll_id}}"),
    ("GET", f"{API}/rolls/{{roll_id}}/report"),
})


def parse(text: str, content_type: str) -> Any:
    """An answer's body: JSON, or NDJSON as a list of lines (None for anything else)."""
    if content_type.startswith("application/x-ndjson"):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text) if text and content_type.startswith("application/json") else None


def keys_of(value: Any) -> Iterator[str]:
    """Every key of every object inside an answer, at any depth (program facts not entered)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            if key not in PROGRAM_SUBTREES:
                yield from keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_of(inner)


def person_fields_in(value: Any) -> set[str]:
    """The person fields an answer carries."""
    return set(keys_of(value)) & PERSON_FIELDS
