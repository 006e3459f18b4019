"""The life-event wizard: pick what happened, answer its questions, see the bundle, apply, print.

The questions and programs come from the catalog (`app.state.catalog`); the verdicts and their
reasons from the engine through `lifeevent.service.evaluate`, which stores the evaluation. The
clerk ticks the eligible programs (pre-ticked) and applies in one step; the apply is idempotent
per evaluation and choice of programs and answers with a redirect, so a refresh never applies
twice, and the receipt page is what the citizen takes home.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redangel.auth import service as auth
from redangel.common.clock import city_today
from redangel.common.idempotency import Idempotency
from redangel.common.names import full_name
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, InvalidInput, NotFound
from redangel.lifeevent import service as lifeevents
from redangel.lifeevent.schemas import ApplyRequest, EvaluateRequest
from redangel.person import service as persons
from redangel.program import overview as overviews
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.office import labels
from redangel.web.office.forms import (
    Form,
    Problems,
    city_day,
    message_page,
    problems_of,
    text,
    texts,
)
from redangel.web.templating import render

router = APIRouter()
EventCode = Annotated[str, Path(max_length=48)]


def _catalog(request: Request) -> Any:
    return request.app.state.catalog


def _event(request: Request, code: str) -> Any:
    event = _catalog(request).events.get(code[:48])
    if event is None:
        raise NotFound(fields=[FieldError("event_code", "not_found")])
    return event


def _name(person: Any) -> str:
    return full_name(person.given_names, person.first_surname, person.second_surname)


def answers_of(event: Any, form: FormData, lang: i18n.Lang) -> tuple[dict[str, Any], Problems]:
    """The typed answers to an event's questions, or why some were refused (in words)."""
    answers: dict[str, Any] = {}
    problems = Problems()
    for question in event.questions:
        raw = text(form, f"q_{question.name}", 200)
        if not raw:
            if question.required:
                problems.fields[question.name] = i18n.translate(lang, "Answer this question.")
            continue
        if question.type == "date":
            try:
                answers[question.name] = date.fromisoformat(raw).isoformat()
            except ValueError:
                problems.fields[question.name] = i18n.translate(
                    lang, "Write a date as day, month and year.")
        elif question.type == "boolean":
            if raw not in ("yes", "no"):
                problems.fields[question.name] = i18n.translate(lang, "Answer yes or no.")
            else:
                answers[question.name] = raw == "yes"
        elif question.type in ("number", "money", "integer"):
            try:
                answers[question.name] = str(Decimal(re.sub(r"[\s$,]", "", raw)))
            except InvalidOperation:
                problems.fields[question.name] = i18n.translate(lang, "Write a number.")
        elif question.options and raw not in question.options:
            problems.fields[question.name] = i18n.translate(lang, "Choose one of the options.")
        else:
            answers[question.name] = raw
    if problems.fields:
        problems.summary = i18n.translate(lang, "Some answers are missing or not valid.")
    return answers, problems


@router.get("/persons/{person_id}/events")
def choose_event(request: Request, person_id: uuid.UUID, session: DbSession,
                 principal: OfficeUser) -> Response:
    """What happened in the person's life? The catalog's events, by category."""
    person = persons.get(session, principal=principal, person_id=person_id, purpose="application")
    by_category: dict[str, list[Any]] = {}
    for event in _catalog(request).events.values():
        by_category.setdefault(event.category, []).append(event)
    return render(request, "office/events.html", {
        "person_id": person_id, "name": _name(person), "by_category": by_category,
        "categories": labels.EVENT_CATEGORIES})


def _questions_page(request: Request, *, person_id: uuid.UUID, name: str, event: Any,
                    values: dict[str, str] | None = None, problems: Problems | None = None,
                    status: int = 200) -> Response:
    return render(request, "office/event_questions.html", {
        "person_id": person_id, "name": name, "event": event, "values": values or {},
        "problems": problems or Problems(), "choices": lambda options: [(o, o) for o in options]},
        status_code=status)


@router.get("/persons/{person_id}/events/{event_code}")
def questions(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
              principal: OfficeUser) -> Response:
    """The event's questions, each with the input its type needs."""
    event = _event(request, event_code)
    person = persons.get(session, principal=principal, person_id=person_id, purpose="application")
    return _questions_page(request, person_id=person_id, name=_name(person), event=event)


