"""Person 360: one answer with the person, the household and everything across agencies.

A fixed number of queries whatever the counts: the person (with the current membership), the
household's members, and the applications, enrollments and latest deliveries together (one
query joined to program and agency names), never one query per row. The rows are plain
(`overview_repository`) and the answer is validated once, as a whole, into the read model.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache, partial
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.common.sql import postgres_statement
from redangel.crypto.keyring import Keyring
from redangel.db import Reader, on_loop_connection
from redangel.errors import Forbidden
from redangel.person import service as person_service
from redangel.person.policy import person_condition
from redangel.person.schemas import PersonRead
from redangel.program import deadlines, policy
from redangel.program import overview_repository as repository
from redangel.program.models import OPEN_APPLICATION
from redangel.program.schemas import PersonOverview

DELIVERIES_SHOWN = 20


@lru_cache(maxsize=256)
def _household(principal: Principal) -> Select[*tuple[Any, ...]]:
    """The household statement in this principal's scope, built once per principal (the
    scope is a function of the principal alone: `person_condition`)."""
    return repository.household_statement(person_condition(principal))


def _program_name(row: Any) -> dict[str, str]:
    return {"es": row.program_es, "en": row.program_en}


def _agency(row: Any) -> dict[str, Any]:
    return {"code": row.agency_code, "name": {"es": row.agency_es, "en": row.agency_en}}


def _application(row: Any) -> dict[str, Any]:
    return {"folio": row.folio, "person_id": row.person_id, "program": row.program,
            "channel": row.channel, "status": row.status, "submitted_at": row.submitted_at,
            "expected_decision_on": row.expected_decision_on, "decided_at": row.decided_at,
            "decision_reason": row.decision_reason, "documents": row.documents or [],
            "version": row.version, "program_name": _program_name(row), "agency": _agency(row)}


def _enrollment(row: Any) -> dict[str, Any]:
    return {"id": row.id, "person_id": row.person_id, "program": row.program,
            "status": row.status, "started_on": row.started_on, "ended_on": row.ended_on,
            "exit_reason": row.exit_reason, "version": row.version,
            "program_name": _program_name(row), "agency": _agency(row)}


def _delivery(row: Any) -> dict[str, Any]:
    return {"id": row.id, "enrollment_id": row.enrollment_id, "person_id": row.person_id,
            "program": row.program, "delivered_on": row.delivered_on, "kind": row.kind,
            "amount": row.amount, "place": row.place, "program_name": _program_name(row)}


def overview(session: Session, *, keyring: Keyring, principal: Principal,
             person_id: uuid.UUID, purpose: str) -> PersonOverview:
    """The person's whole situation across agencies (the read is audited once)."""
    _, read = person_service.read(session, keyring=keyring, principal=principal,
                                  person_id=person_id, purpose=purpose)
    if not isinstance(read, PersonRead):  # the overview is for the front desk and the holder
        raise Forbidden()
    rows = repository.household_members(session, person_id, _household(principal))
    others = _others(rows, person_id)
    if others:  # the household's members shown beside the person are reads of them too
        audit.record_shown(session, principal=principal, action="household.read",
                           person_ids=others, purpose=purpose)
    return _assembled(read, rows, repository.programs(
        session, person_id, DELIVERIES_SHOWN, public_only=policy.public_screen(principal)))


@lru_cache(maxsize=256)
def _loop_statements(principal: Principal) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The household statement and the programs' (applications, enrollments and deliveries)
    of this principal, as PostgreSQL text for the event loop's connections."""
    return (postgres_statement(_household(principal)), postgres_statement(
        repository.programs_statement(DELIVERIES_SHOWN, policy.public_screen(principal))))


