"""Life events: evaluate a registered person's bundle, apply for it in one step, screen anonymously.

The engine is pure (`redangel.eligibility`); this module feeds it facts from the registry,
stores each evaluation with the catalog version that produced it, and turns the chosen eligible
programs into applications through the programs domain.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from redangel import eligibility
from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import FieldError, InvalidInput, NotFound, invalid_input
from redangel.lifeevent import repository
from redangel.lifeevent.facts import household_members, household_of, households_of
from redangel.lifeevent.models import Evaluation
from redangel.lifeevent.schemas import (
    AppliedOut,
    ApplyRequest,
    EvaluateRequest,
    LifeEventCatalog,
    ScreeningPerson,
    ScreeningRequest,
)
from redangel.person import repository as persons
from redangel.person import service as people
from redangel.person.policy import person_condition
from redangel.person.schemas import Attributes, PersonUpdate, Sensitive
from redangel.program import service as programs
from redangel.program.repository import live_program_codes, live_program_codes_of


def events(catalog: Any) -> LifeEventCatalog:
    """Every life event with its questions and bundle, in Spanish and English."""
    return LifeEventCatalog.model_validate(
        {"catalog_version": catalog.version,
         "events": [e.to_dict() for e in catalog.events.values()]})


def _check_event(catalog: Any, code: str) -> None:
    if code not in catalog.events:
        raise NotFound(fields=[FieldError("event_code", "not_found")])


def evaluate(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
             event_code: str, data: EvaluateRequest) -> Evaluation:
    """Evaluate a life event for a person in scope; the evaluation is stored and audited."""
    _check_event(catalog, event_code)
    if persons.get(session, data.person_id, person_condition(principal)) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    person, household = household_of(session, keyring=keyring, person_id=data.person_id)
    as_of = data.as_of or city_today()
    row = _stored(session, catalog=catalog, principal=principal, event_code=event_code,
                  person_id=data.person_id, facts=(person, household), answers=data.answers,
                  as_of=as_of, current=_current_programs(session, data.person_id))
    session.flush()
    return row


def evaluate_many(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                  event_code: str, person_ids: list[uuid.UUID],
                  answers: dict[str, Any]) -> list[Evaluation]:
    """`evaluate` for several persons in scope with the same answers (a household's survivors
    after a death), in a fixed number of statements however many they are; in their order."""
    _check_event(catalog, event_code)
    if not person_ids:
        return []
    facts = households_of(session, keyring=keyring, person_ids=person_ids,
                          visible=person_condition(principal))
    if set(facts) != set(person_ids):
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    current = live_program_codes_of(session, person_ids)
    as_of = city_today()
    rows = [_evaluated(catalog=catalog, principal=principal, event_code=event_code,
                       person_id=person_id, facts=facts[person_id], answers=answers, as_of=as_of,
                       current=sorted(current[person_id]))
            for person_id in person_ids]
    repository.insert_evaluations(session, rows)
    for row in rows:
        _audited(session, principal=principal, row=row)
    return rows


def _stored(session: Session, *, catalog: Any, principal: Principal, event_code: str,
            person_id: uuid.UUID, facts: tuple[dict[str, Any], list[dict[str, Any]]],
            answers: dict[str, Any], as_of: date, current: list[str]) -> Evaluation:
    """Run the engine on one person's facts; the evaluation added (flushed by the caller) and
    audited."""
    row = _evaluated(catalog=catalog, principal=principal, event_code=event_code,
                     person_id=person_id, facts=facts, answers=answers, as_of=as_of,
                     current=current)
    session.add(row)
    _audited(session, principal=principal, row=row)
    return row


def _evaluated(*, catalog: Any, principal: Principal, event_code: str, person_id: uuid.UUID,
               facts: tuple[dict[str, Any], list[dict[str, Any]]], answers: dict[str, Any],
               as_of: date, current: list[str]) -> Evaluation:
    """Run the engine on one person's facts; the evaluation, not stored yet."""
    try:
        result = eligibility.evaluate(catalog, event_code=event_code, person=facts[0],
                                      household=facts[1], answers=answers, as_of=as_of,
                                      current_programs=current)
    except eligibility.EligibilityError as exc:
        raise InvalidInput(fields=[FieldError(getattr(exc, "field", "answers") or "answers",
                                              "field_invalid", {"detail": str(exc)[:200]})]) from exc
    return Evaluation(id=uuid.uuid4(), person_id=person_id, event_code=event_code,
                      catalog_version=result.catalog_version, as_of=as_of,
                      answers={k: (v.isoformat() if isinstance(v, date) else v)
                               for k, v in answers.items()},
                      result=result.to_dict(), actor_kind=principal.kind, actor_id=principal.id,
                      created_at=utcnow())