@router.post("/persons/{person_id}/events/{event_code}")
def evaluate(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
             principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Evaluate the event's bundle with the answers: per program a verdict and its reasons."""
    lang = i18n.page_lang(request)
    event = _event(request, event_code)
    person = persons.get(session, principal=principal, person_id=person_id, purpose="application")
    values = {q.name: text(form, f"q_{q.name}", 200) for q in event.questions}
    answers, problems = answers_of(event, form, lang)
    if problems:
        return _questions_page(request, person_id=person_id, name=_name(person), event=event,
                               values=values, problems=problems, status=422)
    try:
        row = lifeevents.evaluate(session, catalog=_catalog(request), keyring=keyring,
                                  principal=principal, event_code=event.code,
                                  data=EvaluateRequest(person_id=person_id, answers=answers))
    except AppError as error:
        return _questions_page(request, person_id=person_id, name=_name(person), event=event,
                               values=values, problems=problems_of(error, lang), status=422)
    catalog = _catalog(request)
    results = row.result.get("results", [])
    for item in results:
        agency = catalog.agencies.get(item["agency"])
        item["agency_name"] = agency.to_dict() if agency else {"es": item["agency"], "en": item["agency"]}
    return render(request, "office/event_bundle.html", {
        "person_id": person_id, "name": _name(person), "event": event, "results": results,
        "evaluation_id": row.id, "answers": values, "labels": labels,
        "eligible": sum(1 for r in results if r["verdict"] == "eligible")})


def receipt_url(person_id: uuid.UUID, folios: list[str]) -> str:
    """Where the receipt of these applications is shown."""
    return f"/office/persons/{person_id}/receipt?{urlencode([('folio', f) for f in folios])}"


@router.post("/persons/{person_id}/events/{event_code}/apply")
def apply(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
          principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Apply for the ticked programs in one step, then show the receipt (redirect after post)."""
    lang = i18n.page_lang(request)
    event = _event(request, event_code)
    programs = sorted(set(texts(form, "program", 48)))
    back = f"/office/persons/{person_id}/events/{event.code}"
    if not programs:
        return message_page(request, status=422, home=back, detail=i18n.translate(
            lang, "Tick at least one program to apply for, or go back to the questions."))
    try:
        data = ApplyRequest(evaluation_id=uuid.UUID(text(form, "evaluation_id", 40)),
                            programs=programs, channel="office")
    except ValueError as exc:
        raise InvalidInput(fields=[FieldError("evaluation_id", "not_found")]) from exc
    # One evaluation with one choice of programs is applied once, however often it is posted.
    key = f"office-apply:{data.evaluation_id}:" + hashlib.sha256(
        ",".join(programs).encode()).hexdigest()[:32]
    idem = Idempotency(request=request, session=session, principal=principal, payload=data, key=key,
                       keyring=keyring)
    replay = idem.replay()
    if replay is not None:
        body = replay.body
    else:
        applied = lifeevents.apply(session, catalog=_catalog(request), principal=principal,
                                   event_code=event.code, data=data)
        body = applied.model_dump(mode="json")
        idem.remember(201, body=body)
    return RedirectResponse(receipt_url(person_id, [a["folio"] for a in body["applications"]]),
                            status_code=303)


@router.get("/persons/{person_id}/receipt")
def receipt(request: Request, person_id: uuid.UUID, session: DbSession, principal: OfficeUser,
            keyring: KeyringDep,
            folio: Annotated[list[str] | None, Query(max_length=20)] = None) -> Response:
    """The printable receipt: each folio, program, agency, expected decision and documents."""
    wanted = [f[:20] for f in (folio or [])][:20]
    data = overviews.overview(session, keyring=keyring, principal=principal, person_id=person_id,
                              purpose="application")
    apps = {a.folio: a for a in [*data.open_applications, *data.decided_applications]}
    shown = [apps[f] for f in wanted if f in apps]
    day = city_day(shown[0].submitted_at) if shown else city_today()
    p = data.person
    return render(request, "office/receipt.html", {
        "person_id": person_id,
        "name": full_name(p.given_names, p.first_surname, p.second_surname),
        "applications": shown, "day": day,
        "office": auth.office_name(session, principal.office_id) or ""})