async def overview_shown(reader: Reader, *, keyring: Keyring, principal: Principal,
                         person_id: uuid.UUID, purpose: str) -> PersonOverview:
    """`overview`, on the event loop's own connection when the reader has one: the person read
    (and audited) first, then the rest in one round trip, and the household members shown
    audited before the answer is written."""
    if reader.loop is None:
        return await reader.in_thread(partial(overview, keyring=keyring, principal=principal,
                                              person_id=person_id, purpose=purpose))
    person_read = person_service.loop_read(principal, person_id=person_id, purpose=purpose)
    household, programs = _loop_statements(principal)

    async def read_all(conn: AsyncConnection[Any]) -> tuple[Any, list[Any], list[Any]]:
        # The person (audited) and their household (its names in the principal's scope) in one
        # trip; the rest is read only for a person this principal may see.
        found, members = await repository.rows_of_person_async(
            conn, (person_read, household), person_id)
        _, read = person_service.shown_by(keyring, principal, found[0] if found else None)
        if not isinstance(read, PersonRead):
            raise Forbidden()
        if not (others := _others(members, person_id)):
            return read, members, await repository.rows_of_async(conn, programs, person_id)
        async with conn.pipeline():  # the members shown audited with the rest, in one trip
            await audit.record_shown_on_loop(conn, principal=principal, action="household.read",
                                             person_ids=others, purpose=purpose)
            rows = await repository.rows_of_async(conn, programs, person_id)
        return read, members, rows

    return _assembled(*await on_loop_connection(reader.loop, read_all))


def _others(rows: Sequence[Any], person_id: uuid.UUID) -> list[uuid.UUID]:
    """The household's members shown beside the person (each a read of them too)."""
    return [m.person_id for m in rows if m.shown and m.person_id != person_id]


def _assembled(read: PersonRead, rows: Sequence[Any], programs: Sequence[Any]
               ) -> PersonOverview:
    parts: dict[str, list[Any]] = {part: [] for part in repository.PARTS}
    for row in programs:  # each part's rows in its own order
        parts[row.part].append(row)
    applications, enrollments, deliveries = (parts[part] for part in repository.PARTS)
    members = [m for m in rows if m.shown]
    household = None if not rows else {
        "id": rows[0].household_id, "members_elsewhere": len(rows) - len(members),
        "members": [{"person_id": m.person_id, "relationship": m.relationship, "since": m.since,
                     "birth_date": m.birth_date,
                     "name": full_name(m.given_names, m.first_surname, m.second_surname)}
                    for m in members]}
    today = city_today()
    open_apps: list[dict[str, Any]] = []
    decided: list[dict[str, Any]] = []
    for row in applications:
        if row.status in OPEN_APPLICATION:
            open_apps.append({
                **_application(row),
                "days_late": deadlines.days_late(row.expected_decision_on, today),
                "overdue": deadlines.is_overdue(row.status, row.expected_decision_on, today)})
        else:
            decided.append(_application(row))
    overdue = [{"kind": "application", "folio": a["folio"], "program": a["program"],
                "status": a["status"], "expected_decision_on": a["expected_decision_on"],
                "days_late": a["days_late"]}
               for a in open_apps if a["overdue"]]
    return PersonOverview.model_validate({
        "as_of": today,
        "person": read,
        "household": household,
        "enrollments": [_enrollment(row) for row in enrollments],
        "open_applications": open_apps,
        "decided_applications": decided,
        "deliveries": [_delivery(row) for row in deliveries],
        "overdue": sorted(overdue, key=lambda o: -o["days_late"]),
    })


def private_programs(catalog: Any) -> frozenset[str]:
    """The codes of the programs never named on a public screen (the catalog's `sensitive`)."""
    return frozenset(code for code, program in catalog.programs.items() if program.sensitive)


async def public_screen_shown(reader: Reader, *, keyring: Keyring, principal: Principal,
                              person_id: uuid.UUID) -> PersonOverview:
    """`public_screen`, on the event loop's own connection when the reader has one."""
    return await overview_shown(reader, keyring=keyring, principal=principal,
                                person_id=person_id, purpose="self_service")


def public_screen(session: Session, *, keyring: Keyring, principal: Principal,
                  person_id: uuid.UUID) -> PersonOverview:
    """The card holder's programs, applications and deliveries as a public screen may show
    them: the person 360 (read and audited as `self_service`), which names no sensitive program
    to a card holder (`policy.public_screen`)."""
    return overview(session, keyring=keyring, principal=principal, person_id=person_id,
                    purpose="self_service")
