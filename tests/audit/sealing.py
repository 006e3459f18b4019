"""Sealing in tests: on PostgreSQL an event is sealable only once every older transaction of
the whole cluster has ended, so on a busy cluster one round may seal nothing; round until all
are sealed, as the sealer thread would."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.audit.models import AuditEvent, AuditSeal


def seal_everything(make: Callable[[], Session], *, timeout: float = 30) -> None:
    """Seal rounds until no event is left unsealed (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        audit.seal_all(make)
        with make() as session:
            unsealed = session.scalar(select(func.count()).select_from(AuditEvent).where(
                ~exists().where(AuditSeal.event_id == AuditEvent.id)))
        if not unsealed or time.monotonic() > deadline:
            return
        time.sleep(0.02)
