"""The agency API's rules: an agency sees persons of its own programs, through its allowlist.

Lists page with keyset cursors; the change feed pages by change number; the roll export streams
from a server-side cursor in batches, so memory stays flat whatever the roll's size.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from psycopg import AsyncConnection
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from redangel.agency import dci_search as dci
from redangel.agency.dci_schemas import SearchEnvelope, TransportErrors
from redangel.agency.dci_search import Signer
from redangel.agency.schemas import (
    AgencyApplication,
    AgencyApplicationPage,
    AgencyEnrollmentPage,
    AgencyPerson,
    Change,
    ChangePage,
)
from redangel.audit import service as audit
from redangel.auth import service as auth_service
from redangel.auth.principal import Principal
from redangel.common.pagination import decode_cursor, encode_cursor
from redangel.crypto.keyring import Keyring
from redangel.db import Reader, on_loop_connection
from redangel.dci import signature
from redangel.errors import FieldError, Gone, InvalidInput, NotFound
from redangel.person import curp as curp_rules
from redangel.person import fields as allow
from redangel.person import service as person_service
from redangel.person.models import Person
from redangel.person.schemas import PersonAllowlisted
from redangel.program import change_archive, repository
from redangel.program.models import Application, Enrollment
from redangel.program.policy import agency_person_condition, program_condition
from redangel.program.schemas import application_out, enrollment_out

EXPORT_BATCH = 2000
RollFilter = repository.RollFilter  # the roll's filter, so the API builds one without the repository


def _agency(principal: Principal) -> str:
    assert principal.agency_code is not None
    return principal.agency_code


def _after(cursor: str | None) -> tuple[str, uuid.UUID] | None:
    if cursor is None:
        return None
    values = decode_cursor(cursor, 2)
    try:
        return str(values[0]), uuid.UUID(str(values[1]))
    except ValueError as exc:
        raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc


def list_applications(session: Session, *, principal: Principal, f: repository.RollFilter,
                      cursor: str | None) -> AgencyApplicationPage:
    """One page of the agency's applications, oldest submission first."""
    after = _after(cursor)
    if after is not None:
        try:
            datetime.fromisoformat(after[0])
        except ValueError as exc:
            raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc
    rows = repository.list_applications(
        session, repository.RollFilter(**{**f.__dict__, "agency_code": _agency(principal),
                                          "after": after}))
    page = rows[: f.limit]
    items = [AgencyApplication(**dict(application_out(r[0])), borough=r.borough) for r in page]
    last = page[-1][0] if page else None
    next_cursor = (encode_cursor([last.submitted_at.astimezone(UTC).isoformat(), str(last.id)])
                   if last is not None and len(rows) > f.limit else None)
    audit.record_shown(session, principal=principal, action="agency.list_applications",
                       person_ids=(r[0].person_id for r in page),
                       purpose="program_administration", detail={"rows": len(items)})
    return AgencyApplicationPage(items=items, next_cursor=next_cursor)


def list_enrollments(session: Session, *, principal: Principal, f: repository.RollFilter,
                     cursor: str | None) -> AgencyEnrollmentPage:
    """One page of the agency's roll, earliest start first."""
    wanted = _roll_wanted(principal, f, cursor)
    rows = repository.list_enrollments(session, wanted)
    page = rows[: f.limit]
    audit.record_shown(session, principal=principal, action="agency.list_enrollments",
                       person_ids=(r.person_id for r in page),
                       purpose="program_administration", detail={"rows": len(page)})
    return _roll_page(rows, f.limit)


async def list_enrollments_shown(reader: Reader, *, principal: Principal,
                                 f: repository.RollFilter, cursor: str | None
                                 ) -> AgencyEnrollmentPage:
    """`list_enrollments`, on the event loop's own connection when the reader has one: the
    page's audit events committed before it is answered."""
    if reader.loop is None:
        return await reader.in_thread(partial(list_enrollments, principal=principal, f=f,
                                              cursor=cursor))
    wanted = _roll_wanted(principal, f, cursor)

    async def read_and_record(conn: AsyncConnection[Any]) -> list[Any]:
        rows = await repository.list_enrollments_async(conn, wanted)
        page = rows[: f.limit]
        await audit.record_shown_on_loop(
            conn, principal=principal, action="agency.list_enrollments",
            person_ids=(r.person_id for r in page), purpose="program_administration",
            detail={"rows": len(page)})
        return rows

    return _roll_page(await on_loop_connection(reader.loop, read_and_record), f.limit)


def _roll_wanted(principal: Principal, f: repository.RollFilter,
                 cursor: str | None) -> repository.RollFilter:
    after = _after(cursor)
    if after is not None:
        try:
            date.fromisoformat(after[0])
        except ValueError as exc:
            raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")]) from exc
    return repository.RollFilter(**{**f.__dict__, "agency_code": _agency(principal),
                                    "after": after})


