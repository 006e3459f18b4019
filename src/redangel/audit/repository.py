"""Queries over the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redangel.audit.models import AuditEvent
from redangel.auth.models import Agency, Office


def accesses_of(session: Session, person_id: uuid.UUID, *, limit: int) -> Sequence[Any]:
    """Who read or changed a person's data, newest first, with office and agency names."""
    return session.execute(
        select(AuditEvent.at, AuditEvent.actor_kind, AuditEvent.action, AuditEvent.purpose,
               AuditEvent.outcome, Office.name.label("office_name"),
               Agency.name_es.label("agency_es"), Agency.name_en.label("agency_en"))
        .outerjoin(Office, Office.id == AuditEvent.office_id)
        .outerjoin(Agency, Agency.code == AuditEvent.agency_code)
        .where(AuditEvent.person_id == person_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
