"""Readiness: whether this process can serve requests now (the database answers, is migrated).

A failed check is named ("database", "schema") and nothing more: no driver message, host name
or SQL, which would tell an attacker what stands behind the service.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)


def readiness(engine: Engine) -> dict[str, str]:
    """Each check's outcome, "ok" or "failed"; the cause of a failure goes to the log only.

    It reads only (on SQLite a snapshot: it never waits for the write lock)."""
    checks = {"database": "failed", "schema": "failed"}
    try:
        with engine.connect().execution_options(readonly=True) as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            if conn.execute(text("SELECT version_num FROM alembic_version")).first():
                checks["schema"] = "ok"
    except Exception:
        log.warning("readiness check failed", exc_info=True)
    return checks
