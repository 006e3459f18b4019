"""What an attacker holding the database owner's rights can do to the audit tables' guards."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

AUDIT_TABLES = ("audit_event", "audit_seal", "audit_checkpoint", "audit_head")


def drop_guards(session: Session, backend: str) -> None:
    """Remove (SQLite) or disable (PostgreSQL) every trigger that guards the audit tables."""
    if backend == "postgresql":
        for table in AUDIT_TABLES:
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        return
    names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name LIKE 'audit_%'")).scalars().all()
    for name in names:
        session.execute(text(f"DROP TRIGGER {name}"))