def _audited(session: Session, *, principal: Principal, row: Evaluation) -> None:
    audit.record(session, principal=principal, action="life_event.evaluate",
                 person_id=row.person_id, purpose="application",
                 detail={"event": row.event_code, "catalog": row.catalog_version[:16]})


def _current_programs(session: Session, person_id: uuid.UUID) -> list[str]:
    return sorted(live_program_codes(session, person_id))


def screening_facts(person: ScreeningPerson, as_of: date) -> dict[str, Any]:
    """Turn anonymous screening facts into engine facts (an age becomes a birth date)."""
    facts = person.model_dump(exclude_none=True, exclude={"age"})
    born = as_of.replace(year=as_of.year - person.age) if not (as_of.month == 2 and as_of.day == 29) \
        else as_of - timedelta(days=365 * person.age)
    facts["birth_date"] = born
    return facts


def screen(*, catalog: Any, data: ScreeningRequest) -> Any:
    """Anonymous screening: nothing stored, nothing identifying asked."""
    if data.event_code is not None:
        _check_event(catalog, data.event_code)
    as_of = city_today()
    try:
        return eligibility.evaluate(
            catalog, event_code=data.event_code, person=screening_facts(data.person, as_of),
            household=[screening_facts(m, as_of) for m in data.household], answers=data.answers,
            as_of=as_of)
    except eligibility.EligibilityError as exc:
        raise InvalidInput(fields=[FieldError(getattr(exc, "field", "answers") or "answers",
                                              "field_invalid", {"detail": str(exc)[:200]})]) from exc


def stored(session: Session, *, principal: Principal, evaluation_id: uuid.UUID,
           event_code: str) -> Evaluation:
    """A stored evaluation of this event for a person in the principal's scope (else 404)."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.event_code != event_code or persons.get(
        session, evaluation.person_id, person_condition(principal)
    ) is None:
        raise NotFound(fields=[FieldError("evaluation_id", "not_found")])
    return evaluation


def missing_of(evaluation: Evaluation) -> list[str]:
    """The facts an evaluation lacked to decide, over every program that needs information."""
    return sorted({m for r in evaluation.result.get("results", [])
                   if r.get("verdict") == "needs_information" for m in r.get("missing", [])})


def apply(session: Session, *, catalog: Any, principal: Principal, event_code: str,
          data: ApplyRequest) -> AppliedOut:
    """Create, in one transaction, applications for the chosen eligible programs."""
    evaluation = stored(session, principal=principal, evaluation_id=data.evaluation_id,
                        event_code=event_code)
    verdicts = {r["program"]: r for r in evaluation.result.get("results", [])}
    for index, code in enumerate(data.programs):
        if verdicts.get(code, {}).get("verdict") != "eligible":
            raise InvalidInput(fields=[FieldError(f"programs.{index}", "program_not_eligible",
                                                  {"program": code})])
    created = []
    for code in dict.fromkeys(data.programs):
        app = programs.submit(session, principal=principal, person_id=evaluation.person_id,
                              program_code=code, channel=data.channel,
                              catalog_version=evaluation.catalog_version,
                              evaluation={"evaluation_id": str(evaluation.id),
                                          "result": verdicts[code]})
        created.append({"program": code, "folio": app.folio, "status": app.status,
                        "expected_decision_on": app.expected_decision_on.isoformat(),
                        "name": verdicts[code]["name"], "documents": verdicts[code]["documents"]})
    return AppliedOut(evaluation_id=evaluation.id, applications=created)


STATED_AT_OFFICE = "stated_at_office"
STORED_FACTS = frozenset(Attributes.model_fields) | frozenset(Sensitive.model_fields) | {"borough"}


@dataclass(frozen=True)
class FactToAsk:
    """A fact the wizard asks: whose (the person, or a member by name), which, and what is known."""

    person_id: uuid.UUID
    member_name: str | None
    fact: str
    kind: str
    options: tuple[str, ...]
    label: dict[str, str]
    known: Any = None


def _plain(value: Any) -> Any:
    """A fact's value in one comparable form (an income of 4200 and of "4200.00" are one)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).normalize()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _asked(catalog: Any, person_id: uuid.UUID, name: str | None, fact: str,
           facts: dict[str, Any]) -> FactToAsk:
    spec = catalog.facts[fact]
    known = facts.get(fact)
    return FactToAsk(person_id, name, fact, spec.type, tuple(spec.options), spec.label.to_dict(),
                     known.isoformat() if isinstance(known, date) else known)


