"""The life-event wizard: pick what happened, answer its questions, see the bundle, apply, print.

The questions and programs come from the catalog (`app.state.catalog`); the verdicts and their
reasons from the engine through `lifeevent.service.evaluate`, which stores the evaluation. The
clerk ticks the eligible programs (pre-ticked) and applies in one step; the apply is idempotent
per evaluation and choice of programs and answers with a redirect, so a refresh never applies
twice, and the receipt page is what the citizen takes home.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redangel.auth import service as auth
from redangel.common.clock import city_today
from redangel.common.names import full_name
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError, FieldError, InvalidInput, NotFound
from redangel.idempotency.dependencies import Idempotent
from redangel.lifeevent import service as lifeevents
from redangel.lifeevent.schemas import ApplyRequest, EvaluateRequest
from redangel.person import service as persons
from redangel.program import overview as overviews
from redangel.web import answers, i18n
from redangel.web.auth import OfficeUser
from redangel.web.office import event_facts, labels
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


def answers_of(event: Any, form: FormData, lang: i18n.Lang
               ) -> tuple[dict[str, Any], dict[str, str], Problems]:
    """The typed answers to an event's questions (JSON-ready), the text as typed, and why some
    were refused (in words, by question name)."""
    asked = [answers.Asked(q.name, answers.kind_of(q.type, q.options), q.options, q.required)
             for q in event.questions]
    values, typed, errors = answers.read(asked, lambda name: text(form, f"q_{name}", 200), lang)
    problems = Problems(fields=errors)
    if errors:
        problems.summary = i18n.translate(lang, "Some answers are missing or not valid.")
    return ({k: v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v
             for k, v in values.items()}, typed, problems)


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


def _facts(request: Request, session: DbSession, principal: OfficeUser, keyring: KeyringDep,
           person_id: uuid.UUID, event: Any, *, missing: list[str] | None = None
           ) -> list[lifeevents.FactToAsk]:
    """Before the verdicts (`missing` None): the facts to confirm; after: the missing ones."""
    return lifeevents.facts_to_ask(session, catalog=_catalog(request), keyring=keyring,
                                   principal=principal, person_id=person_id, event_code=event.code,
                                   missing=missing or (), confirm=missing is None)


def _questions_page(request: Request, *, person_id: uuid.UUID, name: str, event: Any,
                    facts: list[event_facts.FactField], values: dict[str, str] | None = None,
                    problems: Problems | None = None, status: int = 200) -> Response:
    return render(request, "office/event_questions.html", {
        "person_id": person_id, "name": name, "event": event, "values": values or {},
        "facts": facts, "problems": problems or Problems(),
        "choices": lambda options: [(o, o) for o in options]}, status_code=status)


def _bundle_page(request: Request, *, person_id: uuid.UUID, name: str, event: Any, row: Any,
                 values: dict[str, str], facts: list[event_facts.FactField],
                 problems: Problems | None = None, kept: list[str] | None = None,
                 status: int = 200) -> Response:
    catalog = _catalog(request)
    results = [dict(item) for item in row.result.get("results", [])]
    for item in results:
        agency = catalog.agencies.get(item["agency"])
        item["agency_name"] = agency.to_dict() if agency else {"es": item["agency"], "en": item["agency"]}
    return render(request, "office/event_bundle.html", {
        "person_id": person_id, "name": name, "event": event, "results": results,
        "evaluation_id": row.id, "answers": values, "labels": labels, "facts": facts,
        "problems": problems or Problems(), "kept": kept or [],
        "eligible": sum(1 for r in results if r["verdict"] == "eligible")}, status_code=status)


@router.get("/persons/{person_id}/events/{event_code}")
def questions(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
              principal: OfficeUser, keyring: KeyringDep) -> Response:
    """The event's questions, each with the input its type needs, and the facts to confirm."""
    lang = i18n.page_lang(request)
    event = _event(request, event_code)
    person = persons.get(session, principal=principal, person_id=person_id, purpose="application")
    facts = _facts(request, session, principal, keyring, person_id, event)
    return _questions_page(request, person_id=person_id, name=_name(person), event=event,
                           facts=event_facts.fields(facts, lang))


