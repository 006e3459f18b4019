"""Late complaints up the chain of command, and each level's list of them.

A complaint still unanswered at the city's midnight after its answer date has breached, as a
late application does. The escalation job (`escalation.run`, under the same lock) raises it one
level per run once the chain's hours since the breach have passed — the chain's general hours,
since a complaint belongs to no program — and writes who was told in the complaint's history;
the citizen's folio page shows that the people responsible were told. The office supervisor's
answer ends the climb. The agency the complaint concerns sees it from the program-lead level on
(`/agency/escalations`), the coordination unit from its own level; both read the folio, the
category, the office, the dates and the level — never the citizen's words or who they are, and
not even the category of a complaint only the office's supervisors may read. Complaints do not
enter the agencies' change feed, whose entries are a person's changes in one of the agency's
programs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from redangel.auth.principal import SYSTEM, Principal
from redangel.common.clock import city_today
from redangel.common.types import Names
from redangel.history import service as history
from redangel.program import complaint_repository as repository
from redangel.program import deadlines, escalation_rules
from redangel.program.escalation_rules import Chain
from redangel.program.followup_schemas import EscalatedComplaint
from redangel.program.models import RESTRICTED_CATEGORIES, Complaint

BATCH = 5000
"""Late complaints one run looks at; the oldest first, the rest on the next run."""


def raise_late(session: Session, *, chain: Chain, now: datetime) -> tuple[int, int]:
    """Raise each late complaint one level when it is due; (raised, looked at). The caller holds
    the escalation job's lock."""
    rows = repository.late(session, city_today(now), len(chain.levels), BATCH)
    raised = 0
    for complaint, office_code in (tuple(r) for r in rows):
        hours = (now - deadlines.breached_at(complaint.expected_answer_on)).total_seconds() / 3600
        if chain.due(chain.levels, hours) <= complaint.level:
            continue
        level = chain.levels[complaint.level]
        if not repository.raise_level(session, complaint.id, seen=complaint.level,
                                      to=level.number, role=level.role, at=now):
            continue
        raised += 1
        history.record(session, principal=SYSTEM, entity="complaint", entity_id=complaint.id,
                       action="escalated", changes={
                           "level": level.number, "role": level.role,
                           "told": escalation_rules.told(level.role, complaint.agency_code,
                                                         office_code)})
    return raised, len(rows)


def queue(session: Session, *, principal: Principal, limit: int = 200) -> list[EscalatedComplaint]:
    """The escalated complaints the principal's level sees: the agency concerned those that
    reached its program lead; the coordination unit those that reached it, across the city."""
    scope: ColumnElement[bool]
    if principal.kind == "agency" and principal.agency_code:
        at_least, scope = 2, Complaint.agency_code == principal.agency_code
    elif principal.kind == "staff" and principal.role == "coordinator":
        at_least, scope = 3, true()
    else:
        return []
    today = city_today()
    return [EscalatedComplaint(
        folio=r.folio, category=None if r.category in RESTRICTED_CATEGORIES else r.category,
        agency=r.agency_code, agency_name=Names(es=r.name_es, en=r.name_en), office=r.office_name,
        level=r.level, role=r.escalated_role, reached_at=r.escalated_at,
        expected_answer_on=r.expected_answer_on,
        days_late=deadlines.days_late(r.expected_answer_on, today))
        for r in repository.escalated(session, at_least=at_least, scope=scope, limit=limit)]
