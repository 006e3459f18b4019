"""The kiosk's sentences are built from the typed overview: dates as dates, statuses as literals.

The words only format what the services computed (days late by `program.deadlines`, a moment's
day on the city's clock); these cases pin the sentences a citizen reads for each state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from redangel.audit.schemas import SubjectAccess
from redangel.common.types import Names
from redangel.person.schemas import PersonRead
from redangel.program.schemas import (
    AgencyRef,
    OpenApplication,
    OverviewApplication,
    OverviewDelivery,
    OverviewEnrollment,
    PersonOverview,
)
from redangel.web.kiosk import words

PERSON = uuid.uuid4()
MOMENT = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)
AGENCY = AgencyRef(code="styfe", name=Names(es="Secretaría de Trabajo", en="Ministry of Labour"))


def _application(**values: Any) -> dict[str, Any]:
    return {"folio": "RA-7K2M-Q9XD-4", "person_id": PERSON, "program": "seguro_desempleo",
            "channel": "office", "submitted_at": MOMENT, "expected_decision_on": date(2027, 3, 3),
            "decision_reason": None, "documents": [], "version": 1,
            "program_name": Names(es="Seguro de desempleo", en="Unemployment insurance"),
            "agency": AGENCY, **values}


def _enrollment(status: str, **values: Any) -> OverviewEnrollment:
    return OverviewEnrollment(id=uuid.uuid4(), person_id=PERSON, program="pension_adultos",
                              status=status, started_on=date(2027, 1, 15), ended_on=None,
                              exit_reason=None, version=1, agency=AGENCY,
                              program_name=Names(es="Pensión", en="Pension"), **values)


def _overview() -> PersonOverview:
    person = PersonRead(id=PERSON, version=1, curp=None, given_names="Ana", first_surname="López",
                        second_surname=None, sex="M", birth_date=date(1950, 1, 1),
                        birth_state="DF", attributes={}, created_at=MOMENT, updated_at=MOMENT)
    late = OpenApplication(**_application(status="in_review", expected_decision_on=date(2027, 3, 3)),
                           days_late=3, overdue=True)
    soon = OpenApplication(**_application(folio="RA-2222-2222-2", status="submitted",
                                          expected_decision_on=date(2027, 3, 1)),
                           days_late=0, overdue=False)
    # Rejected at 03:00 UTC on March 4: still March 3 on the city's clock.
    rejected = OverviewApplication(**_application(
        folio="RA-3333-3333-3", status="rejected",
        decided_at=datetime(2027, 3, 4, 3, 0, tzinfo=UTC)))
    delivery = OverviewDelivery(id=uuid.uuid4(), enrollment_id=uuid.uuid4(), person_id=PERSON,
                                program="pension_adultos", delivered_on=date(2027, 2, 10),
                                kind="pago", amount=Decimal("1600.00"), place=None,
                                program_name=Names(es="Pensión", en="Pension"))
    return PersonOverview(as_of=date(2027, 3, 6), person=person, household=None,
                          enrollments=[_enrollment("active"), _enrollment("suspended")],
                          open_applications=[late, soon], decided_applications=[rejected],
                          deliveries=[delivery], overdue=[])


class TestApplications:
    def test_each_state_in_a_sentence_with_its_tone(self) -> None:
        shown = words.applications(_overview(), "en")
        assert [(a["status"], a["tone"], a["open"]) for a in shown] == [
            ("Received, under review; answer expected on March 3, 2027 "
             "The answer is late: please ask at an office.", "warn", True),
            ("Received; answer expected on March 1, 2027", "info", True),
            ("Not approved (March 3, 2027). Ask at an office why.", "bad", False),
        ]
        assert shown[0]["agency"] == "Ministry of Labour"

    def test_spanish_is_the_default_language(self) -> None:
        first = words.applications(_overview(), "es")[0]
        assert first["status"].startswith("Recibida, en revisión; respuesta esperada el "
                                          "3 de marzo de 2027")
        assert first["program"] == "Seguro de desempleo"

    def test_dates_ahead_soonest_first_with_the_late_one_marked(self) -> None:
        assert [(u["when"], u["late"]) for u in words.upcoming(_overview(), "en")] == [
            ("March 1, 2027", False), ("March 3, 2027", True)]


class TestProgramsAndDeliveries:
    def test_enrollments_say_their_state(self) -> None:
        assert [(e["status"], e["active"]) for e in words.enrollments(_overview(), "en")] == [
            ("Active since January 15, 2027", True), ("Suspended: please ask at an office.", False)]

    def test_deliveries_keep_the_amount_as_money(self) -> None:
        (delivery,) = words.deliveries(_overview(), "en")
        assert (delivery["when"], delivery["amount"]) == ("February 10, 2027", Decimal("1600.00"))


class TestAccesses:
    def test_who_looked_without_the_citizens_own_visits(self) -> None:
        rows = [
            SubjectAccess(at=MOMENT, by="kiosk", office=None, agency=None, action="person.read",
                          purpose="self_service", outcome="ok"),
            SubjectAccess(at=MOMENT, by="agency", office=None, agency=AGENCY.name,
                          action="agency.person_read", purpose="program_administration",
                          outcome="denied"),
            SubjectAccess(at=MOMENT, by="staff", office="Módulo Iztapalapa", agency=None,
                          action="person.read", purpose="attention", outcome="ok"),
        ]
        assert words.accesses(rows, "en") == [
            {"who": "Ministry of Labour", "why": "running a program",
             "when": "February 1, 2027, 11:00", "denied": True},
            {"who": "Módulo Iztapalapa", "why": "attention at an office",
             "when": "February 1, 2027, 11:00", "denied": False},
        ]
