"""Every office page with a person, a household, a folio or an enrollment in its address leaves
an audit event with a purpose for the person it shows. A new page cannot forget it: the test
walks the console's routers and fails naming a page it does not know how to open."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

import redangel.web.office as office_pages
from redangel.audit.models import AuditEvent
from tests.conftest import LiveServer
from tests.program.helpers import approve, folio_of
from tests.rights.helpers import received
from tests.web.test_complaints import agency_of, complaint_of
from tests.web.test_office_attacks import _person, office

Opened = dict[str, str]

# Each console page that names a record in its address, and how to open it for a person of the
# clerk's office (relative to /office, as the page modules declare them).
PAGES: dict[str, Callable[[Opened], str]] = {
    "/persons/{person_id}": lambda o: f"/office/persons/{o['person']}?purpose=follow_up",
    "/persons/{person_id}/edit": lambda o: f"/office/persons/{o['person']}/edit",
    "/persons/{person_id}/household": lambda o: f"/office/persons/{o['person']}/household",
    "/persons/{person_id}/events": lambda o: f"/office/persons/{o['person']}/events",
    "/persons/{person_id}/events/{event_code}":
        lambda o: f"/office/persons/{o['person']}/events/turning_68",
    "/persons/{person_id}/receipt":
        lambda o: f"/office/persons/{o['person']}/receipt?folio={o['folio']}",
    "/persons/{person_id}/card": lambda o: f"/office/persons/{o['person']}/card",
    "/households/{household_id}": lambda o: f"/office/households/{o['household']}",
    "/applications/{folio}": lambda o: f"/office/applications/{o['folio']}",
    "/enrollments/{enrollment_id}": lambda o: f"/office/enrollments/{o['enrollment']}",
    "/rights/{request_id}": lambda o: f"/office/rights/{o['rights']}",
    "/rights/{request_id}/access": lambda o: f"/office/rights/{o['rights']}/access",
    "/rights/{request_id}/access.json": lambda o: f"/office/rights/{o['rights']}/access.json",
    "/persons/{person_id}/complaint": lambda o: f"/office/persons/{o['person']}/complaint",
    "/complaints/{folio}": lambda o: f"/office/complaints/{o['complaint']}",
}


# Pages whose address names something other than a person's record, with why no audit of a
# person is asked of them here.
OTHER_RECORDS: dict[str, str] = {
    "/rolls/{import_id}": "an agency roll's import: its preview and counts are the file's rows, "
                          "not registry records",
    "/rolls/{import_id}/report": "an import's data-quality report: counts and line numbers",
    "/rolls/{import_id}/review": "a pair of the import to review: the registry person it shows is "
                                 "audited by the rolls service (roll.pair_shown, record_linkage)",
    "/crvs/{event_id}": "a civil registry event to review: the registry persons it shows as "
                        "candidates are audited by the civil registry's service "
                        "(crvs.review_candidates, data_stewardship), checked in "
                        "tests/web/test_office_crvs.py",
    "/merges/{merge_id}": "a merge of two records: both by opaque id, which record gave each field, "
                          "counts of what moved; no person's values (the merge itself is audited)",
}


def reading_pages() -> set[str]:
    """The GET pages of the office console with a parameter in their address."""
    found = set()
    for info in pkgutil.iter_modules(office_pages.__path__):
        module = importlib.import_module(f"{office_pages.__name__}.{info.name}")
        for route in getattr(getattr(module, "router", None), "routes", ()):
            if isinstance(route, APIRoute) and "GET" in route.methods and "{" in route.path:
                found.add(route.path)
    return found


def test_every_page_with_a_record_in_its_address_is_checked() -> None:
    unknown = sorted(reading_pages() - set(PAGES) - set(OTHER_RECORDS))
    assert not unknown, f"office pages whose audit no test checks (add them to PAGES): {unknown}"


@pytest.fixture
def console(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    """The Iztapalapa supervisor at the console (every page opens for a supervisor)."""
    client = office(live, world.supervisor, world.password)
    yield client
    client.close()


def _events(sessions: Any, person_id: str) -> dict[int, tuple[str, str]]:
    """Every audit event about a person, by id (action and purpose)."""
    with sessions() as session:
        return {r.id: (r.action, r.purpose) for r in session.execute(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.purpose).where(
                AuditEvent.person_id == uuid.UUID(person_id))).all()}


def test_each_page_audits_the_person_it_shows(  # type: ignore[no-untyped-def]
        clerk: httpx.Client, supervisor: httpx.Client, console: httpx.Client, sessions) -> None:
    ours = _person(clerk)
    house = clerk.post("/households", json={"borough": "iztapalapa", "members": [
        {"person_id": ours["id"], "relationship": "head", "since": "2010-01-01"}]})
    assert house.status_code == 201, house.text
    folio = folio_of(clerk, ours["id"], "servicios_medicos_gratuitos")
    enrollment = approve(supervisor, folio)
    opened = {"person": ours["id"], "household": house.json()["id"], "folio": folio,
              "enrollment": str(enrollment), "rights": received(console, ours["id"], "access"),
              "complaint": complaint_of(console, ours["id"], "other", agency_of(sessions))}
    for path, url in PAGES.items():
        before = _events(sessions, ours["id"])
        answer = console.get(url(opened))
        assert answer.status_code == 200, (path, answer.status_code)
        events = [event for key, event in _events(sessions, ours["id"]).items() if key not in before]
        assert events, f"{path} showed the person and left no audit event"
        assert all(purpose for _, purpose in events), (path, events)
