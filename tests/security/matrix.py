"""Who may see what: the expected answer of every API route, per principal and relation.

One row per (method, path template) of the app. A row says how to build a request that is
*valid* against one "side" of the test world, and what each principal must get back:

- side A is the clerk's office (Iztapalapa), the first agency's program and the card holder;
- side B is the other office (Coyoacán), the second agency's program and somebody else.

So each principal meets each object in two relations:

    clerk       own (A, registered by this clerk)   other_office (B)
    supervisor  same_office (A)                      other_office (B)
    agency      own_agency (A)                       other_agency (B)
    citizen     own (A, the card holder)             other (B)
    anonymous   no session (both)
    analyst, admin, device: no relation to persons (the same answer on both sides)

An expectation is a status for both sides, or a pair `(side A, side B)`; a status may be a set
when the first successful call changes what the next one sees (e.g. a second application for
the same program answers 409). Writes that would change shared state send a stale `If-Match`,
so that "in scope" shows as 412 (found, authorized, refused on the version) and "out of scope"
as 404. Besides the status, every answer on side B is checked never to carry B's CURP or
surname, and a 2xx on side B never B's id.

A new route needs a row here; tests/security/test_matrix.py fails, naming the route, until
it has one. Routes outside /api/v1 are exempt only through EXEMPT_PREFIXES below.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from redangel.common.clock import city_today
from tests.builders import person_payload
from tests.conftest import unique_suffix

ROLES = ("anonymous", "clerk", "supervisor", "analyst", "admin", "agency", "device", "citizen")
RELATIONS: Mapping[str, tuple[str, str]] = {
    "anonymous": ("no_session", "no_session"),
    "clerk": ("own", "other_office"),
    "supervisor": ("same_office", "other_office"),
    "agency": ("own_agency", "other_agency"),
    "citizen": ("own", "other"),
    "analyst": ("none", "none"),
    "admin": ("none", "none"),
    "device": ("none", "none"),
}

EXEMPT_PREFIXES = (
    "/docs",  # Swagger UI and its OAuth2 redirect
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",  # readiness: names failed checks only (tests/ops)
    "/metrics",  # token or development loopback only (tests/ops)
    "/office",  # HTML pages with their own sign-in
    "/kiosk",
    "/screening",  # the public anonymous screening page
    "/folio",  # the public status-by-folio page (tests/web/test_folio_page.py)
    "/static",
    "/public",
)

_DCI_REFUSALS = ("a civil registry reads the DCI standard's own refusals "
                 "(HttpErrorResponse, the rjct envelope), not problem+json")
STANDARD_ANSWERS = {
    "/api/v1/crvs/registry/notify": _DCI_REFUSALS,
    "/api/v1/crvs/registry/on-subscribe": _DCI_REFUSALS,
    "/api/v1/crvs/registry/on-unsubscribe": _DCI_REFUSALS,
    "/api/v1/crvs/registry/txn/status": _DCI_REFUSALS,
}
"""Routes whose refusals follow another standard than problem+json, with the reason."""

Status = int | frozenset[int]
Expect = Status | tuple[Status, Status]
STALE = {"If-Match": '"stale"'}


@dataclass(frozen=True)
class Side:
    """The objects of one side of the test world (see the module docstring)."""

    person_id: str
    curp: str
    surname: str
    household_id: str
    membership_id: int
    folio: str
    enrollment_id: str
    issuance_id: str
    serial: str
    evaluation_id: str
    newcomer_id: str  # a person of this side in no household yet
    program: str
    roll_id: str = ""  # an import of this side's agency roll

    @property
    def params(self) -> dict[str, Any]:
        """Values for the path templates."""
        return {
            "person_id": self.person_id, "household_id": self.household_id,
            "membership_id": self.membership_id, "folio": self.folio,
            "enrollment_id": self.enrollment_id, "issuance_id": self.issuance_id,
            "serial": self.serial, "event_code": "birth_of_child", "roll_id": self.roll_id,
            # no civil registry event or offer has this id: found by nobody, refused by role
            "event_id": self.person_id, "offer_id": self.person_id,
            # no merge has this id: found by nobody, refused by role
            "merge_id": self.person_id,
        }


Body = Callable[[Side], Any]


@dataclass(frozen=True)
class Row:
    """One route: the request to send and the status each principal must get."""

    expect: Mapping[str, Expect]
    body: Body | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    form: bool = False
    ends_session: bool = False  # the call signs its caller out: use a fresh credential
    query: Mapping[str, str] = field(default_factory=dict)


def roles(allowed: Mapping[str, Expect], *, public: bool = False) -> dict[str, Expect]:
    """Every role: the allowed ones as given, the others 403, no session 401 (unless public)."""
    out: dict[str, Expect] = {role: 403 for role in ROLES}
    out["anonymous"] = 401
    if public:
        out = dict.fromkeys(ROLES, 200)
    out.update(allowed)
    return out


def scoped(status: Status, *who: str, out: Status = 404) -> dict[str, Expect]:
    """These roles get `status` on their own side and `out` (404) on the other."""
    return {role: (status, out) for role in who}


DESK = ("clerk", "supervisor")
ANY = frozenset({200, 201, 204})


def _dci_request(action: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"header": {"version": "1.0.0", "message_id": "m-1", "message_ts": "2026-11-22T18:00:00Z",
                       "action": action, "sender_id": "matrix.test", "total_count": 1},
            "message": message}


def _notify(side: Side) -> dict[str, Any]:
    return {
        "header": {"version": "1.0.0", "message_id": "m-1", "message_ts": "2026-11-22T18:00:00Z",
                   "action": "notify", "status": "succ", "sender_id": "matrix.test",
                   "total_count": 1},
        "message": {"transaction_id": "t-1", "notify_event": [{
            "reference_id": "r-1", "timestamp": "2026-11-22T18:00:00Z",
            "data": {"reg_event_type": "DEATH_REGISTERED", "reg_record_type": "person",
                     "reg_records": {"identifier": [{"identifier_type": "UIN",
                                                     "identifier_value": side.curp}],
                                     "death_date": "2026-11-20"}}}]},
    }


def _dci(side: Side) -> dict[str, Any]:
    return {
        "header": {"message_id": "m-1", "message_ts": "2026-11-22T18:00:00Z", "action": "search",
                   "sender_id": "matrix.test", "total_count": 1},
        "message": {"transaction_id": "t-1", "search_request": [{
            "reference_id": "r-1", "timestamp": "2026-11-22T18:00:00Z",
            "search_criteria": {"query_type": "idtype-value",
                                "query": {"type": "CURP", "value": side.curp}}}]},
    }


def _person(side: Side) -> dict[str, Any]:
    return person_payload(unique_suffix())


ROLL_CSV = "NOMBRE,PATERNO,FEC_NAC,SEXO\nAna,Ruiz,01/02/1950,M\nLuis,Soto,03/04/1960,H\n"
ROLL_MAPPING = ("columns:\n  given_names: NOMBRE\n  first_surname: PATERNO\n"
                "  birth_date: FEC_NAC\n  sex: SEXO\ndates:\n  birth_date: dmy\n")


def _roll(side: Side) -> dict[str, Any]:
    return {"program": side.program, "file_name": "roll.csv", "mapping": ROLL_MAPPING,
            "content_base64": base64.b64encode(ROLL_CSV.encode()).decode()}


CONFIRM = {"payload_sha256": "0" * 64}
KEY32 = "A" * 43 + "="
BIRTH = {"child_birth_date": "2026-01-10"}

MATRIX: dict[tuple[str, str], Row] = {
    # --- signing in and out -------------------------------------------------------------
    ("POST", "/api/v1/auth/login"): Row(
        dict.fromkeys(ROLES, 401),
        body=lambda s: {"username": "nobody-at-all", "password": "wrong-password"}),
    ("POST", "/api/v1/auth/token"): Row(
        dict.fromkeys(ROLES, 401), form=True,
        body=lambda s: {"grant_type": "client_credentials", "client_id": "nobody",
                        "client_secret": "nothing"}),
    ("POST", "/api/v1/auth/logout"): Row(
        roles(dict.fromkeys(("clerk", "supervisor", "analyst", "admin", "agency", "device",
                             "citizen"), 204)), ends_session=True),
    ("GET", "/api/v1/auth/me"): Row(
        roles(dict.fromkeys(("clerk", "supervisor", "analyst", "admin", "agency", "device",
                             "citizen"), 200))),
    # --- persons ------------------------------------------------------------------------
    ("POST", "/api/v1/persons"): Row(roles(dict.fromkeys(DESK, 201)), body=_person),
    ("GET", "/api/v1/persons/{person_id}"): Row(
        roles(scoped(200, *DESK, "agency", "citizen"))),
    ("PATCH", "/api/v1/persons/{person_id}"): Row(
        roles(scoped(412, *DESK)), body=lambda s: {"phone": "5599990000"}, headers=STALE),
    ("POST", "/api/v1/persons/search"): Row(
        roles(dict.fromkeys(DESK, 200)), body=lambda s: {"curp": s.curp}),
    ("GET", "/api/v1/persons/{person_id}/accesses"): Row(
        roles(scoped(200, *DESK, "citizen"))),
    ("GET", "/api/v1/persons/{person_id}/cards"): Row(roles(scoped(200, *DESK))),
    ("GET", "/api/v1/persons/{person_id}/programs"): Row(
        roles(scoped(200, *DESK, "agency", "citizen"))),
    ("GET", "/api/v1/persons/{person_id}/overview"): Row(
        roles(scoped(200, *DESK, "citizen"))),
    # --- households ---------------------------------------------------------------------
    ("POST", "/api/v1/households"): Row(
        roles(scoped(frozenset({201, 409}), *DESK)),
        body=lambda s: {"members": [{"person_id": s.newcomer_id, "relationship": "head",
                                     "since": "2020-01-01"}]}),
    ("GET", "/api/v1/households/{household_id}"): Row(roles(scoped(200, *DESK))),
    ("POST", "/api/v1/households/{household_id}/members"): Row(
        roles(scoped(frozenset({201, 409}), *DESK)),
        body=lambda s: {"person_id": s.newcomer_id, "relationship": "child",
                        "since": "2021-01-01"}),
    ("POST", "/api/v1/households/{household_id}/members/{membership_id}/end"): Row(
        roles(scoped(412, *DESK)), headers=STALE,
        body=lambda s: {"until": "2024-01-01", "reason": "moved_out"}),
    # --- cards and kiosk sessions -------------------------------------------------------
    ("POST", "/api/v1/cards/issuances"): Row(
        roles(scoped(frozenset({201, 409}), *DESK)),
        body=lambda s: {"person_id": s.person_id, "card_public_key": KEY32}),
    ("POST", "/api/v1/cards/issuances/{issuance_id}/confirm"): Row(
        roles(scoped(409, *DESK)), body=lambda s: CONFIRM),
    ("POST", "/api/v1/cards/{serial}/confirm"): Row(
        roles(scoped(409, *DESK)), body=lambda s: CONFIRM),
    ("POST", "/api/v1/cards/{serial}/report"): Row(
        roles(scoped(frozenset({200, 409}), *DESK)), body=lambda s: {"status": "damaged"}),
    ("GET", "/api/v1/cards/issuer-keys"): Row(roles(dict.fromkeys((*DESK, "device"), 200))),
    ("GET", "/api/v1/cards/revocations"): Row(roles(dict.fromkeys((*DESK, "device"), 200))),
    ("POST", "/api/v1/kiosk/challenges"): Row(roles({"device": 201})),
    # a device reaches the card check; a payload signed over no issued challenge is refused
    ("POST", "/api/v1/kiosk/sessions"): Row(
        roles({"device": 403}),
        body=lambda s: {"payload": KEY32, "challenge_id": s.person_id, "signature": KEY32}),
    ("GET", "/api/v1/kiosk/sessions/current"): Row(roles({"device": 200})),
    ("POST", "/api/v1/kiosk/sessions/current/pin-proof"): Row(
        roles({"device": 404}), body=lambda s: {"challenge_id": s.person_id, "signature": KEY32}),
    ("DELETE", "/api/v1/kiosk/sessions/device-current"): Row(
        roles({"device": 204}), ends_session=True),
    ("DELETE", "/api/v1/kiosk/sessions/current"): Row(
        roles({"citizen": 204}), ends_session=True),
    # --- merging two records of one person: data stewards only (none in this matrix) -------
    ("POST", "/api/v1/merges"): Row(roles({}), body=lambda s: {
        "survivor_id": s.person_id, "absorbed_id": s.household_id, "reason": "other"}),
    ("GET", "/api/v1/merges/{merge_id}"): Row(roles({})),
    ("POST", "/api/v1/merges/{merge_id}/unmerge"): Row(roles({}), body=lambda s: {"reason": "other"}),
    # --- agency rolls (merging stays on the data steward's pages) ----------------------
    ("POST", "/api/v1/rolls"): Row(roles({"agency": (202, 404), "admin": 202}), body=_roll),
    ("GET", "/api/v1/rolls/{roll_id}"): Row(roles({"agency": (200, 404), "admin": 200})),
    ("GET", "/api/v1/rolls/{roll_id}/report"): Row(roles({"agency": (200, 404), "admin": 200})),
    # --- applications, enrollments, deliveries -----------------------------------------
    ("POST", "/api/v1/applications"): Row(
        roles(scoped(frozenset({201, 409}), *DESK)),
        body=lambda s: {"person_id": s.person_id, "program": s.program}),
    ("GET", "/api/v1/applications/{folio}"): Row(
        roles(scoped(200, *DESK, "agency", "citizen"))),
    # deciding is for the supervisor or the owning agency (every transition: TRANSITIONS below)
    ("POST", "/api/v1/applications/{folio}/transitions"): Row(
        roles({**scoped(412, "supervisor", "agency"), "clerk": (403, 404)}), headers=STALE,
        body=lambda s: {"to": "rejected", "reason": "matrix"}),
    ("POST", "/api/v1/applications/{folio}/documents"): Row(
        roles(scoped(412, *DESK)), headers=STALE, body=lambda s: {"received": []}),
    ("GET", "/api/v1/enrollments/{enrollment_id}"): Row(roles(scoped(200, *DESK, "agency"))),
    ("POST", "/api/v1/enrollments/{enrollment_id}/transitions"): Row(
        roles({**scoped(412, "supervisor", "agency"), "clerk": (403, 404)}), headers=STALE,
        body=lambda s: {"to": "suspended", "reason": "other"}),
    ("POST", "/api/v1/enrollments/{enrollment_id}/deliveries"): Row(
        roles(scoped(201, "agency")),
        body=lambda s: {"delivered_on": city_today().isoformat(), "kind": "cash", "amount": "100.00"}),
    ("GET", "/api/v1/offices/current/overdue"): Row(roles({"supervisor": 200})),
    # --- life events, screening, outreach -----------------------------------------------
    ("GET", "/api/v1/life-events"): Row(roles({}, public=True)),
    ("POST", "/api/v1/life-events/{event_code}/evaluations"): Row(
        roles(scoped(201, *DESK)), body=lambda s: {"person_id": s.person_id, "answers": BIRTH}),
    ("POST", "/api/v1/life-events/{event_code}/applications"): Row(
        roles(scoped(frozenset({201, 409}), *DESK)),
        body=lambda s: {"evaluation_id": s.evaluation_id, "programs": ["bebe_seguro"]}),
    ("POST", "/api/v1/screening"): Row(
        roles({}, public=True),
        body=lambda s: {"event_code": "birth_of_child", "person": {"age": 30}, "answers": BIRTH}),
    ("POST", "/api/v1/outreach"): Row(
        roles(dict.fromkeys(("supervisor", "analyst"), 200)),
        body=lambda s: {"program": "pension_adultos_mayores"}),
    # --- the agency API -----------------------------------------------------------------
    ("GET", "/api/v1/agency/applications"): Row(roles({"agency": 200})),
    ("GET", "/api/v1/agency/enrollments"): Row(roles({"agency": 200})),
    ("GET", "/api/v1/agency/changes"): Row(roles({"agency": 200})),
    ("GET", "/api/v1/agency/roll.ndjson"): Row(roles({"agency": 200})),
    ("GET", "/api/v1/agency/persons/{person_id}"): Row(roles(scoped(200, "agency"))),
    ("POST", "/api/v1/agency/persons/lookup"): Row(
        roles(scoped(200, "agency")), body=lambda s: {"curp": s.curp}),
    ("POST", "/api/v1/agency/dci/registry/sync/search"): Row(roles({"agency": 200}), body=_dci),
    ("GET", "/api/v1/agency/escalations"): Row(roles({"agency": 200})),
    # --- following a request by folio (anyone; a wrong birth date says nothing) -----------
    ("POST", "/api/v1/requests/status"): Row(
        dict.fromkeys(ROLES, 404), body=lambda s: {"folio": s.folio, "birth_date": "1900-01-02"}),
    # --- the civil registry's door ------------------------------------------------------
    # authenticated by the message's signature, not a session: an unregistered sender is
    # refused (err.sender_id.invalid) whoever posts it
    ("POST", "/api/v1/crvs/registry/notify"): Row(dict.fromkeys(ROLES, 403), body=_notify),
    ("POST", "/api/v1/crvs/registry/on-subscribe"): Row(dict.fromkeys(ROLES, 403), body=lambda s:
        _dci_request("on-subscribe", {"transaction_id": "t-1", "correlation_id": "c-1",
                                      "subscribe_response": []})),
    ("POST", "/api/v1/crvs/registry/on-unsubscribe"): Row(dict.fromkeys(ROLES, 403), body=lambda s:
        _dci_request("on-unsubscribe", {"transaction_id": "t-1", "correlation_id": "c-1",
                                        "status": "succ"})),
    ("POST", "/api/v1/crvs/registry/txn/status"): Row(dict.fromkeys(ROLES, 403), body=lambda s:
        _dci_request("txn-status", {"transaction_id": "t-1", "txnstatus_request": {
            "reference_id": "r-1", "txn_type": "subscribe", "attribute_type": "transaction_id",
            "attribute_value": "t-1"}})),
    ("GET", "/api/v1/crvs/events"): Row(roles({"admin": 200})),
    ("POST", "/api/v1/crvs/events/{event_id}/retry"): Row(roles({"admin": 404})),
    ("GET", "/api/v1/crvs/offers"): Row(roles(dict.fromkeys((*DESK, "citizen"), 200))),
    ("POST", "/api/v1/crvs/offers/{offer_id}/decision"): Row(
        roles(dict.fromkeys((*DESK, "citizen"), 404)), body=lambda s: {"accept": True}),
    ("GET", "/api/v1/crvs/deliveries-after-death"): Row(roles({"agency": 200})),
}


# --- separation of duties: every transition × principal × relation ------------------------
# Each case meets an application (or the enrollment it led to) in the transition's "from"
# state, on one side of the world, submitted at one desk of that side. It is sent with a stale
# If-Match, so 412 means allowed (found, authorized, refused only on the version), 403 that this
# principal may not take this step, 404 that the object is outside its scope. Every move of
# `APPLICATION_MOVES` and `ENROLLMENT_MOVES` needs a row; test_matrix.py checks both ways.


@dataclass(frozen=True)
class Meeting:
    """How a principal meets the object of a transition: its side and who submitted it."""

    role: str
    relation: str
    side: str  # "a" or "b" (see the module docstring)
    submitted_by: str = "clerk"  # the desk of that side that submitted the application


MEETINGS = (
    Meeting("clerk", "own_submission", "a"),
    Meeting("clerk", "same_office", "a", "supervisor"),
    Meeting("clerk", "other_office", "b"),
    Meeting("supervisor", "own_submission", "a", "supervisor"),
    Meeting("supervisor", "same_office", "a"),
    Meeting("supervisor", "other_office", "b"),
    Meeting("agency", "owning_agency", "a"),
    Meeting("agency", "other_agency", "b"),
    Meeting("citizen", "own", "a"),
    Meeting("citizen", "other", "b"),
    Meeting("analyst", "none", "a"),
    Meeting("admin", "none", "a"),
    Meeting("device", "none", "a"),
    Meeting("anonymous", "no_session", "a"),
)
NOBODY = {("citizen", "own"): 403, ("citizen", "other"): 403, ("analyst", "none"): 403,
          ("admin", "none"): 403, ("device", "none"): 403, ("anonymous", "no_session"): 401}
# Work on the file (putting it in review): any desk of the office, the submitter included.
WORK = {("clerk", "own_submission"): 412, ("clerk", "same_office"): 412,
        ("clerk", "other_office"): 404, ("supervisor", "own_submission"): 412,
        ("supervisor", "same_office"): 412, ("supervisor", "other_office"): 404,
        ("agency", "owning_agency"): 412, ("agency", "other_agency"): 404, **NOBODY}
# A decision (approve, reject): the supervisor or the owning agency, never the submitter.
DECIDE = {**WORK, ("clerk", "own_submission"): 403, ("clerk", "same_office"): 403,
          ("supervisor", "own_submission"): 403}
# Suspending, reactivating or ending a benefit: the supervisor or the owning agency.
BENEFIT = {**WORK, ("clerk", "own_submission"): 403, ("clerk", "same_office"): 403}

TRANSITIONS: dict[tuple[str, str, str], dict[tuple[str, str], int]] = {
    ("application", "submitted", "in_review"): WORK,
    ("application", "submitted", "rejected"): DECIDE,
    ("application", "in_review", "approved"): DECIDE,
    ("application", "in_review", "rejected"): DECIDE,
    ("enrollment", "active", "suspended"): BENEFIT,
    ("enrollment", "active", "exited"): BENEFIT,
    ("enrollment", "suspended", "active"): BENEFIT,
    ("enrollment", "suspended", "exited"): BENEFIT,
}
REASONS = {"rejected": "matrix", "suspended": "other", "exited": "voluntary",
           "active": "reinstated"}
