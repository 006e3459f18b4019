"""Person 360: one answer with the person, the household and everything across agencies.

A fixed number of queries whatever the counts: the person (with the current membership), the
household's members, applications, enrollments and latest deliveries — each one query joined to
program and agency names, never one query per row.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.common.types import Names
from redangel.crypto.keyring import Keyring
from redangel.errors import Forbidden
from redangel.person import service as person_service
from redangel.person.policy import person_condition
from redangel.person.schemas import PersonRead
from redangel.program import deadlines, repository
from redangel.program.models import OPEN_APPLICATION, Application, Delivery, Enrollment
from redangel.program.policy import shown_to
from redangel.program.schemas import (
    AgencyRef,
    HouseholdMember,
    HouseholdSummary,
    OpenApplication,
    OverdueItem,
    OverviewApplication,
    OverviewDelivery,
    OverviewEnrollment,
    PersonOverview,
    application_out,
    delivery_out,
    enrollment_out,
)

DELIVERIES_SHOWN = 20


def _agency(row: Any) -> AgencyRef:
    return AgencyRef(code=row.agency_code, name=Names(es=row.agency_es, en=row.agency_en))


def overview(session: Session, *, keyring: Keyring, principal: Principal,
             person_id: uuid.UUID, purpose: str) -> PersonOverview:
    """The person's whole situation across agencies (the read is audited once)."""
    _, read = person_service.read(session, keyring=keyring, principal=principal,
                                  person_id=person_id, purpose=purpose)
    if not isinstance(read, PersonRead):  # the overview is for the front desk and the holder
        raise Forbidden()
    rows = repository.household_members(session, person_id, person_condition(principal))
    members = [m for m in rows if m.shown]
    others = [m.person_id for m in members if m.person_id != person_id]
    if others:  # the household's members shown beside the person are reads of them too
        audit.record_shown(session, principal=principal, action="household.read",
                           person_ids=others, purpose=purpose)
    applications, enrollments = repository.person_programs(
        session, person_id, shown_to(principal, Application.program_code),
        shown_to(principal, Enrollment.program_code))
    deliveries = repository.recent_deliveries(session, person_id, DELIVERIES_SHOWN,
                                              shown_to(principal, Delivery.program_code))
    today = city_today()
    open_apps: list[OpenApplication] = []
    decided: list[OverviewApplication] = []
    for row in applications:
        app = row[0]
        shown = {**dict(application_out(app)), "program_name": Names(es=row.name_es, en=row.name_en),
                 "agency": _agency(row)}
        if app.status in OPEN_APPLICATION:
            open_apps.append(OpenApplication(
                **shown, days_late=deadlines.days_late(app.expected_decision_on, today),
                overdue=deadlines.is_overdue(app.status, app.expected_decision_on, today)))
        else:
            decided.append(OverviewApplication(**shown))
    overdue = [OverdueItem(kind="application", folio=a.folio, program=a.program,
                           status=a.status, expected_decision_on=a.expected_decision_on,
                           days_late=a.days_late)
               for a in open_apps if a.overdue]
    return PersonOverview(
        as_of=today,
        person=read,
        household=None if not rows else HouseholdSummary(
            id=rows[0].household_id,
            members_elsewhere=len(rows) - len(members),
            members=[HouseholdMember(person_id=m.person_id, relationship=m.relationship,
                                     since=m.since, birth_date=m.birth_date,
                                     name=full_name(m.given_names, m.first_surname,
                                                    m.second_surname))
                     for m in members]),
        enrollments=[OverviewEnrollment(**dict(enrollment_out(row[0])),
                                        program_name=Names(es=row.name_es, en=row.name_en),
                                        agency=_agency(row))
                     for row in enrollments],
        open_applications=open_apps,
        decided_applications=decided,
        deliveries=[OverviewDelivery(**dict(delivery_out(row[0])),
                                     program_name=Names(es=row.name_es, en=row.name_en))
                    for row in deliveries],
        overdue=sorted(overdue, key=lambda o: -o.days_late),
    )



def private_programs(catalog: Any) -> frozenset[str]:
    """The codes of the programs never named on a public screen (the catalog's `sensitive`)."""
    return frozenset(code for code, program in catalog.programs.items() if program.sensitive)


def public_screen(session: Session, *, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID) -> PersonOverview:
    """The card holder's programs, applications and deliveries as a public screen may show
    them: the person 360 (read and audited as `self_service`), which names no sensitive program
    to a card holder (`policy.shown_to`)."""
    return overview(session, keyring=keyring, principal=principal, person_id=person_id,
                    purpose="self_service")
