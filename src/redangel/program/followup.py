"""A citizen follows a request by its folio, and rates the service once it is decided.

Anyone holding a folio and the applicant's birth date may read the request's status, promised
date and history, in words and without personal data (NYC311's status by number; other
channels get the same as JSON with Open311 GeoReport v2's field names). A wrong folio and a
wrong birth date get the same answer, so the page tells a guesser nothing; the surfaces rate
limit it and count the misses. A request decided, or whose benefit was delivered, may be rated
1 to 5 once, from the folio page, the kiosk after the PIN, or the office; a second rating is
refused and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common import folio as folios
from redangel.common.clock import CITY_TZ, city_day, city_today
from redangel.common.names import fold
from redangel.common.types import Names
from redangel.crypto.keyring import Keyring
from redangel.errors import Conflict, FieldError, InvalidInput, NotFound
from redangel.i18n import Lang, message
from redangel.program import complaints, deadlines
from redangel.program import escalation_repository as repository
from redangel.program import service as programs
from redangel.program.followup_schemas import FolioEvent, FolioStatus, Open311Request
from redangel.program.models import Application, Feedback
from redangel.program.repository import live_program_codes

FOLIO_READER = Principal(kind="system", id="folio", role="citizen")
"""Who reads a request through its folio and birth date: the citizen, not signed in."""
SHOWN_ACTIONS = ("submitted", "in_review", "documents", "new_date", "escalated", "approved",
                 "rejected")
"""History steps a citizen sees (who did them is never shown)."""


def _no_match() -> NotFound:
    return NotFound("folio_no_match", fields=[FieldError("folio", "folio_no_match")])


def _find(session: Session, folio: str, birth_date: date, surname: str | None = None) -> Any:
    """The request whose folio and applicant's birth date (and, asked by phone, first surname)
    all match, or the one refusal."""
    canonical = folios.normalise(folio[:40])
    row = repository.by_folio(session, canonical) if canonical else None
    if row is None or row[1] != birth_date:
        raise _no_match()
    if surname is not None and fold(surname) != fold(row[8]):
        raise _no_match()
    return row


def _may_rate(session: Session, app: Application) -> bool:
    return app.status in ("approved", "rejected") or repository.has_delivery(session, app.id)


def status(session: Session, *, folio: str, birth_date: date,
           principal: Principal = FOLIO_READER, surname: str | None = None,
           channel: str = "website") -> FolioStatus:
    """The request's status, promised date and history, for whoever holds folio and birth date
    (a call-center operator also asks the first surname)."""
    app, _, name_es, name_en, sensitive, agency_es, agency_en, _agency, _surname = _find(
        session, folio, birth_date, surname)
    today = city_today()
    history = [FolioEvent(action=action, at=at)
               for action, at in repository.application_history(session, app.id)
               if action in SHOWN_ACTIONS]
    updated = max([app.submitted_at, *(h.at for h in history)])
    audit.record(session, principal=principal, action="application.folio", person_id=app.person_id,
                 purpose="follow_up", detail={"folio": app.folio, "channel": channel})
    return FolioStatus(
        folio=app.folio, status=app.status,
        program_name=None if sensitive else Names(es=name_es, en=name_en),
        agency_name=Names(es=agency_es, en=agency_en), requested_at=app.submitted_at,
        updated_at=updated, expected_decision_on=app.expected_decision_on,
        standing=deadlines.standing(app.status, city_day(app.submitted_at),
                                    app.expected_decision_on, today),
        days_late=deadlines.days_late(app.expected_decision_on, today),
        decision_reason=app.decision_reason, history=history,
        may_rate=_may_rate(session, app),
        rated=repository.feedback_of(session, app.id) is not None)


def status_or_complaint(session: Session, *, keyring: Keyring, folio: str, birth_date: date,
                        principal: Principal = FOLIO_READER, surname: str | None = None,
                        channel: str = "website") -> FolioStatus:
    """The request or the complaint with this folio, for whoever holds folio and birth date (and,
    by phone, the first surname); the one refusal when neither matches."""
    try:
        return status(session, folio=folio, birth_date=birth_date, principal=principal,
                      surname=surname, channel=channel)
    except NotFound:
        found = complaints.folio_status(session, keyring=keyring, principal=principal,
                                        folio=folio, birth_date=birth_date, surname=surname)
        if found is None:
            raise
        return found


def caller_programs(session: Session, *, catalog: Any, folio: str, birth_date: date,
                    surname: str) -> list[tuple[str, Names]]:
    """The programs a verified caller's person may start an application for by phone: the
    catalog's open, non-sensitive programs the person neither holds nor has applied for (the
    program's own review decides eligibility, as for any application)."""
    app = _find(session, folio, birth_date, surname)[0]
    held = live_program_codes(session, app.person_id)
    today = city_today()
    return [(code, Names(es=p.name.es, en=p.name.en)) for code, p in sorted(catalog.programs.items())
            if code not in held and not p.sensitive
            and not (p.valid_from and today < p.valid_from)
            and not (p.valid_to and today > p.valid_to)]


