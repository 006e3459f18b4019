"""Life events: evaluate a registered person's bundle, apply for it in one step, screen anonymously.

The engine is pure (`redangel.eligibility`); this module feeds it facts from the registry,
stores each evaluation with the catalog version that produced it, and turns the chosen eligible
programs into applications through the programs domain.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.policy import person_condition
from redangel.auth.principal import Principal
from redangel.common.clock import city_today
from redangel.crypto.keyring import Keyring
from redangel.errors import FieldError, InvalidInput, NotFound
from redangel.lifeevent.facts import household_of
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


def _engine() -> Any:
    import redangel.eligibility

    return redangel.eligibility


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
    current = _current_programs(session, data.person_id)
    try:
        result = _engine().evaluate(catalog, event_code=event_code, person=person,
                                    household=household, answers=data.answers, as_of=as_of,
                                    current_programs=current)
    except _engine().EligibilityError as exc:
        raise InvalidInput(fields=[FieldError(getattr(exc, "field", "answers") or "answers",
                                              "field_invalid", {"detail": str(exc)[:200]})]) from exc
    row = Evaluation(id=uuid.uuid4(), person_id=data.person_id, event_code=event_code,
                     catalog_version=result.catalog_version, as_of=as_of,
                     answers={k: (v.isoformat() if isinstance(v, date) else v)
                              for k, v in data.answers.items()},
                     result=result.to_dict(), actor_kind=principal.kind, actor_id=principal.id)
    session.add(row)
    session.flush()
    audit.record(session, principal=principal, action="life_event.evaluate",
                 person_id=data.person_id, purpose="application",
                 detail={"event": event_code, "catalog": result.catalog_version[:16]})
    return row


def _current_programs(session: Session, person_id: uuid.UUID) -> list[str]:
    from redangel.program.repository import live_program_codes

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
        return _engine().evaluate(
            catalog, event_code=data.event_code, person=screening_facts(data.person, as_of),
            household=[screening_facts(m, as_of) for m in data.household], answers=data.answers,
            as_of=as_of)
    except _engine().EligibilityError as exc:
        raise InvalidInput(fields=[FieldError(getattr(exc, "field", "answers") or "answers",
                                              "field_invalid", {"detail": str(exc)[:200]})]) from exc


def apply(session: Session, *, catalog: Any, principal: Principal, event_code: str,
          data: ApplyRequest) -> AppliedOut:
    """Create, in one transaction, applications for the chosen eligible programs."""
    from redangel.program import service as programs

    evaluation = session.get(Evaluation, data.evaluation_id)
    if evaluation is None or evaluation.event_code != event_code or persons.get(
        session, evaluation.person_id, person_condition(principal)
    ) is None:
        raise NotFound(fields=[FieldError("evaluation_id", "not_found")])
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