@router.post("/persons/{person_id}/events/{event_code}")
def evaluate(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
             principal: OfficeUser, keyring: KeyringDep, form: Form) -> Response:
    """Keep the facts stated at the office, then evaluate the bundle with the answers: per
    program a verdict and its reasons, and what is still missing, asked beside them."""
    lang = i18n.page_lang(request)
    event = _event(request, event_code)
    person = persons.get(session, principal=principal, person_id=person_id, purpose="application")
    shown = _shown_evaluation(session, principal, person_id, event, text(form, "shown_evaluation", 40))
    asked = _facts(request, session, principal, keyring, person_id, event,
                   missing=None if shown is None else lifeevents.missing_of(shown))
    answers, values, problems = answers_of(event, form, lang)
    stated, typed, refused = event_facts.read(asked, form, lang)
    kept: list[tuple[uuid.UUID, str]] = []
    if not problems and not refused:
        try:
            kept = lifeevents.record_facts(session, catalog=_catalog(request), keyring=keyring,
                                           principal=principal, person_id=person_id,
                                           stated=stated)
        except AppError as error:
            refused = event_facts.refused(error, asked, lang) or {"": problems_of(error, lang).summary}
    if problems or refused:
        problems.fields.update(refused)
        problems.summary = problems.summary or i18n.translate(
            lang, "Some facts could not be kept, so nothing was saved.")
        facts = event_facts.fields(asked, lang, typed, problems.fields)
        if shown is not None:
            return _bundle_page(request, person_id=person_id, name=_name(person), event=event,
                                row=shown, values=values, facts=facts, problems=problems,
                                status=422)
        return _questions_page(request, person_id=person_id, name=_name(person), event=event,
                               facts=facts, values=values, problems=problems, status=422)
    try:
        row = lifeevents.evaluate(session, catalog=_catalog(request), keyring=keyring,
                                  principal=principal, event_code=event.code,
                                  data=EvaluateRequest(person_id=person_id, answers=answers))
    except AppError as error:
        facts = event_facts.fields(asked, lang, typed)
        return _questions_page(request, person_id=person_id, name=_name(person), event=event,
                               facts=facts, values=values, problems=problems_of(error, lang),
                               status=422)
    missing = _facts(request, session, principal, keyring, person_id, event,
                     missing=lifeevents.missing_of(row))
    return _bundle_page(request, person_id=person_id, name=_name(person), event=event, row=row,
                        values=values, facts=event_facts.fields(missing, lang),
                        kept=event_facts.kept_labels(asked, kept, lang))


def _shown_evaluation(session: DbSession, principal: OfficeUser, person_id: uuid.UUID,
                      event: Any, raw: str) -> Any:
    """The evaluation whose verdicts the missing facts were asked beside (None: the questions)."""
    if not raw:
        return None
    try:
        evaluation_id = uuid.UUID(raw)
    except ValueError as exc:
        raise InvalidInput(fields=[FieldError("evaluation_id", "not_found")]) from exc
    row = lifeevents.stored(session, principal=principal, evaluation_id=evaluation_id,
                            event_code=event.code)
    if row.person_id != person_id:
        raise NotFound(fields=[FieldError("evaluation_id", "not_found")])
    return row


def receipt_url(person_id: uuid.UUID, folios: list[str]) -> str:
    """Where the receipt of these applications is shown."""
    return f"/office/persons/{person_id}/receipt?{urlencode([('folio', f) for f in folios])}"


@router.post("/persons/{person_id}/events/{event_code}/apply")
def apply(request: Request, person_id: uuid.UUID, event_code: EventCode, session: DbSession,
          principal: OfficeUser, form: Form, idem: Idempotent) -> Response:
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
    replay = idem.claim(data, key=key)
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