def start_for_caller(session: Session, *, catalog: Any, principal: Principal, folio: str,
                     birth_date: date, surname: str, program_code: str) -> Application:
    """Start an application (channel `call_center`) for the person a caller proved with the
    three stated answers; only a program `caller_programs` offers. The program service audits."""
    app = _find(session, folio, birth_date, surname)[0]
    offered = {code for code, _ in caller_programs(session, catalog=catalog, folio=folio,
                                                   birth_date=birth_date, surname=surname)}
    if program_code not in offered:
        raise InvalidInput(fields=[FieldError("program", "program_not_offered")])
    return programs.submit(session, principal=principal, person_id=app.person_id,
                           program_code=program_code, channel="call_center",
                           caller_verified=True)


def words(found: FolioStatus, lang: Lang) -> str:
    """The status in words, then how its promised date stands (one text for every channel)."""
    waiting = found.kind == "complaint" and found.status == "submitted"
    said = message("complaint_submitted" if waiting else f"request_{found.status}", lang)
    if found.standing != "decided":
        said += " " + message(f"request_{found.standing}", lang)
    return said


def open311(found: FolioStatus, *, status_notes: str, lang: Lang) -> Open311Request:
    """The same status in Open311 GeoReport v2's fields (dates as moments in the city)."""
    program = found.program_name
    service = (message("complaint_service", lang) if found.kind == "complaint"
               else getattr(program, lang) if program else "")
    return Open311Request(
        service_request_id=found.folio,
        status="closed" if found.standing == "decided" else "open",
        status_notes=status_notes,
        service_name=service,
        agency_responsible=getattr(found.agency_name, lang),
        requested_datetime=found.requested_at, updated_datetime=found.updated_at,
        expected_datetime=datetime.combine(found.expected_decision_on, time(18), tzinfo=CITY_TZ))


def rate(session: Session, *, keyring: Keyring, application: Application, agency_code: str,
         rating: int, comment: str, channel: str, principal: Principal) -> Feedback:
    """Record the one rating of a decided (or delivered) request; a second is refused."""
    if not _may_rate(session, application):
        raise Conflict("feedback_not_yet", fields=[FieldError("rating", "feedback_not_yet")])
    if repository.feedback_of(session, application.id) is not None:
        raise Conflict("feedback_given", fields=[FieldError("rating", "feedback_given")])
    row = Feedback(application_id=application.id, program_code=application.program_code,
                   agency_code=agency_code, rating=rating, channel=channel)
    text = comment.strip()
    if text:
        row.comment_sealed = keyring.seal(text.encode(), table="feedback", column="comment",
                                          row_id=application.id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:  # a rating sent twice at once: the database keeps one
        raise Conflict("feedback_given", fields=[FieldError("rating", "feedback_given")]) from exc
    audit.record(session, principal=principal, action="application.feedback",
                 person_id=application.person_id, purpose="service_quality",
                 detail={"folio": application.folio, "channel": channel})
    return row


def rate_by_folio(session: Session, *, keyring: Keyring, folio: str, birth_date: date,
                  rating: int, comment: str, channel: str, surname: str | None = None,
                  principal: Principal = FOLIO_READER) -> Feedback:
    """Rate a request proven by its folio and birth date (folio page; the call center also
    asks the first surname)."""
    row = _find(session, folio, birth_date, surname)
    return rate(session, keyring=keyring, application=row[0], agency_code=row[7], rating=rating,
                comment=comment, channel=channel, principal=principal)


def rate_at_office(session: Session, *, keyring: Keyring, principal: Principal,
                   application: Application, rating: int, comment: str) -> Feedback:
    """Record the rating a citizen gives at the office's desk (the application already found
    in the clerk's scope)."""
    row = repository.by_folio(session, application.folio)
    return rate(session, keyring=keyring, application=application, agency_code=row[7],
                rating=rating, comment=comment, channel="office", principal=principal)


def rate_own(session: Session, *, keyring: Keyring, principal: Principal, folio: str,
             rating: int, comment: str) -> Feedback:
    """Rate one of the card holder's own requests at the kiosk (after the PIN)."""
    canonical = folios.normalise(folio[:40])
    row = repository.by_folio(session, canonical) if canonical else None
    if row is None or principal.person_id is None or row[0].person_id != principal.person_id:
        raise NotFound()
    return rate(session, keyring=keyring, application=row[0], agency_code=row[7], rating=rating,
                comment=comment, channel="kiosk", principal=principal)


def rated(session: Session, folios: list[str]) -> set[str]:
    """Which of these requests were already rated (for a list with rating forms)."""
    return repository.rated_folios(session, folios)


DEMO_COMMENTS = ("", "", "Me atendieron con amabilidad.", "Tardó más de lo prometido.",
                 "Todo claro, gracias.")


def seed_demo_ratings(session: Session, *, keyring: Keyring, count: int) -> int:
    """Ratings for the demo's first decided requests (mostly good, some not): pages not empty."""
    rows = repository.decided_unrated(session, count)
    for n, (app, agency_code) in enumerate(tuple(r) for r in rows):
        rate(session, keyring=keyring, application=app, agency_code=agency_code,
             rating=(5, 4, 4, 3, 5, 2, 4, 1)[n % 8], comment=DEMO_COMMENTS[n % 5],
             channel=("website", "kiosk", "office")[n % 3], principal=FOLIO_READER)
    return len(rows)