def _roll_page(rows: Sequence[Any], limit: int) -> AgencyEnrollmentPage:
    page = rows[:limit]
    last = page[-1] if page else None
    next_cursor = (encode_cursor([last.started_on.isoformat(), str(last.id)])
                   if last is not None and len(rows) > limit else None)
    # The rows are labelled as the items' fields: the page is validated once, as a whole.
    fields = page[0]._fields if page else ()
    return AgencyEnrollmentPage.model_validate(
        {"items": [dict(zip(fields, r, strict=True)) for r in page], "next_cursor": next_cursor})


def changes(session: Session, *, principal: Principal, cursor: str | None,
            limit: int) -> ChangePage:
    """The agency's changes after a cursor, in order; `next_cursor` resumes after the last."""
    after = 0
    if cursor is not None:
        if not cursor.isdigit() or len(cursor) > 18:
            raise InvalidInput(fields=[FieldError("cursor", "cursor_invalid")])
        after = int(cursor)
    # Asked on every page, not only at a visible gap: a change recorded at a month's last
    # instant may be numbered after one of the next month's, so an archived month can leave a
    # hole behind a cursor that a page starting at cursor + 1 would not show.
    archived = change_archive.archived_through(session, _agency(principal))
    if after < archived:
        raise Gone("changes_archived",
                   fields=[FieldError("cursor", "changes_archived", {"last": archived})],
                   extra={"archived_through": archived})
    rows = repository.changes_after(session, _agency(principal), after, limit)
    items = [Change.model_validate({
                 "seq": r.seq, "at": r.at, "entity": r.entity, "id": r.entity_id,
                 "person_id": r.person_id, "program": r.program_code, "action": r.action,
                 "data": r.data}) for r in rows]
    audit.record_shown(session, principal=principal, action="agency.changes",
                       person_ids=(r.person_id for r in rows if r.person_id is not None),
                       purpose="program_administration",
                       detail={"after": after, "rows": len(items)})
    return ChangePage(changes=items, next_cursor=str(rows[-1].seq if rows else after),
                      has_more=len(rows) == limit)


def changes_cursor(session: Session, *, principal: Principal) -> int:
    """Where the agency's change feed stands now: a roll read from here on is continued by
    `/agency/changes?cursor=` this number."""
    return repository.change_head(session, _agency(principal))


def person(session: Session, *, keyring: Keyring, principal: Principal,
           person_id: uuid.UUID) -> AgencyPerson:
    """One person connected to the agency's programs, through its allowlist (audited). A record
    merged into another answers as its survivor (whose id the answer carries)."""
    person_id = person_service.current_id(session, person_id)
    row = session.scalar(select(Person).where(Person.id == person_id,
                                              agency_person_condition(_agency(principal))))
    if row is None:
        raise NotFound()
    return _person_with_programs(session, keyring=keyring, principal=principal, row=row)


def _person_with_programs(session: Session, *, keyring: Keyring, principal: Principal,
                          row: Person) -> AgencyPerson:
    applications, enrollments = repository.person_programs(
        session, row.id, program_condition(principal, Application.program_code),
        program_condition(principal, Enrollment.program_code))
    audit.record(session, principal=principal, action="agency.person_read", person_id=row.id,
                 purpose="program_administration")
    return AgencyPerson(person=_allowlisted(session, keyring=keyring, principal=principal,
                                            row=row),
                        applications=[application_out(r[0]) for r in applications],
                        enrollments=[enrollment_out(r[0]) for r in enrollments])


def _allowlisted(session: Session, *, keyring: Keyring, principal: Principal,
                 row: Person) -> PersonAllowlisted:
    shown = person_service.project(session, keyring=keyring, principal=principal, person=row)
    assert isinstance(shown, PersonAllowlisted)  # an agency's projection is its allowlist
    return shown


def _by_curp(session: Session, *, keyring: Keyring, principal: Principal,
             curp: str) -> Person | None:
    index = keyring.blind_index("curp", curp)
    return session.scalar(select(Person).where(Person.curp_index == index,
                                               agency_person_condition(_agency(principal))))


def _valid_curp(raw: str) -> str | None:
    curp = curp_rules.normalise(raw)
    return None if curp_rules.problems(curp) else curp


def lookup(session: Session, *, keyring: Keyring, principal: Principal,
           curp: str) -> AgencyPerson:
    """A person by CURP, if connected to the agency's programs (else 404, same as unknown)."""
    valid = _valid_curp(curp)
    if valid is None:
        code = curp_rules.problems(curp_rules.normalise(curp))[0].code
        raise InvalidInput(fields=[FieldError("curp", code)])
    row = _by_curp(session, keyring=keyring, principal=principal, curp=valid)
    if row is None:
        audit.record(session, principal=principal, action="agency.lookup", person_id=None,
                     purpose="program_administration", outcome="not_found")
        raise NotFound()
    return _person_with_programs(session, keyring=keyring, principal=principal, row=row)


