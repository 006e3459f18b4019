"""Proactive offers: after a vital event, the programs a person is now eligible for are offered
to them (on the office's list and on their kiosk after the PIN), never applied for on their
behalf. Accepting opens the application (channel `proactive`) and keeps who accepted, when and
where; declining is kept too.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.crvs import repository
from redangel.crvs.models import CrvsEvent, ProactiveOffer
from redangel.crvs.schemas import OfferOut
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.errors import Conflict, FieldError, Forbidden, NotFound
from redangel.lifeevent import service as lifeevents
from redangel.person.policy import person_condition
from redangel.program import service as programs

LIMIT = 200


def offer(session: Session, *, catalog: Any, keyring: Keyring, principal: Principal,
          event: CrvsEvent, person_ids: list[uuid.UUID], life_event: str,
          answers: dict[str, Any], office_id: uuid.UUID | None,
          loaded: frozenset[str]) -> dict[uuid.UUID, list[str]]:
    """Evaluate the life event for each person (one household's) and offer each every program
    they are eligible for; per person, the programs offered. `loaded` are the programs on the
    registry's books (the catalog loaded with `redangel catalog load`): a program of a newer
    catalog not loaded yet cannot be applied for, so it is not offered."""
    evaluations = lifeevents.evaluate_many(session, catalog=catalog, keyring=keyring,
                                           principal=principal, event_code=life_event,
                                           person_ids=person_ids, answers=answers)
    offered: dict[uuid.UUID, list[str]] = {}
    rows: list[dict[str, Any]] = []
    at = utcnow()
    for evaluation in evaluations:
        eligible = [r["program"] for r in evaluation.result.get("results", [])
                    if r.get("verdict") == "eligible" and r["program"] in loaded]
        offered[evaluation.person_id] = eligible
        rows += [{"id": uuid.uuid4(), "event_id": event.id, "person_id": evaluation.person_id,
                  "program_code": code, "life_event": life_event,
                  "evaluation_id": evaluation.id, "office_id": office_id, "state": "offered",
                  "offered_at": at} for code in eligible]
    repository.insert_offers(session, rows)  # one statement for the household's offers
    return offered


def _out(row: Any) -> OfferOut:
    o: ProactiveOffer = row[0]
    return OfferOut(id=o.id, person_id=o.person_id, program=o.program_code,
                    program_name={"es": row.name_es, "en": row.name_en}, life_event=o.life_event,
                    state=o.state,
                    offered_at=o.offered_at, decided_at=o.decided_at, decided_by=o.decided_by,
                    decided_where=o.decided_where, folio=row.folio)


def _may_offer(principal: Principal) -> None:
    if not ((principal.kind == "staff" and principal.role in ("clerk", "supervisor"))
            or principal.kind == "kiosk"):
        raise Forbidden()


def list_offers(session: Session, *, principal: Principal, person_id: uuid.UUID | None = None,
                open_only: bool = False) -> list[OfferOut]:
    """The offers of the persons in the principal's scope (one person's, or all), audited."""
    _may_offer(principal)
    where = person_condition(principal)
    if person_id is not None:
        where = and_(where, ProactiveOffer.person_id == person_id)
    if open_only:
        where = and_(where, ProactiveOffer.state == "offered")
    # A kiosk is a public screen: a sensitive program is never named there (`program.policy`).
    found = [_out(row) for row in repository.offers(session, where, LIMIT,
                                                    public_screen=principal.kind == "kiosk")]
    audit.record_shown(session, principal=principal, action="offer.list",
                       person_ids=list(dict.fromkeys(o.person_id for o in found)),
                       purpose="outreach")
    return found


def decide(session: Session, *, principal: Principal, offer_id: uuid.UUID, accept: bool) -> OfferOut:
    """The person accepts (an application opens, channel `proactive`) or declines an offer."""
    _may_offer(principal)
    if principal.kind == "kiosk" and not principal.pin_verified:
        raise Forbidden()
    row = repository.offer(session, offer_id, person_condition(principal),
                           public_screen=principal.kind == "kiosk")
    if row is None:
        raise NotFound(fields=[FieldError("offer_id", "not_found")])
    if row.state != "offered":
        raise Conflict("offer_decided")
    if accept:
        application = programs.submit(
            session, principal=principal, person_id=row.person_id, program_code=row.program_code,
            channel="proactive",
            evaluation={"evaluation_id": str(row.evaluation_id), "offer_id": str(row.id)})
        row.application_id = application.id
    row.state = "accepted" if accept else "declined"
    row.decided_at = utcnow()
    row.decided_by_kind, row.decided_by = principal.kind, principal.id
    row.decided_where = (f"office:{principal.office_id}" if principal.kind == "staff"
                         else f"kiosk:{principal.id}")
    session.flush()
    audit.record(session, principal=principal, action=f"offer.{row.state}",
                 person_id=row.person_id, purpose="application",
                 detail={"program": row.program_code})
    found = repository.offers(session, ProactiveOffer.id == row.id, 1)
    return _out(found[0])
