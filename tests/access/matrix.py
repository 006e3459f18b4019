"""Who may call each API route: the authorization matrix, one row per route.

Roles: clerk, supervisor, analyst, admin (staff); agency; device (a kiosk); citizen (a card
session at a kiosk). `PUBLIC` routes need no credential. Every route under /api/v1 must have a
row: a route added without a decision fails tests/access/test_matrix.py. Routes outside /api/v1
(the OpenAPI documents, /healthz and the HTML pages, which have their own sign-in) are listed in
EXEMPT_PREFIXES.
"""

from __future__ import annotations

PUBLIC = frozenset({"public"})
STAFF_DESK = frozenset({"clerk", "supervisor"})
ANY_SIGNED_IN = frozenset({"clerk", "supervisor", "analyst", "admin", "agency", "device", "citizen"})
EXEMPT_PREFIXES = (
    "/docs",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/office",
    "/kiosk",
    "/screening",
    "/static",
    "/public",
)

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY_SIGNED_IN,
    ("GET", "/api/v1/auth/me"): ANY_SIGNED_IN,
    ("POST", "/api/v1/persons"): STAFF_DESK,
    ("GET", "/api/v1/persons/{person_id}"): STAFF_DESK | {"agency", "citizen"},
    ("PATCH", "/api/v1/persons/{person_id}"): STAFF_DESK,
    ("POST", "/api/v1/persons/search"): STAFF_DESK,
    ("GET", "/api/v1/persons/{person_id}/accesses"): STAFF_DESK | {"citizen"},
    ("GET", "/api/v1/persons/{person_id}/cards"): STAFF_DESK,
    ("GET", "/api/v1/persons/{person_id}/programs"): STAFF_DESK | {"agency", "citizen"},
    ("GET", "/api/v1/persons/{person_id}/overview"): STAFF_DESK | {"citizen"},
    ("POST", "/api/v1/households"): STAFF_DESK,
    ("GET", "/api/v1/households/{household_id}"): STAFF_DESK,
    ("POST", "/api/v1/households/{household_id}/members"): STAFF_DESK,
    ("POST", "/api/v1/households/{household_id}/members/{membership_id}/end"): STAFF_DESK,
    ("POST", "/api/v1/cards/issuances"): STAFF_DESK,
    ("POST", "/api/v1/cards/issuances/{issuance_id}/confirm"): STAFF_DESK,
    ("POST", "/api/v1/cards/{serial}/confirm"): STAFF_DESK,
    ("POST", "/api/v1/cards/{serial}/report"): STAFF_DESK,
    ("GET", "/api/v1/cards/issuer-keys"): STAFF_DESK | {"device"},
    ("GET", "/api/v1/cards/revocations"): STAFF_DESK | {"device"},
    ("POST", "/api/v1/kiosk/challenges"): frozenset({"device"}),
    ("POST", "/api/v1/kiosk/sessions"): frozenset({"device"}),
    ("GET", "/api/v1/kiosk/sessions/current"): frozenset({"device"}),
    ("POST", "/api/v1/kiosk/sessions/current/pin-proof"): frozenset({"device"}),
    ("DELETE", "/api/v1/kiosk/sessions/device-current"): frozenset({"device"}),
    ("DELETE", "/api/v1/kiosk/sessions/current"): frozenset({"citizen"}),
    ("POST", "/api/v1/applications"): STAFF_DESK,
    ("GET", "/api/v1/applications/{folio}"): STAFF_DESK | {"agency", "citizen"},
    ("POST", "/api/v1/applications/{folio}/transitions"): STAFF_DESK | {"agency"},
    ("POST", "/api/v1/applications/{folio}/documents"): STAFF_DESK,
    ("GET", "/api/v1/enrollments/{enrollment_id}"): STAFF_DESK | {"agency"},
    ("POST", "/api/v1/enrollments/{enrollment_id}/transitions"): STAFF_DESK | {"agency"},
    ("POST", "/api/v1/enrollments/{enrollment_id}/deliveries"): frozenset({"agency"}),
    ("GET", "/api/v1/offices/current/overdue"): frozenset({"supervisor"}),
    ("GET", "/api/v1/life-events"): PUBLIC,
    ("POST", "/api/v1/life-events/{event_code}/evaluations"): STAFF_DESK,
    ("POST", "/api/v1/life-events/{event_code}/applications"): STAFF_DESK,
    ("POST", "/api/v1/screening"): PUBLIC,
    ("POST", "/api/v1/outreach"): frozenset({"supervisor", "analyst"}),
    ("GET", "/api/v1/agency/applications"): frozenset({"agency"}),
    ("GET", "/api/v1/agency/enrollments"): frozenset({"agency"}),
    ("GET", "/api/v1/agency/changes"): frozenset({"agency"}),
    ("GET", "/api/v1/agency/roll.ndjson"): frozenset({"agency"}),
    ("GET", "/api/v1/agency/persons/{person_id}"): frozenset({"agency"}),
    ("POST", "/api/v1/agency/persons/lookup"): frozenset({"agency"}),
    ("POST", "/api/v1/agency/dci/registry/sync/search"): frozenset({"agency"}),
}