def dci_search(session: Session, *, keyring: Keyring, principal: Principal, signer: Signer,
               body: Any) -> tuple[int, SearchEnvelope | TransportErrors]:
    """Answer a DCI synchronous registry search (`dci_search.search`): status and answer."""
    return dci.search(session, keyring=keyring, principal=principal, signer=signer, body=body)


def register_dci_key(session: Session, *, client_id: str, sender_id: str, public_key: str) -> None:
    """Register the key an agency client signs its DCI messages with: from then on its DCI
    messages must carry a signature that verifies with it."""
    try:
        signature.public_key_from_text(public_key)
    except ValueError as exc:
        raise InvalidInput(fields=[FieldError("public_key", "field_invalid")]) from exc
    if not re.fullmatch(r"[\x21-\x7e]{1,99}", sender_id):
        raise InvalidInput(fields=[FieldError("sender_id", "field_invalid")])
    auth_service.set_dci_key(session, client_id=client_id, sender_id=sender_id,
                             public_key=public_key.strip())


def export_roll(engine: Engine, *, sessions: Callable[[], Session], keyring: Keyring,
                principal: Principal, program: str | None,
                status: str | None) -> Iterator[bytes]:
    """The agency's roll as NDJSON, read through a server-side cursor in batches.

    The request's transaction has ended when the stream starts, so the stream owns its audit:
    before a batch leaves, one event per person in it is committed (one multi-row INSERT per
    batch), so nobody is sent unaudited and an aborted download audits only what was read.
    The batch's audit is written on a second connection while its lines are made (unsealed a
    column at a time), and the next batch is fetched meanwhile; the lines wait for the audit's
    commit before they leave. A line is the enrollment's fields, then the person's allowlisted
    view, as compact JSON (the enrollment's part written from its values directly).
    """
    agency_code = _agency(principal)
    fields = allow.allowed(agency_code)
    stmt = repository.roll_statement(agency_code, program=program, status=status,
                                     columns=allow.person_columns(fields))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    detail = {"program": program, "status": status}
    words: dict[str | None, str] = {}  # programs, statuses, exit reasons: few, encoded once

    def word(value: str | None) -> str:
        found = words.get(value)
        if found is None:
            found = words[value] = dumps(value)
        return found

    def audited(person_ids: list[str]) -> None:
        with sessions() as session:
            audit.record_shown(session, principal=principal, action="agency.roll_person",
                               person_ids=[uuid.UUID(pid) for pid in person_ids],
                               purpose="program_administration", detail=detail)
            session.commit()

    with engine.connect().execution_options(readonly=True) as conn, \
            ThreadPoolExecutor(1, "roll-audit") as auditor, \
            ThreadPoolExecutor(1, "roll-reader") as reader:
        batches = repository.roll_batches(conn, stmt, EXPORT_BATCH)
        upcoming = reader.submit(next, batches, None)
        try:
            while (fetched := upcoming.result()) is not None:
                names, batch = fetched
                upcoming = reader.submit(next, batches, None)
                at = {name: names.index(name) for name in (
                    "id", "pid", "program_code", "status", "started_on", "ended_on",
                    "exit_reason")}
                pid = at["pid"]
                person_ids = [row[pid] for row in batch]
                commit = auditor.submit(audited, person_ids)
                try:
                    persons = allow.views(batch, person_ids=person_ids, keyring=keyring,
                                          fields=fields, keys=names)
                    i, program_at, status_at, start, end, reason = (
                        at["id"], at["program_code"], at["status"], at["started_on"],
                        at["ended_on"], at["exit_reason"])
                    lines = [
                        f'{{"enrollment_id":"{row[i]}","program":{word(row[program_at])},'
                        f'"status":{word(row[status_at])},'
                        f'"started_on":"{row[start].isoformat()}","ended_on":{_day(row[end])},'
                        f'"exit_reason":{word(row[reason])},"person":{dumps(person)}}}'
                        for row, person in zip(batch, persons, strict=True)]
                    lines.append("")
                finally:
                    commit.result()  # nothing leaves before its audit is committed
                yield "\n".join(lines).encode()
        finally:
            upcoming.cancel()
            if not upcoming.cancelled():
                upcoming.exception()  # the reader is done with the cursor before it closes
            batches.close()


def _day(value: date | None) -> str:
    """A date as JSON: its ISO text, or null."""
    return "null" if value is None else f'"{value.isoformat()}"'