def facts_to_ask(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                 person_id: uuid.UUID, event_code: str, missing: Iterable[str] = (),
                 confirm: bool = True) -> list[FactToAsk]:
    """What the wizard asks before and after evaluating: the event's facts to confirm
    (pre-filled with what is known; left out without `confirm`) and the facts an evaluation
    found `missing` that a record can keep, a household member's for each member who lacks it."""
    _check_event(catalog, event_code)
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    me, _ = household_of(session, keyring=keyring, person_id=person_id)
    wanted = [f for f in catalog.events[event_code].confirm if f in STORED_FACTS] if confirm else []
    member_facts: list[str] = []
    for name in missing:
        root, _, fact = name.partition(".")
        if fact not in STORED_FACTS or fact not in catalog.facts:
            continue
        if root == "person" and fact not in wanted:
            wanted.append(fact)
        elif root == "member" and fact not in member_facts:
            member_facts.append(fact)
    asked = [_asked(catalog, person_id, None, fact, me) for fact in wanted]
    if member_facts:
        for member_id, member_name, facts in household_members(session, keyring=keyring,
                                                               person_id=person_id):
            asked += [_asked(catalog, member_id, member_name, fact, facts)
                      for fact in member_facts if facts.get(fact) is None]
    return asked


def _payload(fact: str, value: Any) -> dict[str, Any]:
    if fact == "borough":
        return {"address": {"borough": value}}
    return {"sensitive" if fact in Sensitive.model_fields else "attributes": {fact: value}}


def record_facts(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
                 person_id: uuid.UUID, stated: dict[tuple[uuid.UUID, str], Any],
                 source: str = STATED_AT_OFFICE) -> list[tuple[uuid.UUID, str]]:
    """Keep facts stated at the office on the person's (or a household member's) record.

    Each value is validated as the person API validates it; if any is refused nothing is
    written and the error names `<person id>.<fact>`. Only what differs from the record is
    written (a repeated submission writes nothing), through the person service, with a history
    row naming the facts and their source and an audit row, in this transaction. Returns the
    (person, fact) pairs that changed.
    """
    # Scope first: a value compared with the record of someone out of scope would tell whether
    # it is theirs (an equal one writes nothing and is not refused).
    if persons.get(session, person_id, person_condition(principal)) is None:
        raise NotFound(fields=[FieldError("person_id", "not_found")])
    me, _ = household_of(session, keyring=keyring, person_id=person_id)
    known = {person_id: me} | {i: f for i, _, f in household_members(
        session, keyring=keyring, person_id=person_id)}
    changes: dict[uuid.UUID, dict[str, Any]] = {}
    kept: list[tuple[uuid.UUID, str]] = []
    problems: list[FieldError] = []
    for (subject, fact), value in stated.items():
        if subject not in known or fact not in STORED_FACTS or fact not in catalog.facts:
            raise InvalidInput(fields=[FieldError(f"{subject}.{fact}", "field_extra")])
        if value is None:
            continue
        if subject != person_id and persons.get(session, subject,
                                                person_condition(principal)) is None:
            raise NotFound(fields=[FieldError(f"{subject}.{fact}", "not_found")])
        if _plain(value) == _plain(known[subject].get(fact)):
            continue
        try:
            PersonUpdate.model_validate(_payload(fact, value))
        except ValidationError as exc:
            problems += [FieldError(f"{subject}.{fact}", f.code, f.params)
                         for f in invalid_input(exc).fields]
            continue
        kept.append((subject, fact))
        payload = changes.setdefault(subject, {})
        for part, inner in _payload(fact, value).items():
            payload.setdefault(part, {}).update(inner)
    if problems:
        raise InvalidInput(fields=problems)
    locked = {s: people.for_update(session, principal=principal, person_id=s) for s in changes}
    for subject, payload in changes.items():  # every record in scope: now they are written
        people.update(session, keyring=keyring, principal=principal, person=locked[subject],
                      data=PersonUpdate.model_validate(payload), source=source)
    return kept
